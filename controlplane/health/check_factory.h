// Builds the Check for one config::Checker of one real server, and decides
// whether two checker configurations check the same thing.
#ifndef DSRLB_CONTROLPLANE_HEALTH_CHECK_FACTORY_H_
#define DSRLB_CONTROLPLANE_HEALTH_CHECK_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/health/check.h"
#include "controlplane/health/check_runner.h"

namespace dsrlb::health {

class CurlDriver;

struct CheckContext {
  EventLoop* loop = nullptr;
  CurlDriver* curl = nullptr;  // HTTP_GET / SSL_GET
};

absl::StatusOr<std::unique_ptr<Check>> MakeCheck(
    const CheckContext& context, const config::VirtualServer& vs,
    const config::RealServer& rs, const config::Checker& checker);

// The timers of `checker` on `rs` of `vs`.
CheckTiming TimingFor(const config::VirtualServer& vs,
                      const config::RealServer& rs,
                      const config::Checker& checker);

// True when a reload leaves the checking of this real server unchanged, so
// its health state and counters carry over: same checkers (ignoring where
// they were written), same timers, rise and fall.
bool SameChecking(const config::VirtualServer& old_vs,
                  const config::RealServer& old_rs,
                  const config::VirtualServer& new_vs,
                  const config::RealServer& new_rs);

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_CHECK_FACTORY_H_
