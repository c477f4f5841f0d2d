// Every vrrp_instance, vrrp_script and vrrp_sync_group keyword lands in the
// model, and the VRRP rules reject what a peer or the RFCs would not accept.
#include <string>

#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

constexpr char kFullVrrp[] = R"(
vrrp_script chk_dp {
  script "/usr/bin/pgrep dsrlb-dataplane"
  interval 2
  timeout 0.5
  weight -20
  rise 3
  fall 4
}
vrrp_script chk_other {
  script /bin/true
}
vrrp_instance VI_A {
  state BACKUP
  interface eth0
  virtual_router_id 7
  priority 150
  advert_int 0.05
  version 3
  virtual_ipaddress {
    192.0.2.10
    192.0.2.11/24 dev eth1
    192.0.2.12/32 dev eth1 label eth1:vip
  }
  nopreempt
  unicast_src_ip 192.0.2.2
  unicast_peer {
    192.0.2.3
    192.0.2.4
  }
  garp_master_delay 2
  garp_master_repeat 3
  garp_master_refresh 60
  track_interface {
    eth2
    eth1 weight -10
  }
  track_script {
    chk_dp
    chk_other weight 5
  }
  notify_master "/etc/dsrlb/notify.sh master"
  notify_backup /etc/dsrlb/notify.sh backup
  notify_fault /etc/dsrlb/notify.sh fault
  notify /etc/dsrlb/notify.sh
  smtp_alert
}
vrrp_instance VI_B {
  state MASTER
  interface eth0
  virtual_router_id 8
  priority 255
  advert_int 3
  vrrp_version 2
  authentication {
    auth_type PASS
    auth_pass secret8x
  }
  virtual_ipaddress {
    2001:db8::10/64 dev eth0
  }
}
vrrp_instance VI_C {
  interface eth2
  virtual_router_id 9
  preempt_delay 1.5
  track_script {
    chk_dp weight 0
  }
}
vrrp_sync_group G1 {
  group {
    VI_B
    VI_C
  }
  notify_master /bin/g-master
  notify_backup /bin/g-backup
  notify_fault /bin/g-fault
  notify /bin/g
  smtp_alert on
}
)";

