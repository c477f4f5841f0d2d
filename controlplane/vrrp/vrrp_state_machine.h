// The VRRP state machine of RFC 3768 / RFC 5798 6.4 (with keepalived's
// nopreempt, preempt_delay and tracking) as a pure function:
// (params, machine, event, now) → (machine, actions). Sockets, timers,
// netlink and GARP live in the runtime around it.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_STATE_MACHINE_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_STATE_MACHINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/ip_address.h"

namespace dsrlb::vrrp {

enum class State : uint8_t { kInit, kBackup, kMaster, kFault, kStopped };
const char* StateName(
    State s);  // "INIT", "BACKUP", "MASTER", "FAULT", "STOPPED"

inline constexpr uint8_t kOwnerPriority = 255;

// What the configuration fixes for one instance.
struct Params {
  int version = 3;
  uint8_t priority = 100;  // configured; 255 = address owner
  absl::Duration advert_int = absl::Seconds(1);
  bool start_master = false;  // "state MASTER": claim after one interval + skew
  bool nopreempt = false;
  absl::Duration preempt_delay = absl::ZeroDuration();
  IpAddress primary;  // our advert source; breaks equal-priority ties
  // keepalived's lower_prio_no_advert (set by vrrp_strict): a master
  // ignores a lower-priority advert (RFC 3768 6.4.3) instead of answering.
  bool lower_prio_no_advert = false;
};

// Everything the machine remembers between events.
struct Machine {
  State state = State::kInit;
  uint8_t effective_priority = 100;  // priority after tracking weights
  int track_delta = 0;
  bool track_fault = false;
  std::string track_reason;  // what failed, while track_fault
  absl::Duration master_adver_int = absl::Seconds(1);  // learned (v3)
  absl::Time master_down_at = absl::InfiniteFuture();  // backup only
  absl::Time adver_at = absl::InfiniteFuture();        // master only
  absl::Time preempt_at =
      absl::InfiniteFuture();  // lower master tolerated until
  IpAddress master_addr;  // who we believe is master (ourselves when master)
};

struct Event {
  enum class Type {
    kStartup,      // begin (or begin again after Stop)
    kShutdown,     // graceful stop: a master hands over with priority 0
    kAdvert,       // a received advertisement that passed every check
    kTimer,        // a deadline (NextDeadline) may have passed
    kTrack,        // tracked interfaces/scripts changed: new delta and fault
    kForceMaster,  // vrrp_sync_group: a member became master
    kForceBackup,  // vrrp_sync_group: a member left master for backup
  } type = Type::kTimer;
  uint8_t priority = 0;      // kAdvert
  absl::Duration interval;   // kAdvert
  IpAddress src;             // kAdvert
  int track_delta = 0;       // kTrack: sum of weights now applying
  bool track_fault = false;  // kTrack: something with weight 0 failed
  std::string reason;        // kTrack: what failed (FAULT's reason)
  static Event Startup() { return {Type::kStartup}; }
  static Event Shutdown() { return {Type::kShutdown}; }
  static Event Timer() { return {Type::kTimer}; }
  static Event ForceMaster() { return {Type::kForceMaster}; }
  static Event ForceBackup() { return {Type::kForceBackup}; }
  static Event Advert(uint8_t prio, absl::Duration interval, IpAddress src) {
    Event e{Type::kAdvert};
    e.priority = prio;
    e.interval = interval;
    e.src = src;
    return e;
  }
  static Event Track(int delta, bool fault, std::string reason = "") {
    Event e{Type::kTrack};
    e.track_delta = delta;
    e.track_fault = fault;
    e.reason = std::move(reason);
    return e;
  }
};

struct Action {
  enum class Type {
    kSendAdvert,    // send one advertisement with `priority`
    kBecomeMaster,  // mark VIPs active, add them, send GARP/NA
    kLeaveMaster,   // remove VIPs, then mark them inactive
    kStateChange,   // from → to, for notify scripts, events and history
  } type;
  uint8_t priority = 0;
  State from = State::kInit;
  State to = State::kInit;
  std::string reason;
  friend bool operator==(const Action&, const Action&) = default;
};

struct StepResult {
  Machine machine;
  std::vector<Action> actions;
};

StepResult Step(const Params& params, const Machine& machine,
                const Event& event, absl::Time now);

// A machine before Startup, with the configured priority.
Machine InitialMachine(const Params& params);

// RFC 3768 6.1: (256 - prio) / 256 s. RFC 5798 6.1: the same fraction of
// Master_Adver_Interval.
absl::Duration SkewTime(const Params& params, const Machine& machine);
// 3 × (Master_)Adver_Interval + Skew_Time.
absl::Duration MasterDownInterval(const Params& params, const Machine& machine);
// When the runtime must deliver the next kTimer; InfiniteFuture when none.
absl::Time NextDeadline(const Machine& machine);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_STATE_MACHINE_H_
