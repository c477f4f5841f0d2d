// A bounded log of control-plane events that any number of watchers follow.
#ifndef DSRLB_CONTROLPLANE_MODEL_EVENT_HUB_H_
#define DSRLB_CONTROLPLANE_MODEL_EVENT_HUB_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/model/keys.h"

namespace dsrlb::api {

enum class Health { kUnchecked, kUp, kDown };

struct Event {
  enum class Kind { kRealServer, kVrrp, kTable, kQuorum };
  Kind kind = Kind::kTable;
  int64_t unix_ms = 0;
  // kRealServer, kQuorum
  VsKey virtual_server;
  bool quorum_up = false;  // kQuorum: gained (true) or lost
  RsKey real_server;
  Health health = Health::kUnchecked;
  // kVrrp: instance name; states as text ("MASTER", ...) until VRRP lands.
  std::string instance;
  std::string vrrp_from, vrrp_to;
  std::string reason;
  // kTable
  uint64_t generation = 0;
};

// Watchers keep their own cursor (a sequence number), so the hub needs no
// per-watcher registration and a slow watcher never blocks the state: it
// only loses what fell off the end of the log (and is told how much).
class EventHub {
 public:
  explicit EventHub(size_t capacity = 4096) : capacity_(capacity) {}

  void Post(Event event) ABSL_LOCKS_EXCLUDED(mu_);

  // The sequence number the next posted event will get.
  uint64_t NextSeq() const ABSL_LOCKS_EXCLUDED(mu_);

  // Events with sequence >= *cursor, waiting up to `timeout` for one;
  // advances *cursor. *lost counts events that fell off the log.
  std::vector<Event> Wait(uint64_t* cursor, absl::Duration timeout,
                          uint64_t* lost) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<Event> log_ ABSL_GUARDED_BY(mu_);
  uint64_t first_seq_ ABSL_GUARDED_BY(mu_) = 0;  // sequence of log_.front()
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_EVENT_HUB_H_
