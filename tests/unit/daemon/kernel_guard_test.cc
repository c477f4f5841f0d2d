// The kernel guard's nftables script: one drop rule per virtual server,
// by family, protocol and port (0 = every port), counted in one counter.
#include "controlplane/daemon/kernel_guard.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::api {
namespace {

using ::testing::HasSubstr;

VsKey Key(const char* ip, uint16_t port, config::Protocol p) {
  VsKey k;
  k.address = *IpAddress::Parse(ip);
  k.port = port;
  k.protocol = p;
  return k;
}

TEST(KernelGuard, DropsEachVirtualServersTrafficIntoOneCounter) {
  const std::string s =
      GuardRuleset({Key("192.168.4.15", 80, config::Protocol::kTcp),
                    Key("2001:db8::15", 0, config::Protocol::kUdp)});
  EXPECT_THAT(s, HasSubstr("type filter hook input priority filter - 10; "
                           "policy accept;"));
  EXPECT_THAT(s, HasSubstr("flush chain inet dsrlb input\n"));
  EXPECT_THAT(s, HasSubstr("add rule inet dsrlb input ip daddr 192.168.4.15 "
                           "tcp dport 80 counter name vip_drops drop\n"));
  EXPECT_THAT(s, HasSubstr("add rule inet dsrlb input ip6 daddr "
                           "2001:db8::15 meta l4proto udp counter name "
                           "vip_drops drop\n"));
}

TEST(KernelGuard, NoVirtualServerLeavesAnEmptyChain) {
  const std::string s = GuardRuleset({});
  EXPECT_THAT(s, HasSubstr("counter vip_drops"));
  EXPECT_EQ(s.find("add rule"), std::string::npos);
}

}  // namespace
}  // namespace dsrlb::api