TEST(VrrpKeywordsTest, EveryInstanceKeywordIsRead) {
  absl::StatusOr<Config> c = ParseConfigText(kFullVrrp, "v.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->vrrp_instances.size(), 3u);
  const VrrpInstance& a = c->vrrp_instances[0];
  EXPECT_EQ(a.name, "VI_A");
  EXPECT_EQ(a.where.line, 13);
  EXPECT_EQ(a.state, VrrpInstance::InitialState::kBackup);
  EXPECT_EQ(a.interface, "eth0");
  EXPECT_EQ(a.virtual_router_id, 7);
  EXPECT_EQ(a.priority, 150);
  EXPECT_EQ(a.advert_int, absl::Milliseconds(50));
  EXPECT_EQ(a.version, 3);
  EXPECT_EQ(a.auth_type, VrrpAuthType::kNone);
  ASSERT_EQ(a.virtual_ipaddress.size(), 3u);
  EXPECT_EQ(a.virtual_ipaddress[0].address, Ip("192.0.2.10"));
  EXPECT_EQ(a.virtual_ipaddress[0].prefix_len, 32);
  EXPECT_EQ(a.virtual_ipaddress[0].dev, "");
  EXPECT_EQ(a.virtual_ipaddress[0].where.line, 21);
  EXPECT_EQ(a.virtual_ipaddress[1].prefix_len, 24);
  EXPECT_EQ(a.virtual_ipaddress[1].dev, "eth1");
  EXPECT_EQ(a.virtual_ipaddress[2].label, "eth1:vip");
  EXPECT_TRUE(a.nopreempt);
  EXPECT_EQ(a.unicast_src_ip, Ip("192.0.2.2"));
  EXPECT_THAT(a.unicast_peer, ElementsAre(Ip("192.0.2.3"), Ip("192.0.2.4")));
  EXPECT_EQ(a.garp_master_delay, absl::Seconds(2));
  EXPECT_EQ(a.garp_master_repeat, 3);
  EXPECT_EQ(a.garp_master_refresh, absl::Seconds(60));
  ASSERT_EQ(a.track_interface.size(), 2u);
  EXPECT_EQ(a.track_interface[0].name, "eth2");
  EXPECT_EQ(a.track_interface[0].weight, 0);
  EXPECT_EQ(a.track_interface[1].name, "eth1");
  EXPECT_EQ(a.track_interface[1].weight, -10);
  ASSERT_EQ(a.track_script.size(), 2u);
  EXPECT_EQ(a.track_script[0].name, "chk_dp");
  // No weight on the line: the vrrp_script's applies.
  EXPECT_EQ(a.track_script[0].weight, -20);
  EXPECT_EQ(a.track_script[1].weight, 5);
  EXPECT_EQ(a.notify_master, "/etc/dsrlb/notify.sh master");
  EXPECT_EQ(a.notify_backup, "/etc/dsrlb/notify.sh backup");
  EXPECT_EQ(a.notify_fault, "/etc/dsrlb/notify.sh fault");
  EXPECT_EQ(a.notify, "/etc/dsrlb/notify.sh");
  EXPECT_TRUE(a.smtp_alert);

  const VrrpInstance& b = c->vrrp_instances[1];
  EXPECT_EQ(b.state, VrrpInstance::InitialState::kMaster);
  EXPECT_EQ(b.priority, 255);
  EXPECT_EQ(b.advert_int, absl::Seconds(3));
  EXPECT_EQ(b.version, 2);
  EXPECT_EQ(b.auth_type, VrrpAuthType::kPass);
  EXPECT_EQ(b.auth_pass, "secret8x");
  EXPECT_EQ(b.preempt_delay, absl::ZeroDuration());
  EXPECT_EQ(c->vrrp_instances[2].preempt_delay, absl::Milliseconds(1500));
  EXPECT_FALSE(b.nopreempt);
  ASSERT_EQ(b.virtual_ipaddress.size(), 1u);
  EXPECT_EQ(b.virtual_ipaddress[0].address, Ip("2001:db8::10"));
  EXPECT_EQ(b.virtual_ipaddress[0].prefix_len, 64);
  EXPECT_EQ(b.garp_master_delay, absl::Seconds(5));  // model default
  // In a sync group a script may only fault: weight 0 overrides chk_dp's.
  EXPECT_EQ(c->vrrp_instances[2].track_script[0].weight, 0);
}

TEST(VrrpKeywordsTest, ScriptsAndSyncGroupsAreRead) {
  absl::StatusOr<Config> c = ParseConfigText(kFullVrrp, "v.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->vrrp_scripts.size(), 2u);
  const VrrpScript& s = c->vrrp_scripts[0];
  EXPECT_EQ(s.name, "chk_dp");
  EXPECT_EQ(s.where.line, 2);
  EXPECT_EQ(s.script, "/usr/bin/pgrep dsrlb-dataplane");
  EXPECT_EQ(s.interval, absl::Seconds(2));
  EXPECT_EQ(s.timeout, absl::Milliseconds(500));
  EXPECT_EQ(s.weight, -20);
  EXPECT_EQ(s.rise, 3);
  EXPECT_EQ(s.fall, 4);
  EXPECT_EQ(c->vrrp_scripts[1].interval, absl::Seconds(1));
  ASSERT_EQ(c->vrrp_sync_groups.size(), 1u);
  const VrrpSyncGroup& g = c->vrrp_sync_groups[0];
  EXPECT_EQ(g.name, "G1");
  EXPECT_THAT(g.group, ElementsAre("VI_B", "VI_C"));
  EXPECT_EQ(g.notify_master, "/bin/g-master");
  EXPECT_EQ(g.notify_backup, "/bin/g-backup");
  EXPECT_EQ(g.notify_fault, "/bin/g-fault");
  EXPECT_EQ(g.notify, "/bin/g");
  EXPECT_TRUE(g.smtp_alert);
}

TEST(VrrpKeywordsTest, GlobalVrrpVersionIsTheDefaultEvenWhenWrittenLater) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  advert_int 0.5
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  version 2
}
global_defs {
  vrrp_version 3
}
)",
                                             "v.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances[0].version, 3);
  EXPECT_EQ(c->vrrp_instances[1].version, 2);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

class VrrpErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(VrrpErrorTest, IsRejectedWithItsMessage) {
  absl::StatusOr<Config> c = ParseConfigText(GetParam().text, "e.conf");
  ASSERT_FALSE(c.ok()) << GetParam().text;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(c.status().message()), GetParam().error);
}

#define INSTANCE(body) \
  "vrrp_instance V {\n interface eth0\n virtual_router_id 9\n" body "}\n"

