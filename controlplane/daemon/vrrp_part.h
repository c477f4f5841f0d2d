// VRRP (controlplane/vrrp) as a part of dsrlb-control: VIP activity goes to
// LbState::SetVipActive, instance status and transitions to SetVrrpStatus.
// Built when the tree has the VRRP library.
#ifndef DSRLB_CONTROLPLANE_DAEMON_VRRP_PART_H_
#define DSRLB_CONTROLPLANE_DAEMON_VRRP_PART_H_

#include <memory>

#include "absl/status/statusor.h"
#include "controlplane/daemon/daemon_part.h"

namespace dsrlb::api {

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeVrrpPart(LbState* state);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_VRRP_PART_H_
