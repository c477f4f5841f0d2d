// dsrlb-vrrpd's JSON config: keepalived keywords in, the config model out;
// every mistake is an error that names the instance and the key.
#include "controlplane/vrrp/vrrp_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

using ::testing::HasSubstr;

TEST(VrrpJson, ReadsEveryInstanceKeyword) {
  auto c = ParseVrrpConfigJson(R"({
    "global_defs": {"router_id": "lvs1", "vrrp_version": 3},
    "vrrp_script": [{"name": "chk", "script": "true", "interval": 0.5, "weight": -20,
                     "rise": 2, "fall": 3}],
    "vrrp_instance": [{
      "name": "VI_1", "state": "MASTER", "interface": "eth0", "virtual_router_id": 51,
      "priority": 150, "advert_int": 0.01,
      "authentication": {"auth_type": "PASS", "auth_pass": "1111"},
      "virtual_ipaddress": ["192.168.1.100/24 dev eth1 label eth1:1", "192.168.1.101"],
      "nopreempt": true, "preempt_delay": 30,
      "unicast_src_ip": "10.0.0.1", "unicast_peer": ["10.0.0.2"],
      "garp_master_delay": 2, "garp_master_repeat": 4, "garp_master_refresh": 60,
      "track_interface": ["eth1", {"name": "eth2", "weight": -10}],
      "track_script": [{"name": "chk", "weight": 5}],
      "notify_master": "/bin/m", "notify_backup": "/bin/b", "notify_fault": "/bin/f",
      "notify": "/bin/n", "smtp_alert": true}],
    "vrrp_sync_group": [{"name": "G", "group": ["VI_1"], "notify_master": "/bin/gm"}]
  })");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->vrrp_instances.size(), 1u);
  const config::VrrpInstance& i = c->vrrp_instances[0];
  EXPECT_EQ(i.state, config::VrrpInstance::InitialState::kMaster);
  EXPECT_EQ(i.version, 3);  // from global_defs
  EXPECT_EQ(i.virtual_router_id, 51);
  EXPECT_EQ(i.priority, 150);
  EXPECT_EQ(i.advert_int, absl::Milliseconds(10));
  EXPECT_EQ(i.auth_type, config::VrrpAuthType::kPass);
  EXPECT_EQ(i.auth_pass, "1111");
  ASSERT_EQ(i.virtual_ipaddress.size(), 2u);
  EXPECT_EQ(i.virtual_ipaddress[0].prefix_len, 24);
  EXPECT_EQ(i.virtual_ipaddress[0].dev, "eth1");
  EXPECT_EQ(i.virtual_ipaddress[0].label, "eth1:1");
  EXPECT_EQ(i.virtual_ipaddress[1].prefix_len, 32);
  EXPECT_TRUE(i.nopreempt);
  EXPECT_EQ(i.preempt_delay, absl::Seconds(30));
  EXPECT_EQ(i.unicast_src_ip->ToString(), "10.0.0.1");
  EXPECT_EQ(i.unicast_peer.size(), 1u);
  EXPECT_EQ(i.garp_master_repeat, 4);
  EXPECT_EQ(i.garp_master_refresh, absl::Seconds(60));
  ASSERT_EQ(i.track_interface.size(), 2u);
  EXPECT_EQ(i.track_interface[1].weight, -10);
  EXPECT_EQ(i.track_script[0].weight, 5);
  EXPECT_EQ(i.notify, "/bin/n");
  EXPECT_TRUE(i.smtp_alert);
  EXPECT_EQ(c->vrrp_scripts[0].interval, absl::Milliseconds(500));
  EXPECT_EQ(c->vrrp_scripts[0].fall, 3);
  EXPECT_EQ(c->vrrp_sync_groups[0].group, std::vector<std::string>{"VI_1"});
}

TEST(VrrpJson, MistakesAreErrorsNamingWhereAndWhat) {
  struct Case {
    const char* json;
    const char* says;
  } cases[] = {
      {"not json", "not a JSON object"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e"}]})", "virtual_router_id"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 256}]})",
       "vrrp_instance V.virtual_router_id"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "priority": 0}]})", "priority"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "state": "master"}]})", "MASTER or BACKUP"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "virtual_ipaddress": ["10.0.0.1/33"]}]})", "prefix"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "virtual_ipaddress": ["10.0.0.1 scope host"]}]})", "only 'dev IFNAME'"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "authentication": {"auth_type": "PASS", "auth_pass": "123456789"}}]})", "at most 8"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "advert_intt": 1}]})", "unknown keyword 'advert_intt'"},
      {R"({"vrrp_instance": [{"name": "V", "interface": "e", "virtual_router_id": 1,
           "nopreempt": "yes"}]})", "true or false"},
  };
  for (const Case& c : cases) {
    auto r = ParseVrrpConfigJson(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.says));
  }
}

TEST(VrrpJson, StatusListsStateMasterAndDropsByName) {
  InstanceStatus s;
  s.name = "VI_1";
  s.state = State::kMaster;
  s.master_addr = *IpAddress::Parse("10.0.0.1");
  s.counters.drops[static_cast<size_t>(DropReason::kBadTtl)] = 3;
  s.transitions.push_back({"VI_1", absl::FromUnixSeconds(10), State::kBackup, State::kMaster,
                           "master down timer expired"});
  std::string j = StatusToJson({s});
  EXPECT_THAT(j, HasSubstr(R"("state": "MASTER")"));
  EXPECT_THAT(j, HasSubstr(R"("master": "10.0.0.1")"));
  EXPECT_THAT(j, HasSubstr(R"("bad_ttl": 3)"));
  EXPECT_THAT(j, HasSubstr(R"("at_unix_ns": 10000000000)"));
}

}  // namespace
}  // namespace dsrlb::vrrp
