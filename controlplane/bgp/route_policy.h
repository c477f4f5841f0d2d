// BGP mode's rule: which VIPs this host announces, and why not the others.
// A pure function of the state, the configuration and the dataplane's
// liveness, so every case is a table row in its test.
#ifndef DSRLB_CONTROLPLANE_BGP_ROUTE_POLICY_H_
#define DSRLB_CONTROLPLANE_BGP_ROUTE_POLICY_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/ip_address.h"
#include "controlplane/config/config.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::bgp {

struct RouteDecision {
  bool announce = false;
  IpAddress next_hop;  // when announced
  std::string why;     // when not
};

struct PolicyInputs {
  std::optional<config::Bgp> bgp;  // none: nothing is announced
  // Addresses a vrrp_instance lists: VRRP mode, never announced.
  std::set<IpAddress> vrrp_addresses;
  bool dataplane_up = false;
  std::string dataplane_why;  // while down
};

// One decision per virtual-server address in BGP mode. An address is
// announced when the dataplane is alive, the address is active in the
// table, its family has a next hop, and at least one of its virtual
// servers has a real server in the ring (up, weight > 0, MAC known). One
// port that can serve is enough: the route carries every port.
std::map<IpAddress, RouteDecision> DecideRoutes(const api::StateSnapshot& state,
                                                const PolicyInputs& in);

}  // namespace dsrlb::bgp

#endif  // DSRLB_CONTROLPLANE_BGP_ROUTE_POLICY_H_
