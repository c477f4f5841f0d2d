// static_ipaddress, static_routes, static_rules, virtual_routes and
// virtual_rules: the `ip address|route|rule add` forms of keepalived.conf(5)
// land in the model; what dsrlb does not do is an error at its word.
#include <string>

#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

// keepalived's own samples/keepalived.conf.vrrp.routes, its lines as written.
constexpr char kRoutes[] = R"(static_routes {
    src 192.168.100.1 192.168.209.0/24 via 192.168.200.254 dev eth0
    192.168.212.0/24 dev eth3 scope site
    192.168.213.0/24 dev eth1 scope link metric 7
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.168.200.16
    }
    virtual_routes {
        192.168.113.0/24 via 192.168.100.252 or 192.168.100.253
	blackhole 192.168.113.1/32
        0.0.0.0/0 gw 192.168.0.1 table 100  # To set a default gateway into table 100.
        to 2001:db8::/32 via fe80::1 dev eth1 table main inet6
    }
    virtual_rules {
        from 192.168.200.0/24 table 2
        to 192.168.201.0/24 table 3 priority 100
        from 2001:db8::/48 lookup 7 pref 9
        inet6 table 8
    }
}
static_ipaddress {
    192.168.200.16 dev eth0 scope link
    192.168.200.18/24 dev eth2 label eth2:s
    2001:db8::5/64 dev eth1
}
static_rules {
    from all to 10.9.0.0/16 table local
}
)";

TEST(IpObjectsTest, StaticRoutesLandInTheModelAsWritten) {
  absl::StatusOr<Config> c = ParseConfigText(kRoutes, "r.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->static_routes.size(), 3u);
  const IpRoute& r0 = c->static_routes[0];
  EXPECT_EQ(r0.dest, Ip("192.168.209.0"));
  EXPECT_EQ(r0.prefix_len, 24);
  EXPECT_THAT(r0.via, ElementsAre(Ip("192.168.200.254")));
  EXPECT_EQ(r0.dev, "eth0");
  EXPECT_EQ(r0.src, Ip("192.168.100.1"));
  EXPECT_EQ(r0.table, 254u);  // main
  EXPECT_FALSE(r0.scope.has_value());
  EXPECT_FALSE(r0.metric.has_value());
  EXPECT_EQ(r0.where.line, 2);
  EXPECT_EQ(c->static_routes[1].scope, 200);  // RT_SCOPE_SITE
  EXPECT_EQ(c->static_routes[2].scope, 253);  // RT_SCOPE_LINK
  EXPECT_EQ(c->static_routes[2].metric, 7u);
}

TEST(IpObjectsTest, VirtualRoutesTakeMultipathBlackholeGwAndTables) {
  absl::StatusOr<Config> c = ParseConfigText(kRoutes, "r.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& vr = c->vrrp_instances[0].virtual_routes;
  ASSERT_EQ(vr.size(), 4u);
  EXPECT_THAT(vr[0].via,
              ElementsAre(Ip("192.168.100.252"), Ip("192.168.100.253")));
  EXPECT_TRUE(vr[1].blackhole);
  EXPECT_EQ(vr[1].dest, Ip("192.168.113.1"));
  EXPECT_EQ(vr[1].prefix_len, 32);
  EXPECT_EQ(vr[2].dest, Ip("0.0.0.0"));
  EXPECT_EQ(vr[2].prefix_len, 0);
  EXPECT_THAT(vr[2].via, ElementsAre(Ip("192.168.0.1")));
  EXPECT_EQ(vr[2].table, 100u);
  EXPECT_EQ(vr[3].dest, Ip("2001:db8::"));
  EXPECT_EQ(vr[3].prefix_len, 32);
  EXPECT_EQ(vr[3].table, 254u);
}

TEST(IpObjectsTest, RulesTakeFromToTablePriorityAndFamily) {
  absl::StatusOr<Config> c = ParseConfigText(kRoutes, "r.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& rules = c->vrrp_instances[0].virtual_rules;
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].from, Ip("192.168.200.0"));
  EXPECT_EQ(rules[0].from_len, 24);
  EXPECT_FALSE(rules[0].to.has_value());
  EXPECT_EQ(rules[0].table, 2u);
  // keepalived: "Rule has no preference specified - setting to 16384".
  EXPECT_EQ(rules[0].priority, 16384u);
  EXPECT_EQ(rules[0].family, 4);
  EXPECT_EQ(rules[1].to, Ip("192.168.201.0"));
  EXPECT_EQ(rules[1].priority, 100u);
  EXPECT_EQ(rules[2].family, 6);
  EXPECT_EQ(rules[2].table, 7u);
  EXPECT_EQ(rules[2].priority, 9u);
  EXPECT_EQ(rules[3].family, 6);
  EXPECT_FALSE(rules[3].from.has_value());
  EXPECT_EQ(rules[3].priority, 16383u);
  ASSERT_EQ(c->static_rules.size(), 1u);
  EXPECT_FALSE(c->static_rules[0].from.has_value());
  EXPECT_EQ(c->static_rules[0].to_len, 16);
  EXPECT_EQ(c->static_rules[0].table, 255u);  // local
  EXPECT_EQ(c->static_rules[0].priority, 16382u);
}

TEST(IpObjectsTest, StaticAddressesTakeDevScopeAndLabel) {
  absl::StatusOr<Config> c = ParseConfigText(kRoutes, "r.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& a = c->static_ipaddress;
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].address, Ip("192.168.200.16"));
  EXPECT_EQ(a[0].prefix_len, 32);
  EXPECT_EQ(a[0].dev, "eth0");
  EXPECT_EQ(a[0].scope, 253);  // RT_SCOPE_LINK
  EXPECT_EQ(a[1].prefix_len, 24);
  EXPECT_EQ(a[1].label, "eth2:s");
  EXPECT_EQ(a[1].scope, 0);  // global
  EXPECT_EQ(a[2].address, Ip("2001:db8::5"));
  EXPECT_EQ(a[2].prefix_len, 64);
}

