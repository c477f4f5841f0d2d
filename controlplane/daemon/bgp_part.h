// BGP mode (controlplane/bgp) as a part of dsrlb-control: announces the
// VIPs this host can serve to the speaker the `bgp` block names, and
// withdraws them when it cannot (dataplane down, no real server in the
// ring) and at a graceful stop.
#ifndef DSRLB_CONTROLPLANE_DAEMON_BGP_PART_H_
#define DSRLB_CONTROLPLANE_DAEMON_BGP_PART_H_

#include <memory>

#include "absl/status/statusor.h"
#include "controlplane/daemon/daemon_part.h"

namespace dsrlb::api {

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeBgpPart(LbState* state);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_BGP_PART_H_
