// virtual_server_group / virtual_server group, persistence_granularity and
// ha_suspend as keepalived.conf(5) describes them: a group's members each
// get the block's settings and real servers; errors name file:line:col.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

std::vector<std::string> Endpoints(const Config& c) {
  std::vector<std::string> out;
  for (const VirtualServer& vs : c.virtual_servers)
    out.push_back(vs.address.ToString() + " " + std::to_string(vs.port));
  return out;
}

TEST(VirtualServerGroupTest, EveryMemberGetsTheBlocksSettingsAndServers) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server_group WEB {
  10.0.0.1 80
  10.0.0.5-7 80   # the last byte, both ends included
  10.0.1.8/30 80
  10.0.1.254-10.0.2.1 80
}
virtual_server group WEB {
  lb_algo sh
  lb_kind DR
  protocol UDP
  persistence_timeout 90
  real_server 10.0.9.1 80 {
    weight 3
  }
  real_server 10.0.9.2 80 {
  }
}
)",
                                             "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(Endpoints(*c),
              ElementsAre("10.0.0.1 80", "10.0.0.5 80", "10.0.0.6 80",
                          "10.0.0.7 80", "10.0.1.8 80", "10.0.1.9 80",
                          "10.0.1.10 80", "10.0.1.11 80", "10.0.1.254 80",
                          "10.0.1.255 80", "10.0.2.0 80", "10.0.2.1 80"));
  for (size_t i = 0; i < c->virtual_servers.size(); i++) {
    const VirtualServer& vs = c->virtual_servers[i];
    EXPECT_EQ(vs.group, "WEB");
    EXPECT_EQ(vs.group_member, i);
    EXPECT_EQ(vs.lb_algo, LbAlgo::kSh);
    EXPECT_EQ(vs.protocol, Protocol::kUdp);
    EXPECT_EQ(vs.persistence_timeout_s, 90u);
    ASSERT_EQ(vs.real_servers.size(), 2u);
    EXPECT_EQ(vs.real_servers[0].address, Ip("10.0.9.1"));
    EXPECT_EQ(vs.real_servers[0].weight, 3u);
  }
  // Member errors point at the member's line.
  EXPECT_EQ(c->virtual_servers[1].where.line, 4);
}

TEST(VirtualServerGroupTest, MemberWithoutPortTakesEveryPort) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server_group ALL {
  10.0.3.1        # as 'virtual_server 10.0.3.1 0'
  10.0.3.2 0
}
virtual_server group ALL {
  lb_kind DR
  real_server 10.0.9.1 0 {
  }
}
)",
                                             "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(Endpoints(*c), ElementsAre("10.0.3.1 0", "10.0.3.2 0"));
}

TEST(VirtualServerGroupTest, IPv6RangesCountTheLastGroupInHex) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server group V6 {
  lb_kind DR
  real_server 2001:db8::100 53 {
  }
}
virtual_server_group V6 {
  2001:db8::e-11 53
  2001:db8:1::/127 53
}
)",
                                             "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(
      Endpoints(*c),
      ElementsAre("2001:db8::e 53", "2001:db8::f 53", "2001:db8::10 53",
                  "2001:db8::11 53", "2001:db8:1:: 53", "2001:db8:1::1 53"));
}

TEST(VirtualServerGroupTest, OneGroupServesTcpAndUdp) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server_group DNS {
  10.0.0.53 53
}
virtual_server group DNS {
  lb_kind DR
  protocol TCP
}
virtual_server group DNS {
  lb_kind DR
  protocol UDP
}
)",
                                             "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers.size(), 2u);
  EXPECT_EQ(c->virtual_servers[0].protocol, Protocol::kTcp);
  EXPECT_EQ(c->virtual_servers[1].protocol, Protocol::kUdp);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

class GroupErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(GroupErrorTest, IsRejectedWithItsMessage) {
  absl::StatusOr<Config> c = ParseConfigText(GetParam().text, "e.conf");
  ASSERT_FALSE(c.ok()) << GetParam().text;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(c.status().message()), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Groups, GroupErrorTest,
    ::testing::Values(
        ErrorCase{"virtual_server group NOPE {\n lb_kind DR\n}\n",
                  "e.conf:1:1: virtual_server group NOPE: no "
                  "virtual_server_group named 'NOPE'"},
        ErrorCase{"virtual_server_group G {\n}\n",
                  "e.conf:1:1: virtual_server_group G has no members: list "
                  "'IP PORT' lines"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.1-5 80\n 10.0.0.4 80\n}\n",
                  "e.conf:3:2: virtual_server_group G: 10.0.0.4 80 is already "
                  "a member (line 2)"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.1 80\n}\n"
                  "virtual_server_group G {\n 10.0.0.2 80\n}\n",
                  "e.conf:4:1: duplicate virtual_server_group G (first at "
                  "line 1)"},
        ErrorCase{"virtual_server 10.0.0.3 80 {\n lb_kind DR\n}\n"
                  "virtual_server_group G {\n 10.0.0.1-4 80\n}\n"
                  "virtual_server group G {\n lb_kind DR\n}\n",
                  "e.conf:5:2: duplicate virtual_server 10.0.0.3 80 (member "
                  "of virtual_server_group G) (first at e.conf:1)"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.1 80\n fwmark 1\n}\n",
                  "e.conf:3:2: 'fwmark' in virtual_server_group is not "
                  "supported by dsrlb: a firewall mark is the kernel's "
                  "(netfilter), and dsrlb's dataplane matches address, "
                  "protocol and port; list the addresses (IP PORT, IP-RANGE "
                  "PORT, IP/PREFIX PORT)"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.9-5 80\n}\n",
                  "e.conf:2:2: virtual_server_group member '10.0.0.9-5': the "
                  "range's end must be above its start"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.9/29 80\n}\n",
                  "e.conf:2:2: virtual_server_group member '10.0.0.9/29': the "
                  "address has bits set past the prefix length: write the "
                  "network's first address"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.0/8 80\n}\n",
                  "e.conf:2:2: virtual_server_group member '10.0.0.0/8': more "
                  "than 65535 addresses; dsrlb's table holds 65535 virtual "
                  "servers"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.1 http\n}\n",
                  "e.conf:2:11: 'virtual_server_group member port' wants an "
                  "integer from 0 to 65535, got 'http'"},
        ErrorCase{"virtual_server_group G {\n 10.0.0.1 80\n}\n"
                  "virtual_server group G {\n lb_kind DR\n real_server "
                  "10.0.0.9 81 {\n }\n}\n",
                  "e.conf:6:2: real_server port 81 differs from virtual_server "
                  "port 80: lb_kind DR cannot map ports; the real server must "
                  "listen on 80"},
        ErrorCase{"virtual_server fwmark 1 {\n}\n",
                  "e.conf:1:16: 'virtual_server fwmark' is not supported by "
                  "dsrlb: a firewall mark is the kernel's (netfilter), and "
                  "dsrlb's dataplane matches address, protocol and port; "
                  "write 'virtual_server IP PORT' or a virtual_server_group "
                  "of addresses"}));

TEST(PersistenceGranularityTest,
     NetmaskGroupsIPv4ClientsAndImpliesPersistence) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server 10.0.0.1 443 {
  lb_kind DR
  persistence_granularity 255.255.255.0
}
virtual_server 10.0.0.2 443 {
  lb_kind DR
  persistence_granularity 255.255.0.0
  persistence_timeout 50
}
virtual_server 2001:db8::1 443 {
  lb_kind DR
  persistence_timeout 600
  persistence_granularity 64
}
)",
                                             "p.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->virtual_servers[0].persistence_granularity, 24);
  // keepalived: granularity without persistence_timeout means 360 s.
  EXPECT_EQ(c->virtual_servers[0].persistence_timeout_s, 360u);
  EXPECT_EQ(c->virtual_servers[1].persistence_granularity, 16);
  EXPECT_EQ(c->virtual_servers[1].persistence_timeout_s, 50u);
  EXPECT_EQ(c->virtual_servers[2].persistence_granularity, 64);
  EXPECT_EQ(c->virtual_servers[2].persistence_timeout_s, 600u);
}

INSTANTIATE_TEST_SUITE_P(
    Granularity, GroupErrorTest,
    ::testing::Values(
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n "
                  "persistence_granularity 255.0.255.0\n}\n",
                  "e.conf:3:26: persistence_granularity 255.0.255.0 is not a "
                  "netmask: its one bits must be contiguous from the left"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n "
                  "persistence_granularity 0.0.0.0\n}\n",
                  "e.conf:3:26: persistence_granularity 0.0.0.0 would send "
                  "every client to one real server: use a netmask with at "
                  "least one bit"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n "
                  "persistence_granularity 24\n}\n",
                  "e.conf:3:26: persistence_granularity is an IPv6 prefix "
                  "length, but virtual_server 10.0.0.1 is IPv4: write a "
                  "netmask such as 255.255.255.0"},
        ErrorCase{"virtual_server 2001:db8::1 80 {\n lb_kind DR\n "
                  "persistence_granularity 255.255.255.0\n}\n",
                  "e.conf:3:26: persistence_granularity is an IPv4 netmask, "
                  "but virtual_server 2001:db8::1 is IPv6: write a prefix "
                  "length (1-128)"},
        ErrorCase{"virtual_server 2001:db8::1 80 {\n lb_kind DR\n "
                  "persistence_granularity 129\n}\n",
                  "e.conf:3:26: 'persistence_granularity (an IPv6 prefix "
                  "length; IPv4 takes a netmask)' wants an integer from 1 to "
                  "128, got '129'"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n "
                  "persistence_timeout 0\n persistence_granularity "
                  "255.255.255.0\n}\n",
                  "e.conf:4:26: persistence_granularity needs persistence, "
                  "which 'persistence_timeout 0' turns off"},
        ErrorCase{"virtual_server_group G {\n 2001:db8::1 80\n}\n"
                  "virtual_server group G {\n lb_kind DR\n "
                  "persistence_granularity 255.255.255.0\n}\n",
                  "e.conf:4:1: persistence_granularity is an IPv4 netmask, "
                  "but virtual_server 2001:db8::1 is IPv6: write a prefix "
                  "length (1-128)"}));

