// The kernel's neighbour table (ARP / NDP) over netlink, and the port MAC.
#ifndef DSRLB_CONTROLPLANE_NEIGHBOR_NEIGHBOR_H_
#define DSRLB_CONTROLPLANE_NEIGHBOR_NEIGHBOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ip_address.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

struct NeighborEntry {
  IpAddress address;
  int ifindex = 0;
  uint16_t nud_state = 0;  // NUD_* from linux/neighbour.h
  bool has_mac = false;
  Mac mac{};
};

// Every IPv4 and IPv6 neighbour entry (RTM_GETNEIGH dump); ifindex 0 = all
// interfaces.
absl::StatusOr<std::vector<NeighborEntry>> DumpNeighbors(int ifindex);

// Whether the entry's MAC can be used to forward (reachable, stale, delay,
// probe, permanent), and a word for the state.
bool IsUsable(const NeighborEntry& entry);
std::string NudName(uint16_t nud_state);

// Makes the kernel resolve `address` (ARP request / neighbour
// solicitation): a UDP datagram to the discard port, sent out of
// `interface` when given. The kernel queues it until the reply comes.
absl::Status Solicit(const IpAddress& address, const std::string& interface);

// The kernel's route to `address` (RTM_GETROUTE): the interface it leaves
// by, the source address the kernel would use, and the next hop when it is
// not on-link.
struct Route {
  int ifindex = 0;
  std::optional<IpAddress> source;   // RTA_PREFSRC
  std::optional<IpAddress> gateway;  // RTA_GATEWAY: not on-link
  bool local = false;                // the address is this host's own
};
absl::StatusOr<Route> RouteTo(const IpAddress& address);

absl::StatusOr<int> InterfaceIndex(const std::string& name);
absl::StatusOr<Mac> InterfaceMac(const std::string& name);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_NEIGHBOR_NEIGHBOR_H_
