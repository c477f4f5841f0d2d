// Routes, policy rules and static addresses over rtnetlink (libmnl): what
// static_routes / static_rules / static_ipaddress and an instance's
// virtual_routes / virtual_rules ask for, as `ip route|rule|address add`.
#ifndef DSRLB_CONTROLPLANE_VRRP_NETLINK_ROUTE_H_
#define DSRLB_CONTROLPLANE_VRRP_NETLINK_ROUTE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controlplane/config/config.h"

namespace dsrlb::vrrp {

// Idempotent, as AddAddress: adding what is there or removing what is not
// succeeds. Routes and rules carry protocol "keepalived" (RTPROT_KEEPALIVED),
// as keepalived's do, and removal matches only those: a route or rule of
// the same shape that someone else added is left alone.
absl::Status AddRoute(const config::IpRoute& route);
absl::Status DelRoute(const config::IpRoute& route);
absl::Status AddRule(const config::IpRule& rule);
absl::Status DelRule(const config::IpRule& rule);

// Adds (add) or removes every entry, in order; the message of each failure
// ("FILE:LINE: what: why"), none when all succeeded.
std::vector<std::string> ApplyRoutes(const std::vector<config::IpRoute>& all,
                                     bool add);
std::vector<std::string> ApplyRules(const std::vector<config::IpRule>& all,
                                    bool add);
std::vector<std::string> ApplyStaticAddresses(
    const std::vector<config::StaticAddress>& all, bool add);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_NETLINK_ROUTE_H_
