// VrrpService::Create checks a configuration against the host before
// anything starts (no root needed: it opens no socket), and its snapshot is
// readable at once.
#include "controlplane/vrrp/vrrp_service.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

using ::testing::HasSubstr;

config::VrrpSyncGroup Group(const std::string& name,
                            std::vector<std::string> members) {
  config::VrrpSyncGroup g;
  g.name = name;
  g.group = std::move(members);
  return g;
}

config::VrrpInstance Instance(const std::string& name, uint8_t vrid) {
  config::VrrpInstance i;
  i.name = name;
  i.interface = "lo";  // exists everywhere, with 127.0.0.1
  i.virtual_router_id = vrid;
  i.priority = 120;
  config::VirtualIpAddress vip;
  vip.address = *IpAddress::Parse("10.255.0.50");
  i.virtual_ipaddress.push_back(vip);
  return i;
}

absl::Status CreateWith(const config::Config& c) {
  EventLoop loop;
  return VrrpService::Create(c, &loop, {}).status();
}

TEST(VrrpService, SnapshotShowsConfiguredInstancesBeforeStart) {
  config::Config c;
  c.vrrp_instances = {Instance("VI_1", 51)};
  c.vrrp_sync_groups.push_back(Group("G", {"VI_1"}));
  EventLoop loop;
  auto s = VrrpService::Create(c, &loop, {});
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<InstanceStatus> snap = (*s)->Snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].name, "VI_1");
  EXPECT_EQ(snap[0].state, State::kInit);
  EXPECT_EQ(snap[0].priority, 120);
  EXPECT_EQ(snap[0].source_addr.ToString(), "127.0.0.1");
  EXPECT_TRUE((*s)->ActiveVips().empty());
}

TEST(VrrpService, RefusesWhatCannotRunWithAMessageThatSaysWhy) {
  struct Case {
    const char* what;
    std::function<void(config::Config&)> edit;
    absl::StatusCode code;
    const char* says;
  } cases[] = {
      {"unknown interface",
       [](auto& c) { c.vrrp_instances[0].interface = "nosuch0"; },
       absl::StatusCode::kNotFound, "nosuch0"},
      {"v2 with an IPv6 VIP",
       [](auto& c) {
         c.vrrp_instances[0].virtual_ipaddress[0].address =
             *IpAddress::Parse("fd00::1");
         c.vrrp_instances[0].unicast_src_ip = *IpAddress::Parse("fd00::2");
       },
       absl::StatusCode::kInvalidArgument, "vrrp_version 3"},
      {"v2 below a second",
       [](auto& c) {
         c.vrrp_instances[0].advert_int = absl::Milliseconds(500);
       },
       absl::StatusCode::kInvalidArgument, "use version 3"},
      {"v3 below 10 ms",
       [](auto& c) {
         c.vrrp_instances[0].version = 3;
         c.vrrp_instances[0].advert_int = absl::Milliseconds(5);
       },
       absl::StatusCode::kInvalidArgument, "centiseconds"},
      {"two instances, one VRID",
       [](auto& c) { c.vrrp_instances.push_back(Instance("VI_2", 51)); },
       absl::StatusCode::kInvalidArgument, "own VRID"},
      {"VRID 0", [](auto& c) { c.vrrp_instances[0].virtual_router_id = 0; },
       absl::StatusCode::kInvalidArgument, "virtual_router_id"},
      {"track_script without its vrrp_script",
       [](auto& c) {
         c.vrrp_instances[0].track_script.push_back({"chk", 0});
       },
       absl::StatusCode::kInvalidArgument, "names no vrrp_script"},
      {"sync group with a stranger",
       [](auto& c) {
         c.vrrp_sync_groups.push_back(Group("G", {"VI_1", "VI_9"}));
       },
       absl::StatusCode::kInvalidArgument, "VI_9"},
      {"AH authentication",
       [](auto& c) {
         c.vrrp_instances[0].auth_type = config::VrrpAuthType::kAh;
       },
       absl::StatusCode::kUnimplemented, "PASS"},
      {"IPv6 on an interface without link-local",
       [](auto& c) {
         c.vrrp_instances[0].version = 3;
         c.vrrp_instances[0].virtual_ipaddress[0].address =
             *IpAddress::Parse("fd00::1");
       },
       absl::StatusCode::kFailedPrecondition, "unicast_src_ip"},
  };
  for (const Case& k : cases) {
    config::Config c;
    c.vrrp_instances = {Instance("VI_1", 51)};
    k.edit(c);
    absl::Status s = CreateWith(c);
    EXPECT_EQ(s.code(), k.code) << k.what << ": " << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(k.says)) << k.what;
  }
}

}  // namespace
}  // namespace dsrlb::vrrp

namespace dsrlb::vrrp {
namespace {

// Issue 9: in dsrlb-control, an instance follows the local dataplane when
// one of its VIPs is a virtual_server address; others (and dsrlb-vrrpd,
// which never asks) do not.
TEST(VrrpService, OnlyInstancesOfVirtualServerVipsTrackTheDataplane) {
  config::Config c;
  config::VrrpInstance forwarded = Instance("VI_1", 51);
  config::VrrpInstance other = Instance("VI_2", 52);
  other.virtual_ipaddress[0].address = *IpAddress::Parse("10.255.0.60");
  c.vrrp_instances = {forwarded, other};
  config::VirtualServer vs;
  vs.address = *IpAddress::Parse("10.255.0.50");
  vs.port = 80;
  c.virtual_servers.push_back(vs);
  EventLoop loop;
  VrrpService::Callbacks tracking;
  tracking.track_dataplane = true;
  auto s = VrrpService::Create(c, &loop, tracking);
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<InstanceStatus> snap = (*s)->Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_TRUE(snap[0].tracks_dataplane);
  EXPECT_FALSE(snap[1].tracks_dataplane);
  auto plain = VrrpService::Create(c, &loop, {});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE((*plain)->Snapshot()[0].tracks_dataplane);
}

}  // namespace
}  // namespace dsrlb::vrrp
