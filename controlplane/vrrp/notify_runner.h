// Runs keepalived-style notify scripts (notify_master, notify, ...) without
// waiting for them and without leaving zombies.
#ifndef DSRLB_CONTROLPLANE_VRRP_NOTIFY_RUNNER_H_
#define DSRLB_CONTROLPLANE_VRRP_NOTIFY_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace dsrlb::vrrp {

// Runs `/bin/sh -c 'COMMAND "$@"' sh ARGS...` detached (double fork): the
// command line may carry its own arguments, `args` are appended.
absl::Status RunDetached(const std::string& command, const std::vector<std::string>& args);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_NOTIFY_RUNNER_H_