INSTANTIATE_TEST_SUITE_P(
    Values, VrrpErrorTest,
    ::testing::Values(
        ErrorCase{
            "vrrp_instance V {\n interface eth0\n virtual_router_id 256\n}\n",
            "e.conf:3:20: 'virtual_router_id' wants an integer from 1 to "
            "255, got '256'"},
        ErrorCase{
            "vrrp_instance V {\n interface eth0\n virtual_router_id 0\n}\n",
            "e.conf:3:20: 'virtual_router_id' wants an integer from 1 to "
            "255, got '0'"},
        ErrorCase{
            "vrrp_instance V {\n interface eth0\n}\n",
            "e.conf:1:1: vrrp_instance V needs 'virtual_router_id 1-255'"},
        ErrorCase{"vrrp_instance V {\n virtual_router_id 3\n}\n",
                  "e.conf:1:1: vrrp_instance V needs 'interface IFNAME'"},
        ErrorCase{
            INSTANCE(" priority 0\n"),
            "e.conf:4:11: 'priority' wants an integer from 1 to 255, got '0'"},
        ErrorCase{
            INSTANCE(" priority 255\n"),
            "e.conf:1:1: vrrp_instance V: priority 255 means address "
            "owner, which starts as MASTER; set 'state MASTER' or a lower "
            "priority"},
        ErrorCase{INSTANCE(" state MASTER\n nopreempt\n"),
                  "e.conf:4:8: vrrp_instance V: nopreempt needs 'state BACKUP' "
                  "(a MASTER start preempts anyway)"},
        ErrorCase{INSTANCE(" state MASTER\n preempt_delay 5\n"),
                  "e.conf:5:2: vrrp_instance V: preempt_delay needs 'state "
                  "BACKUP' (keepalived clears it for a MASTER start)"},
        ErrorCase{INSTANCE(" track_interface {\n  eth1\n  eth0 weight 2\n }\n"),
                  "e.conf:6:3: track_interface eth0 is the instance's own "
                  "interface, which is always tracked (keepalived ignores the "
                  "line): remove it"},
        ErrorCase{
            "vrrp_script s {\n script /bin/true\n weight 2\n}\n" INSTANCE(
                " track_script {\n  s\n }\n") "vrrp_sync_group G {\n group {\n "
                                              " V\n }\n}\n",
            "e.conf:9:3: vrrp_instance V is in vrrp_sync_group G, where a "
            "tracked script cannot change priority: track 's' with weight "
            "0 (now 2)"},
        ErrorCase{INSTANCE(" nopreempt\n preempt_delay 5\n"),
                  "e.conf:5:2: vrrp_instance V: preempt_delay has no effect "
                  "with nopreempt"},
        ErrorCase{
            INSTANCE(" state FAULT\n"),
            "e.conf:4:8: 'state' wants one of MASTER|BACKUP, got 'FAULT'"},
        ErrorCase{
            INSTANCE(" advert_int 0.5\n"),
            "e.conf:4:13: advert_int 500ms needs VRRP version 3: version 2 "
            "advertises whole seconds (set 'version 3' or a whole number)"},
        ErrorCase{INSTANCE(" advert_int 0.005\n version 3\n"),
                  "e.conf:4:13: 'advert_int' wants seconds from 10ms to 4m15s, "
                  "got '0.005'"},
        ErrorCase{INSTANCE(" advert_int 0.015\n version 3\n"),
                  "e.conf:4:13: 'advert_int' must be a multiple of 10ms, got "
                  "'0.015'"},
        ErrorCase{INSTANCE(" advert_int 41\n version 3\n"),
                  "e.conf:4:13: advert_int above 40.95 seconds does not fit "
                  "VRRP version 3's centisecond field"},
        ErrorCase{
            INSTANCE(" version 3\n authentication {\n  auth_type PASS\n "
                     " auth_pass x\n }\n"),
            "e.conf:5:2: VRRP version 3 has no authentication (RFC 5798): "
            "remove the authentication block or use version 2"},
        ErrorCase{INSTANCE(" authentication {\n  auth_type PASS\n  auth_pass "
                           "123456789\n }\n"),
                  "e.conf:6:13: auth_pass is 9 bytes; VRRP carries 1 to 8 "
                  "(keepalived would silently use '12345678'): shorten it"},
        ErrorCase{INSTANCE(" authentication {\n  auth_type PASS\n }\n"),
                  "e.conf:4:2: authentication block needs 'auth_pass'"},
        ErrorCase{INSTANCE(" authentication {\n  auth_type MD5\n }\n"),
                  "e.conf:5:13: 'auth_type' wants one of PASS|AH, got 'MD5'"},
        ErrorCase{
            INSTANCE(" virtual_ipaddress {\n  10.0.0.1/33\n }\n"),
            "e.conf:5:12: 'virtual_ipaddress prefix' wants an integer from "
            "0 to 32, got '33'"},
        ErrorCase{
            INSTANCE(" virtual_ipaddress {\n  10.0.0.1 dev\n }\n"),
            "e.conf:5:12: 'dev' in virtual_ipaddress is missing its value"},
        ErrorCase{
            INSTANCE(" virtual_ipaddress {\n  10.0.0.1 brd 10.0.0.255\n }\n"),
            "e.conf:5:12: 'brd' in virtual_ipaddress is not supported by "
            "dsrlb"},
        ErrorCase{INSTANCE(" virtual_ipaddress {\n  10.0.0.1 foo bar\n }\n"),
                  "e.conf:5:12: unknown option 'foo' in virtual_ipaddress "
                  "(ADDRESS[/PREFIX] [dev IFNAME] [label LABEL])"},
        ErrorCase{
            INSTANCE(" virtual_ipaddress {\n  10.0.0.1\n  2001:db8::1\n }\n"),
            "e.conf:6:3: vrrp_instance V mixes IPv4 and IPv6 virtual "
            "addresses: use one instance per family"},
        ErrorCase{
            INSTANCE(" virtual_ipaddress {\n  10.0.0.1\n  10.0.0.1/32\n }\n"),
            "e.conf:6:3: virtual_ipaddress 10.0.0.1 listed twice"},
        ErrorCase{
            INSTANCE(" track_interface {\n  eth1 weight 254\n }\n"),
            "e.conf:5:15: 'weight' wants an integer from -253 to 253, got "
            "'254'"},
        ErrorCase{INSTANCE(" track_script {\n  chk weight 2 reverse\n }\n"),
                  "e.conf:5:16: 'reverse' in track_script is not supported by "
                  "dsrlb"},
        ErrorCase{INSTANCE(" track_script {\n  nosuch\n }\n"),
                  "e.conf:5:3: vrrp_instance V tracks unknown vrrp_script "
                  "'nosuch'"},
        ErrorCase{INSTANCE(" use_vmac\n"),
                  "e.conf:4:2: 'use_vmac' in vrrp_instance is not supported by "
                  "dsrlb"},
        ErrorCase{INSTANCE(" unicast_peer {\n  10.0.0.2 min_ttl 2\n }\n"),
                  "e.conf:5:12: 'min_ttl' in unicast_peer is not supported by "
                  "dsrlb"},
        ErrorCase{
            INSTANCE(" virtual_ipaddress {\n  10.0.0.1\n }\n "
                     "unicast_peer {\n  2001:db8::2\n }\n"),
            "e.conf:1:1: vrrp_instance V: unicast_src_ip and unicast_peer "
            "must be the same IP family as the virtual addresses"},
        ErrorCase{INSTANCE("") INSTANCE(""),
                  "e.conf:5:1: duplicate vrrp_instance V (first at e.conf:1)"},
        ErrorCase{
            "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n}\n"
            "vrrp_instance B {\n interface eth0\n virtual_router_id 9\n}\n",
            "e.conf:5:1: vrrp_instance B uses virtual_router_id 9 on eth0, "
            "already used by vrrp_instance A: give each a unique id"},
        ErrorCase{"vrrp_script s {\n interval 1\n}\n",
                  "e.conf:1:1: vrrp_script s needs 'script'"},
        ErrorCase{"vrrp_script s {\n script /bin/true\n weight 300\n}\n",
                  "e.conf:3:9: 'weight' wants an integer from -253 to 253, got "
                  "'300'"},
        ErrorCase{"vrrp_script s {\n script /bin/true\n}\n"
                  "vrrp_script s {\n script /bin/false\n}\n",
                  "e.conf:4:1: duplicate vrrp_script s (first at e.conf:1)"},
        ErrorCase{
            INSTANCE("") "vrrp_sync_group G {\n group {\n  V\n  W\n }\n}\n",
            "e.conf:8:3: vrrp_sync_group G names unknown vrrp_instance 'W'"},
        ErrorCase{
            INSTANCE("") "vrrp_sync_group G {\n group {\n  V\n }\n}\n"
                         "vrrp_sync_group H {\n group {\n  V\n }\n}\n",
            "e.conf:12:3: vrrp_instance V is already in vrrp_sync_group G: "
            "an instance belongs to one group"},
        ErrorCase{
            "vrrp_sync_group G {\n notify /bin/x\n}\n",
            "e.conf:1:1: vrrp_sync_group G needs a non-empty 'group { ... }'"},
        ErrorCase{"vrrp_sync_group G {\n group {\n }\n global_tracking\n}\n",
                  "e.conf:4:2: 'global_tracking' in vrrp_sync_group is not "
                  "supported by dsrlb"}));

}  // namespace
}  // namespace dsrlb::config
