// The one validation of a configuration that --check, start, reload and
// the API share: whatever --check accepts, the daemon starts with.
#ifndef DSRLB_CONTROLPLANE_DAEMON_VALIDATE_CONFIG_H_
#define DSRLB_CONTROLPLANE_DAEMON_VALIDATE_CONFIG_H_

#include "absl/status/status.h"
#include "controlplane/config/config.h"
#include "controlplane/daemon/daemon_options.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

// What one table holds for these options (capacity.h's limits, with
// --ring-size as every virtual server's smallest ring).
LbState::Limits TableLimits(const DaemonOptions& options);

// Applies `config` to a scratch service model with TableLimits(options):
// the same code, and so the same errors, as the daemon's start and reload.
// (The parser has already checked syntax and values.) Not covered: what
// only the running host can tell, e.g. a VRRP interface that is missing.
absl::Status ValidateConfig(const config::Config& config,
                            const DaemonOptions& options);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_VALIDATE_CONFIG_H_
