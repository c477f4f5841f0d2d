// What a real server contributes to its VIP's table now: the single place
// that maps health, drain, weight and MAC to a backend state.
#ifndef DSRLB_CONTROLPLANE_MODEL_EFFECTIVE_STATE_H_
#define DSRLB_CONTROLPLANE_MODEL_EFFECTIVE_STATE_H_

#include <cstdint>
#include <string>

#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

struct Effective {
  uint8_t state = 0;  // dsrlb_backend_state
  uint32_t ring_weight = 0;
  std::string reason;  // why it is not in the ring, empty when it is
};
Effective EffectiveOf(const VirtualServerState& vs, const RealServerState& rs,
                      const NeighborState* neighbor);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_EFFECTIVE_STATE_H_
