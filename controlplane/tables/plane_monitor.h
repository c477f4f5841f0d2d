// Whether each part of this host works: a live dataplane, a dataplane on
// the published table generation, a control plane that can publish, and
// the kernel guard's drops. Fed by the daemon; read by the API.
#ifndef DSRLB_CONTROLPLANE_TABLES_PLANE_MONITOR_H_
#define DSRLB_CONTROLPLANE_TABLES_PLANE_MONITOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/tables/publisher.h"

namespace dsrlb::api {

struct PlaneHealth {
  bool dataplane_alive = false;
  std::string dataplane_reason;  // why not alive; empty while alive
  // A live dataplane's oldest lcore stayed behind the published table for
  // longer than kStaleAfter.
  bool tables_stale = false;
  uint64_t published_generation = 0;
  uint64_t dataplane_generation = 0;  // oldest live lcore's
  bool publish_failing = false;       // the last publish failed
  uint64_t publish_failures_total = 0;
  std::string publish_error;  // the last failure's message
  bool kernel_guard = false;  // the nftables table is in place
  uint64_t kernel_vip_drops = 0;
};

class PlaneMonitor {
 public:
  // Readers normally move to a new generation within one burst; 2 s covers
  // a loaded host and a slow slot reclaim without hiding a stuck lcore.
  static constexpr absl::Duration kStaleAfter = absl::Seconds(2);

  // One look at the stats region; returns a log line per change.
  std::vector<std::string> Observe(const StatsReading& reading,
                                   uint64_t published_generation,
                                   absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // The outcome of one publish; returns a log line when failing starts/ends.
  std::vector<std::string> PublishResult(const absl::Status& status)
      ABSL_LOCKS_EXCLUDED(mu_);
  void SetKernelGuard(bool in_place, uint64_t drops) ABSL_LOCKS_EXCLUDED(mu_);

  PlaneHealth Get() const ABSL_LOCKS_EXCLUDED(mu_);
  // Never reported yet: the first Observe reports the dataplane's state.
  bool observed() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  PlaneHealth health_ ABSL_GUARDED_BY(mu_);
  bool observed_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Time> behind_since_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_TABLES_PLANE_MONITOR_H_
