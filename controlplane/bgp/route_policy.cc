// DecideRoutes: the reasons are the words the log and the API show.
#include "controlplane/bgp/route_policy.h"

#include "controlplane/model/effective_state.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::bgp {
namespace {

bool HasBackendInRing(const api::VirtualServerState& vs,
                      const api::StateSnapshot& state) {
  for (const api::RealServerState& rs : vs.real_servers) {
    auto n = state.neighbors.find(rs.key.address);
    api::Effective e = api::EffectiveOf(
        vs, rs, n == state.neighbors.end() ? nullptr : &n->second);
    if (e.state == DSRLB_BACKEND_UP && e.ring_weight > 0) return true;
  }
  return false;
}

RouteDecision Decide(const IpAddress& vip, bool can_serve,
                     const api::StateSnapshot& state, const PolicyInputs& in) {
  RouteDecision d;
  const std::optional<IpAddress>& hop =
      vip.is_v4() ? in.bgp->next_hop : in.bgp->next_hop6;
  auto active = state.vip_active.find(vip);
  if (!in.dataplane_up) {
    d.why = in.dataplane_why.empty() ? "dataplane down" : in.dataplane_why;
  } else if (active != state.vip_active.end() && !active->second) {
    d.why = "VIP inactive";
  } else if (!hop.has_value()) {
    d.why = vip.is_v4() ? "the bgp block has no next_hop"
                        : "the bgp block has no next_hop6";
  } else if (!can_serve) {
    d.why = "no real server can take new connections";
  } else {
    d.announce = true;
    d.next_hop = *hop;
  }
  return d;
}

}  // namespace

std::map<IpAddress, RouteDecision> DecideRoutes(const api::StateSnapshot& state,
                                                const PolicyInputs& in) {
  std::map<IpAddress, RouteDecision> out;
  if (!in.bgp.has_value()) return out;
  std::map<IpAddress, bool> can_serve;
  for (const api::VirtualServerState& vs : state.virtual_servers) {
    const IpAddress& vip = vs.key.address;
    if (in.vrrp_addresses.count(vip) != 0) continue;
    bool& c = can_serve[vip];
    c = c || HasBackendInRing(vs, state);
  }
  for (const auto& [vip, c] : can_serve) out[vip] = Decide(vip, c, state, in);
  return out;
}

}  // namespace dsrlb::bgp
