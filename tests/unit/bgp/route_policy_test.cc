// BGP mode's rule, row by row: a VIP is announced only while the dataplane
// lives, the VIP is active, its family has a next hop and some real server
// of it is in the ring; VRRP's addresses never are.
#include "controlplane/bgp/route_policy.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace dsrlb::bgp {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

api::RealServerState Rs(const char* address, api::Health health,
                        uint32_t weight = 1, bool draining = false) {
  api::RealServerState rs;
  rs.key.address = Ip(address);
  rs.key.port = 80;
  rs.health = health;
  rs.weight = weight;
  rs.draining = draining;
  return rs;
}

api::VirtualServerState Vs(const char* address, uint16_t port,
                           std::vector<api::RealServerState> servers) {
  api::VirtualServerState vs;
  vs.key.address = Ip(address);
  vs.key.port = port;
  vs.real_servers = std::move(servers);
  return vs;
}

// Every real server's MAC known, unless the row says otherwise.
api::StateSnapshot State(std::vector<api::VirtualServerState> servers) {
  api::StateSnapshot s;
  s.virtual_servers = std::move(servers);
  for (const api::VirtualServerState& vs : s.virtual_servers)
    for (const api::RealServerState& rs : vs.real_servers)
      s.neighbors[rs.key.address].mac = api::Mac{2, 0, 0, 0, 0, 1};
  return s;
}

PolicyInputs Inputs() {
  PolicyInputs in;
  in.bgp = config::Bgp{"127.0.0.1:50051", Ip("10.0.0.11"), Ip("fd00::11"), {}};
  in.dataplane_up = true;
  return in;
}

struct Row {
  std::string description;
  api::StateSnapshot state;
  PolicyInputs in;
  bool announce;
  std::string why;
};

std::vector<Row> Rows() {
  const auto up = api::Health::kUp, down = api::Health::kDown;
  const auto unchecked = api::Health::kUnchecked;
  std::vector<Row> rows;
  rows.push_back({"one server up",
                  State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", up)})}), Inputs(),
                  true, ""});
  rows.push_back({"a server without checkers counts as up",
                  State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", unchecked)})}),
                  Inputs(), true, ""});
  rows.push_back({"every server down",
                  State({Vs("192.0.2.1", 80,
                            {Rs("10.1.0.1", down), Rs("10.1.0.2", down)})}),
                  Inputs(), false, "no real server can take new connections"});
  rows.push_back({"the only server drained",
                  State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", up, 1, true)})}),
                  Inputs(), false, "no real server can take new connections"});
  rows.push_back({"the only server at weight 0",
                  State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", up, 0)})}),
                  Inputs(), false, "no real server can take new connections"});
  rows.push_back({"no real server at all", State({Vs("192.0.2.1", 80, {})}),
                  Inputs(), false, "no real server can take new connections"});
  rows.push_back({"one port of the address can serve, the other cannot",
                  State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", down)}),
                         Vs("192.0.2.1", 443, {Rs("10.1.0.2", up)})}),
                  Inputs(), true, ""});
  Row dead{"dataplane down", State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", up)})}),
           Inputs(), false, "dataplane down: heartbeat stale"};
  dead.in.dataplane_up = false;
  dead.in.dataplane_why = "dataplane down: heartbeat stale";
  rows.push_back(dead);
  Row inactive{"VIP inactive",
               State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", up)})}), Inputs(),
               false, "VIP inactive"};
  inactive.state.vip_active[Ip("192.0.2.1")] = false;
  rows.push_back(inactive);
  Row no_mac{"MAC of the only server unknown",
             State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", up)})}), Inputs(),
             false, "no real server can take new connections"};
  no_mac.state.neighbors.clear();
  rows.push_back(no_mac);
  Row no_hop6{"IPv6 VIP without next_hop6",
              State({Vs("2001:db8::1", 80, {Rs("2001:db8:1::1", up)})}),
              Inputs(), false, "the bgp block has no next_hop6"};
  no_hop6.in.bgp->next_hop6.reset();
  rows.push_back(no_hop6);
  return rows;
}

TEST(RoutePolicyTest, EachRowDecidesAsExpected) {
  for (const Row& row : Rows()) {
    std::map<IpAddress, RouteDecision> d = DecideRoutes(row.state, row.in);
    ASSERT_EQ(d.size(), 1u) << row.description;
    const RouteDecision& r = d.begin()->second;
    EXPECT_EQ(r.announce, row.announce) << row.description;
    EXPECT_EQ(r.why, row.why) << row.description;
  }
}

TEST(RoutePolicyTest, NextHopFollowsTheFamily) {
  api::StateSnapshot s =
      State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", api::Health::kUp)}),
             Vs("2001:db8::1", 80, {Rs("2001:db8:1::1", api::Health::kUp)})});
  std::map<IpAddress, RouteDecision> d = DecideRoutes(s, Inputs());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.at(Ip("192.0.2.1")).next_hop, Ip("10.0.0.11"));
  EXPECT_EQ(d.at(Ip("2001:db8::1")).next_hop, Ip("fd00::11"));
}

TEST(RoutePolicyTest, VrrpAddressesAndFilesWithoutBgpAnnounceNothing) {
  api::StateSnapshot s =
      State({Vs("192.0.2.1", 80, {Rs("10.1.0.1", api::Health::kUp)}),
             Vs("192.0.2.2", 80, {Rs("10.1.0.1", api::Health::kUp)})});
  PolicyInputs in = Inputs();
  in.vrrp_addresses = {Ip("192.0.2.1")};
  std::map<IpAddress, RouteDecision> d = DecideRoutes(s, in);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.begin()->first, Ip("192.0.2.2"));
  in.bgp.reset();
  EXPECT_TRUE(DecideRoutes(s, in).empty());
}

}  // namespace
}  // namespace dsrlb::bgp
