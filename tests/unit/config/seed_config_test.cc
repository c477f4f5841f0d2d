// The seed tutorial's four keepalived.conf files load into the model it means.
#include <string>

#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;

std::string Seed(const std::string& name) {
  return std::string(DSRLB_CONFIG_TESTDATA) + "/seed/" + name;
}

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

void ExpectTutorialGlobals(const Config& c, const std::string& router_id) {
  EXPECT_EQ(c.global.router_id, router_id);
  EXPECT_THAT(c.global.notification_email, ElementsAre("admin@tarena.com.cn"));
  EXPECT_EQ(c.global.notification_email_from, "ka@localhost");
  EXPECT_EQ(c.global.smtp_server, "127.0.0.1");
  EXPECT_EQ(c.global.smtp_port, 25);
  EXPECT_EQ(c.global.smtp_connect_timeout, absl::Seconds(30));
}

void ExpectTutorialInstance(const Config& c, bool master, int priority,
                            const char* vip) {
  ASSERT_EQ(c.vrrp_instances.size(), 1u);
  const VrrpInstance& v = c.vrrp_instances[0];
  EXPECT_EQ(v.name, "VI_1");
  EXPECT_EQ(v.state, master ? VrrpInstance::InitialState::kMaster
                            : VrrpInstance::InitialState::kBackup);
  EXPECT_EQ(v.interface, "eth0");
  EXPECT_EQ(v.virtual_router_id, 51);
  EXPECT_EQ(v.priority, priority);
  EXPECT_EQ(v.advert_int, absl::Seconds(1));
  EXPECT_EQ(v.version, 2);
  // The tutorial writes "auth_type pass": it means PASS.
  EXPECT_EQ(v.auth_type, VrrpAuthType::kPass);
  EXPECT_EQ(v.auth_pass, "1111");
  ASSERT_EQ(v.virtual_ipaddress.size(), 1u);
  EXPECT_EQ(v.virtual_ipaddress[0].address, Ip(vip));
  EXPECT_EQ(v.virtual_ipaddress[0].prefix_len, 32);
  EXPECT_EQ(v.virtual_ipaddress[0].dev, "");
  EXPECT_FALSE(v.nopreempt);
  EXPECT_TRUE(v.unicast_peer.empty());
  EXPECT_TRUE(c.vrrp_sync_groups.empty());
  EXPECT_TRUE(c.vrrp_scripts.empty());
}

void ExpectTutorialVirtualServer(const Config& c) {
  ASSERT_EQ(c.virtual_servers.size(), 1u);
  const VirtualServer& vs = c.virtual_servers[0];
  EXPECT_EQ(vs.address, Ip("192.168.4.15"));
  EXPECT_EQ(vs.port, 80);
  EXPECT_EQ(vs.delay_loop, absl::Seconds(6));
  EXPECT_EQ(vs.lb_algo, LbAlgo::kRr);
  EXPECT_EQ(vs.protocol, Protocol::kTcp);
  // "#persistence_timeout 50" is commented out in the tutorial.
  EXPECT_EQ(vs.persistence_timeout_s, 0u);
  ASSERT_EQ(vs.real_servers.size(), 2u);
  const char* addrs[] = {"192.168.4.100", "192.168.4.200"};
  for (int i = 0; i < 2; ++i) {
    const RealServer& rs = vs.real_servers[i];
    EXPECT_EQ(rs.address, Ip(addrs[i]));
    EXPECT_EQ(rs.port, 80);
    EXPECT_EQ(rs.weight, static_cast<uint32_t>(i + 1));
    EXPECT_FALSE(rs.inhibit_on_failure);
    ASSERT_EQ(rs.checkers.size(), 1u);
    const Checker& ck = rs.checkers[0];
    EXPECT_EQ(ck.kind, CheckerKind::kTcp);
    EXPECT_FALSE(ck.connect_ip.has_value());
    EXPECT_FALSE(ck.connect_port.has_value());
    EXPECT_EQ(ck.connect_timeout, absl::Seconds(3));
    EXPECT_EQ(ck.retry, 3);
    EXPECT_EQ(ck.delay_before_retry, absl::Seconds(3));
  }
}

TEST(SeedConfigTest, Case1Web1IsTheMasterOfVip80) {
  absl::StatusOr<Config> c = LoadConfigFile(Seed("case1_web1.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectTutorialGlobals(*c, "web1");
  ExpectTutorialInstance(*c, true, 100, "192.168.4.80");
  EXPECT_TRUE(c->virtual_servers.empty());
  EXPECT_THAT(c->files, ElementsAre(Seed("case1_web1.conf")));
}

TEST(SeedConfigTest, Case1Web2IsTheBackupOfVip80) {
  absl::StatusOr<Config> c = LoadConfigFile(Seed("case1_web2.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectTutorialGlobals(*c, "web2");
  ExpectTutorialInstance(*c, false, 50, "192.168.4.80");
  EXPECT_TRUE(c->virtual_servers.empty());
}

TEST(SeedConfigTest, Case2Lvs1IsMasterAndBalancesTwoWebServersByDr) {
  absl::StatusOr<Config> c = LoadConfigFile(Seed("case2_lvs1.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectTutorialGlobals(*c, "lvs1");
  ExpectTutorialInstance(*c, true, 100, "192.168.4.15");
  ExpectTutorialVirtualServer(*c);
}

TEST(SeedConfigTest, Case2Lvs2IsBackupWithTheSameVirtualServer) {
  absl::StatusOr<Config> c = LoadConfigFile(Seed("case2_lvs2.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectTutorialGlobals(*c, "lvs2");
  ExpectTutorialInstance(*c, false, 50, "192.168.4.15");
  ExpectTutorialVirtualServer(*c);
}

}  // namespace
}  // namespace dsrlb::config
