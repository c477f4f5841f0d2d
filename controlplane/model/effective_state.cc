// What each real server contributes to the table, and why not when it does
// not. The single place that maps health, drain, weight and MAC to a
// backend state (see README: "How servers enter the ring").
#include "controlplane/model/effective_state.h"

#include "absl/strings/str_cat.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::api {
namespace {

// keepalived's sorry server: added when the quorum is lost, removed (or,
// with sorry_server_inhibit, set to weight 0) when it is gained.
Effective SorryServerState(const VirtualServerState& vs,
                           const RealServerState& rs) {
  Effective e;
  if (vs.quorum_up) {
    e.state =
        rs.inhibit_on_failure ? DSRLB_BACKEND_DRAINING : DSRLB_BACKEND_DOWN;
    e.reason = absl::StrCat(
        "sorry server, unused while the virtual server "
        "has quorum",
        rs.inhibit_on_failure ? " (sorry_server_inhibit: weight 0)" : "");
    return e;
  }
  if (rs.draining || rs.weight == 0) {
    e.state = DSRLB_BACKEND_DRAINING;
    e.reason = rs.draining ? "drained" : "weight 0";
    return e;
  }
  e.state = DSRLB_BACKEND_UP;
  e.ring_weight = vs.algo == config::LbAlgo::kRr ? 1 : rs.weight;
  return e;
}

}  // namespace

Effective EffectiveOf(const VirtualServerState& vs, const RealServerState& rs,
                      const NeighborState* neighbor) {
  Effective e;
  if (neighbor == nullptr || !neighbor->mac.has_value()) {
    e.state = DSRLB_BACKEND_DOWN;
    e.reason =
        absl::StrCat("MAC unknown: ", neighbor == nullptr ? "not resolved yet"
                                                          : neighbor->reason);
    return e;
  }
  if (rs.sorry) return SorryServerState(vs, rs);
  if (rs.health == Health::kDown) {
    // keepalived removes a failed server from LVS (its connections break);
    // with inhibit_on_failure it sets weight 0 instead, which LVS treats as
    // quiesced: established connections stay. Same here.
    e.state =
        rs.inhibit_on_failure ? DSRLB_BACKEND_DRAINING : DSRLB_BACKEND_DOWN;
    e.reason = absl::StrCat(
        "health check failed",
        rs.inhibit_on_failure ? " (inhibit_on_failure)" : "",
        rs.last_check_result.empty() ? "" : ": ", rs.last_check_result);
    return e;
  }
  if (rs.draining) {
    e.state = DSRLB_BACKEND_DRAINING;
    e.reason = "drained";
    return e;
  }
  if (vs.sorry_in_use) {
    // keepalived takes the live servers out for the sorry server
    // (perform_quorum_state); inhibit_on_failure ones stay at weight 0.
    e.state =
        rs.inhibit_on_failure ? DSRLB_BACKEND_DRAINING : DSRLB_BACKEND_DOWN;
    e.reason = "quorum lost: the sorry server takes new connections";
    return e;
  }
  if (rs.Weight() == 0) {
    e.state = DSRLB_BACKEND_DRAINING;
    e.reason =
        rs.check_weight.has_value() ? "weight 0 (misc_dynamic)" : "weight 0";
    return e;
  }
  e.state = DSRLB_BACKEND_UP;
  // LVS rr ignores weights (beyond 0 = quiesced); every other scheduler
  // spreads new connections in proportion to them.
  e.ring_weight = vs.algo == config::LbAlgo::kRr ? 1 : rs.Weight();
  return e;
}

}  // namespace dsrlb::api
