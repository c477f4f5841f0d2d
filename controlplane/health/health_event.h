// What the health checkers tell their owner: keys naming a real server, a
// check result, a state change event, and the state the daemon can query.
#ifndef DSRLB_CONTROLPLANE_HEALTH_HEALTH_EVENT_H_
#define DSRLB_CONTROLPLANE_HEALTH_HEALTH_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/ip_address.h"
#include "controlplane/config/config.h"
#include "controlplane/config/keys.h"

namespace dsrlb::health {

using VsKey = config::VsKey;
using RsKey = config::RsKey;

// "[10.0.0.1]:tcp:80", keepalived's way of naming a service in logs and mail.
std::string FormatService(const IpAddress& address, uint16_t port,
                          config::Protocol protocol);
std::string FormatVs(const VsKey& vs);
std::string FormatRs(const VsKey& vs, const RsKey& rs);

// The outcome of one check attempt.
struct CheckResult {
  bool ok = false;
  std::string text;  // "HTTP status 500, expected 2xx", "TCP connect ... ok"
  // MISC_CHECK with misc_dynamic: the weight the script asked for.
  std::optional<uint32_t> weight;
  // From the attempt's start to its end on the monitor's clock (set by
  // CheckRunner).
  absl::Duration duration;
};

// One finished attempt of one real server's checker: every attempt, also
// those that change nothing (for the status page's counts and last check).
struct CheckReport {
  VsKey vs;
  RsKey rs;
  bool ok = false;
  std::string text;
  absl::Duration duration;
  absl::Time wall_time;  // absl::Now() when it ended
};

// A real server changed state. Everything the daemon needs to update its
// table (weight and inhibit_on_failure say whether a down server leaves the
// ring or stays with weight 0).
struct HealthEvent {
  VsKey vs;
  RsKey rs;
  bool up = false;
  std::string reason;    // the check result that caused the change
  absl::Time time;       // the monitor's clock (monotonic for RealClock)
  absl::Time wall_time;  // absl::Now() when it happened, for people
  uint32_t weight = 1;   // configured weight, or misc_dynamic's
  bool weight_from_check = false;  // `weight` is misc_dynamic's
  bool inhibit_on_failure = false;
};

// What State() reports for one real server.
struct RealServerState {
  bool up = true;
  bool checked = false;  // false until the first attempt ended
  bool last_check_ok = false;
  std::string last_check_text;
  absl::Time last_check_time;   // monitor clock; InfinitePast if never
  absl::Time last_change_time;  // monitor clock; creation time at first
  uint32_t weight = 1;
  bool weight_from_check = false;  // misc_dynamic set `weight`
  // ha_suspend: not checked while this host does not hold the VIP; the
  // state above is the last one seen before.
  bool suspended = false;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_HEALTH_EVENT_H_