TEST(HaSuspendTest, FlagIsRead) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server 10.0.0.1 80 {
  lb_kind DR
  ha_suspend
}
virtual_server 10.0.0.2 80 {
  lb_kind DR
}
)",
                                             "h.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->virtual_servers[0].ha_suspend);
  EXPECT_FALSE(c->virtual_servers[1].ha_suspend);
}

TEST(HaSuspendTest, GivenTwiceIsAnError) {
  absl::StatusOr<Config> c = ParseConfigText(
      "virtual_server 10.0.0.1 80 {\n lb_kind DR\n ha_suspend\n "
      "ha_suspend\n}\n",
      "h.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "h.conf:4:2: 'ha_suspend' given twice in virtual_server (first at "
            "line 3): keep one");
}

// keepalived 2.2.7's own --config-test: what it logs about `conf` (empty:
// nothing to say) and whether it exited 0.
struct KeepalivedVerdict {
  bool clean_exit = false;
  std::string log;
};
KeepalivedVerdict KeepalivedConfigTest(const testing::TempDir& dir,
                                       const std::string& conf) {
  const std::string log = dir.File("keepalived.log");
  unlink(log.c_str());
  const std::string cmd =
      absl::StrCat("/usr/sbin/keepalived --config-test=", log, " -f ", conf,
                   " >/dev/null 2>&1");
  const int rc = system(cmd.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(rc) && WEXITSTATUS(rc) == 0, text.str()};
}

TEST(VsGroupKeepalivedAgrees, GroupGranularityAndHaSuspendFileIsCleanForBoth) {
  ASSERT_EQ(access("/usr/sbin/keepalived", X_OK), 0)
      << "keepalived 2.2.7 is part of the test environment";
  testing::TempDir dir;
  const std::string conf =
      std::string(DSRLB_CONFIG_TESTDATA) + "/keepalived_vs_group.conf";
  KeepalivedVerdict k = KeepalivedConfigTest(dir, conf);
  EXPECT_TRUE(k.clean_exit);
  EXPECT_EQ(k.log, "");
  absl::StatusOr<Config> c = LoadConfigFile(conf);
  ASSERT_TRUE(c.ok()) << c.status();
  // WEB: 1 + 3 (.5-7) + 4 (/30) + 9 (11.250 to 12.2); V6: ::10 to ::1f.
  ASSERT_EQ(c->virtual_servers.size(), 17u + 16u);
  EXPECT_EQ(c->virtual_servers[0].persistence_granularity, 24);
  EXPECT_EQ(c->virtual_servers[0].persistence_timeout_s, 600u);
  EXPECT_TRUE(c->virtual_servers[16].ha_suspend);
  EXPECT_EQ(c->virtual_servers[16].address, Ip("192.168.12.2"));
  EXPECT_EQ(c->virtual_servers[17].address, Ip("2001:db8::10"));
  EXPECT_EQ(c->virtual_servers[17].persistence_granularity, 64);
  EXPECT_EQ(c->virtual_servers[17].persistence_timeout_s, 360u);
}

TEST(VsGroupKeepalivedAgrees, RangeEndingBelowItsStartFailsBoth) {
  testing::TempDir dir;
  const std::string conf = dir.File("bad.conf");
  std::ofstream(conf) << "virtual_server_group WEB {\n"
                         "    192.168.10.9-5 80\n"
                         "}\n"
                         "virtual_server group WEB {\n"
                         "    lb_algo rr\n"
                         "    lb_kind DR\n"
                         "    protocol TCP\n"
                         "}\n";
  KeepalivedVerdict k = KeepalivedConfigTest(dir, conf);
  EXPECT_FALSE(k.clean_exit);
  EXPECT_NE(k.log.find("Address range end"), std::string::npos) << k.log;
  EXPECT_FALSE(LoadConfigFile(conf).ok());
}

}  // namespace
}  // namespace dsrlb::config
