// The seam by which health checking and VRRP join dsrlb-control: a part
// follows each configuration the daemon applies and reports into LbState
// (SetHealth, SetVipActive, SetVrrpStatus).
#ifndef DSRLB_CONTROLPLANE_DAEMON_DAEMON_PART_H_
#define DSRLB_CONTROLPLANE_DAEMON_DAEMON_PART_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controlplane/config/config.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

class DaemonPart {
 public:
  virtual ~DaemonPart() = default;
  // Called at start-up and on every reload, after the state took the same
  // configuration; an error is logged and returned to the reload's caller.
  virtual absl::Status Apply(const config::Config& config) = 0;
  // The local dataplane's liveness, at start-up and on every change.
  virtual void OnDataplane(bool /*up*/, const std::string& /*why*/) {}
  // The first step of a graceful stop: hand over what a peer takes over
  // (VRRP mastership). Returns when done; bounded by the part.
  virtual void HandOver() {}
};

// Makes a part that reports into `state` (which outlives it).
using DaemonPartFactory =
    std::function<absl::StatusOr<std::unique_ptr<DaemonPart>>(LbState* state)>;

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_DAEMON_PART_H_
