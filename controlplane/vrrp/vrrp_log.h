// One log line on stderr with a UTC timestamp (until the daemon's logger).
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_LOG_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_LOG_H_

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace dsrlb::vrrp {

inline void VrrpLog(const std::string& line) {
  std::string t = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                   absl::UTCTimeZone());
  std::fprintf(stderr, "%s vrrp: %s\n", t.c_str(), line.c_str());
}

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_LOG_H_
