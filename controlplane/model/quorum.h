// keepalived's virtual-server quorum (check/ipwrapper.c,
// update_quorum_state): the weights of the live real servers against
// quorum, with hysteresis as a flap dampener. Pure functions; LbState keeps
// the state and tells its listener.
#ifndef DSRLB_CONTROLPLANE_MODEL_QUORUM_H_
#define DSRLB_CONTROLPLANE_MODEL_QUORUM_H_

#include <cstdint>
#include <string>

#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

// The sum of the weights (misc_dynamic's when set) of the real servers that
// would take new connections but for the quorum: health not down, not
// drained. The sorry server does not count.
uint64_t LiveWeight(const VirtualServerState& vs);

bool HasSorryServer(const VirtualServerState& vs);

enum class QuorumStep { kNone, kGained, kLost };

struct QuorumInput {
  bool up = false;  // the state so far
  uint32_t quorum = 1;
  uint32_t hysteresis = 0;
  uint64_t live_weight = 0;
  // keepalived starts a virtual server whose quorum is down with its sorry
  // server in place, and says so (quorum_down runs) even without a change.
  bool start_sorry_server = false;
};

// Lost while up when the live weight is 0 or below quorum - hysteresis;
// gained while down at quorum + hysteresis or more.
QuorumStep StepQuorum(const QuorumInput& in);

// keepalived's log words: "Gained quorum 2+1=3 <= 3", "Lost quorum 2-1=1 > 0".
std::string QuorumReason(const QuorumInput& in, QuorumStep step);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_QUORUM_H_
