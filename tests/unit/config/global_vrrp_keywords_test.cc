// global_defs keywords of keepalived's own sample file: vrrp_strict,
// vrrp_skip_check_adv_addr, vrrp_garp_interval, vrrp_gna_interval (their
// meaning: keepalived.conf(5) and keepalived 2.2.7's vrrp.c).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::HasSubstr;

// The global_defs block of /etc/keepalived/keepalived.conf.sample as
// keepalived 2.2.7 ships it.
constexpr char kSampleGlobalDefs[] = R"(global_defs {
   notification_email {
     acassen@firewall.loc
     failover@firewall.loc
     sysadmin@firewall.loc
   }
   notification_email_from Alexandre.Cassen@firewall.loc
   smtp_server 192.168.200.1
   smtp_connect_timeout 30
   router_id LVS_DEVEL
   vrrp_skip_check_adv_addr
   vrrp_strict
   vrrp_garp_interval 0
   vrrp_gna_interval 0
}
)";

// An instance that strict mode accepts.
constexpr char kStrictInstance[] = R"(vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.200.16
        192.168.200.17
    }
}
)";

TEST(SampleGlobalDefsTest, LoadWithTheirMeaning) {
  absl::StatusOr<Config> c = ParseConfigText(
      absl::StrCat(kSampleGlobalDefs, kStrictInstance), "sample.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->global.vrrp_skip_check_adv_addr);
  EXPECT_TRUE(c->global.vrrp_strict);
  EXPECT_EQ(c->global.vrrp_garp_interval, absl::ZeroDuration());
  EXPECT_EQ(c->global.vrrp_gna_interval, absl::ZeroDuration());
  ASSERT_EQ(c->vrrp_instances.size(), 1u);
  EXPECT_TRUE(c->vrrp_instances[0].skip_check_adv_addr);
}

TEST(GarpIntervalTest, ManPageExamplesReachEveryInstance) {
  // keepalived.conf(5): "vrrp_garp_interval 0.001", "vrrp_gna_interval
  // 0.000001" (decimal seconds, microsecond resolution).
  absl::StatusOr<Config> c =
      ParseConfigText(absl::StrCat("global_defs {\n vrrp_garp_interval 0.001\n"
                                   " vrrp_gna_interval 0.000001\n}\n",
                                   kStrictInstance),
                      "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].garp_interval, absl::Milliseconds(1));
  EXPECT_EQ(c->vrrp_instances[0].gna_interval, absl::Microseconds(1));
  EXPECT_FALSE(c->vrrp_instances[0].skip_check_adv_addr);
}

TEST(GarpIntervalTest, DefaultsAreNoDelay) {
  absl::StatusOr<Config> c = ParseConfigText(kStrictInstance, "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].garp_interval, absl::ZeroDuration());
  EXPECT_EQ(c->vrrp_instances[0].gna_interval, absl::ZeroDuration());
}

TEST(GarpIntervalTest, BadValuesNameTheKeywordAndPlace) {
  const struct {
    const char* line;
    const char* error;
  } cases[] = {
      // keepalived's upper bound is 4294.967295 s.
      {" vrrp_garp_interval 4295", "g.conf:2:21: 'vrrp_garp_interval"},
      {" vrrp_gna_interval -1", "g.conf:2:20: 'vrrp_gna_interval"},
      {" vrrp_gna_interval", "g.conf:2:2: "},
      // Both are bare flags in keepalived.
      {" vrrp_strict on", "g.conf:2:14: "},
      {" vrrp_skip_check_adv_addr yes", "g.conf:2:27: "},
  };
  for (const auto& tc : cases) {
    absl::StatusOr<Config> c = ParseConfigText(
        absl::StrCat("global_defs {\n", tc.line, "\n}\n"), "g.conf");
    ASSERT_FALSE(c.ok()) << tc.line;
    EXPECT_THAT(c.status().message(), HasSubstr(tc.error)) << tc.line;
  }
}

// keepalived.conf(5), vrrp_strict: "0 VIPs not allowed, unicast peers not
// allowed, IPv6 addresses not allowed in VRRP version 2, First IPv6 VIP is
// not link local, State MASTER can be configured if and only if priority
// is 255, Authentication is not supported, Preempt delay is not supported".
// keepalived 2.2.7 reports each as a configuration error; dsrlb refuses
// the file at the offending line.
struct StrictCase {
  const char* name;
  const char* body;  // the instance's lines after 'interface eth0'
  const char* where;
  const char* says;
};

class StrictModeTest : public ::testing::TestWithParam<StrictCase> {};

std::string StrictFile(const char* body) {
  return absl::StrCat(
      "global_defs {\n vrrp_strict\n}\nvrrp_instance V {\n interface eth0\n",
      body, "\n}\n");
}

TEST_P(StrictModeTest, RefusedAtTheLineThatBreaksTheRule) {
  absl::StatusOr<Config> c =
      ParseConfigText(StrictFile(GetParam().body), "s.conf");
  ASSERT_FALSE(c.ok()) << GetParam().name;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr(GetParam().where));
  EXPECT_THAT(c.status().message(), HasSubstr(GetParam().says));
  EXPECT_THAT(c.status().message(), HasSubstr("(vrrp_strict at s.conf:2)"));
}

TEST_P(StrictModeTest, AcceptedWithoutVrrpStrict) {
  std::string text = StrictFile(GetParam().body);
  text = absl::StrReplaceAll(text, {{" vrrp_strict\n", ""}});
  absl::StatusOr<Config> c = ParseConfigText(text, "s.conf");
  EXPECT_TRUE(c.ok()) << GetParam().name << ": " << c.status();
}

INSTANTIATE_TEST_SUITE_P(
    KeepalivedRules, StrictModeTest,
    ::testing::Values(
        StrictCase{"no_vips", " virtual_router_id 1",
                   "s.conf:4:1:", "at least one virtual_ipaddress"},
        StrictCase{"unicast_peer",
                   " virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n"
                   " }\n unicast_peer {\n  10.0.0.3\n }",
                   "s.conf:10:2:", "unicast_peer is not allowed"},
        StrictCase{"ipv6_version_2",
                   " virtual_router_id 1\n version 2\n virtual_ipaddress {\n"
                   "  fe80::1\n }",
                   "s.conf:7:10:", "IPv6 needs VRRP version 3"},
        StrictCase{"ipv6_first_not_link_local",
                   " virtual_router_id 1\n version 3\n virtual_ipaddress {\n"
                   "  2001:db8::1\n  fe80::1\n }",
                   "s.conf:9:3:", "must be link-local"},
        StrictCase{"master_not_owner",
                   " virtual_router_id 1\n state MASTER\n priority 100\n"
                   " virtual_ipaddress {\n  10.0.0.1\n }",
                   "s.conf:7:8:", "state MASTER only with priority 255"},
        StrictCase{"authentication",
                   " virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n"
                   " }\n authentication {\n  auth_type PASS\n  auth_pass 1111\n"
                   " }",
                   "s.conf:10:2:", "authentication is not allowed"},
        StrictCase{"preempt_delay",
                   " virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n"
                   " }\n preempt_delay 10",
                   "s.conf:10:2:", "preempt_delay is not allowed"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(StrictModeTest, AddressOwnerMasterAndPlainBackupsPass) {
  absl::StatusOr<Config> c = ParseConfigText(
      "global_defs {\n vrrp_strict\n}\n"
      "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n"
      " state MASTER\n priority 255\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n"
      "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n"
      " version 3\n virtual_ipaddress {\n  fe80::2\n  2001:db8::2\n }\n}\n",
      "s.conf");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST(StrictModeTest, SampleFileAsShippedIsRefusedAsKeepalivedRefusesIt) {
  // keepalived 2.2.7 --config-test on keepalived.conf.sample: "(VI_1) State
  // MASTER must match being address owner" (and exits 5).
  absl::StatusOr<Config> c = ParseConfigText(absl::StrCat(kSampleGlobalDefs, R"(
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.168.200.16
    }
}
)"),
                                             "sample.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("sample.conf:18:11: vrrp_instance VI_1: strict mode "
                        "allows state MASTER only with priority 255"));
}

}  // namespace
}  // namespace dsrlb::config