TEST(IpObjectsTest, WhatDsrlbDoesNotDoIsAnErrorAtItsWord) {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"static_routes {\n 10.0.0.0/8 via 10.1.1.1 onlink\n}\n",
       "r.conf:2:26: 'onlink' in static_routes is not supported by dsrlb"},
      {"static_routes {\n 10.0.0.0/8 nexthop via 10.1.1.1\n}\n",
       "r.conf:2:13: 'nexthop' in static_routes is not supported by dsrlb"},
      {"static_routes {\n 10.0.0.0/8 via 10.1.1.1 flurb 3\n}\n",
       "r.conf:2:26: unknown option 'flurb' in static_routes ("},
      {"static_routes {\n 10.0.0.1/8 via 10.1.1.1\n}\n",
       "r.conf:2:2: destination 10.0.0.1/8 has bits set past /8"},
      {"static_routes {\n 10.0.0.0/33 dev eth0\n}\n",
       "r.conf:2:11: 'destination prefix' wants an integer from 0 to 32, got "
       "'33'"},
      {"static_routes {\n 10.0.0.0/8\n}\n",
       "r.conf:2:2: route needs 'via GW' or 'dev IF'"},
      {"static_routes {\n via 10.1.1.1\n}\n",
       "r.conf:2:2: route without a destination"},
      {"static_routes {\n 10.0.0.0/8 via 2001:db8::1\n}\n",
       "r.conf:2:2: gateway 2001:db8::1 is not of the destination's family"},
      {"static_routes {\n blackhole 10.0.0.0/8 dev eth0\n}\n",
       "r.conf:2:2: a blackhole route has no gateway and no device"},
      {"static_routes {\n 10.0.0.0/8 dev eth0 table web\n}\n",
       "r.conf:2:28: table wants a number or main, default, local, got 'web'"},
      {"static_routes {\n 10.0.0.0/8 dev eth0 table\n}\n",
       "r.conf:2:22: 'table' in static_routes is missing its value"},
      {"static_routes {\n 10.0.0.0/8 or 10.1.1.1\n}\n",
       "r.conf:2:13: 'or' adds a gateway to 'via GW': write via first"},
      {"static_rules {\n from 10.0.0.0/8 fwmark 3 table 5\n}\n",
       "r.conf:2:18: 'fwmark' in static_rules is not supported by dsrlb"},
      {"static_rules {\n from 10.0.0.0/8 to 2001:db8::/32 table 5\n}\n",
       "r.conf:2:2: a rule's from and to (and inet6) must be of one family"},
      {"static_rules {\n to 192.168.100./24 table 1\n}\n",
       "r.conf:2:5: 'to' wants an IPv4 or IPv6 address, got '192.168.100.'"},
      {"static_ipaddress {\n 10.0.0.1/24 brd + dev eth0\n}\n",
       "r.conf:2:14: 'brd' in static_ipaddress is not supported by dsrlb"},
      {"static_ipaddress {\n 10.0.0.1/24\n}\n",
       "r.conf:2:2: static_ipaddress needs 'dev IF'"},
      {"static_ipaddress {\n 10.0.0.1 dev eth0 scope galaxy\n}\n",
       "r.conf:2:26: 'scope' wants one of global|site|link|host|nowhere|0-255, "
       "got 'galaxy'"},
      {"vrrp_instance V {\n interface eth0\n virtual_router_id 1\n"
       " virtual_rules {\n  from 10.1.0.1 table 7 goto 9\n }\n}\n",
       "r.conf:5:25: 'goto' in virtual_rules is not supported by dsrlb"},
  };
  for (const auto& tc : cases) {
    absl::StatusOr<Config> c = ParseConfigText(tc.text, "r.conf");
    ASSERT_FALSE(c.ok()) << tc.text;
    EXPECT_THAT(c.status().message(), HasSubstr(tc.error)) << tc.text;
  }
}

TEST(IpObjectsTest, EveryBadLineOfABlockIsNamedInOneRun) {
  absl::StatusOr<Config> c = ParseConfigText(
      "static_routes {\n 10.0.0.0/8 mtu 1400 dev eth0\n"
      " 10.2.0.0/16 dev eth0\n 10.3.0.0/16 proto bird dev eth0\n}\n",
      "r.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("r.conf:2:13: 'mtu' in static_routes"));
  EXPECT_THAT(c.status().message(),
              HasSubstr("r.conf:4:14: 'proto' in static_routes"));
}

}  // namespace
}  // namespace dsrlb::config
