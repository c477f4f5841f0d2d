// Health checks (controlplane/health) as a part of dsrlb-control: the
// checkers follow each configuration and their up/down events go into
// LbState::SetHealth. Built when the tree has the health library.
#ifndef DSRLB_CONTROLPLANE_DAEMON_HEALTH_PART_H_
#define DSRLB_CONTROLPLANE_DAEMON_HEALTH_PART_H_

#include <memory>

#include "absl/status/statusor.h"
#include "controlplane/daemon/daemon_part.h"

namespace dsrlb::api {

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeHealthPart(LbState* state);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_HEALTH_PART_H_
