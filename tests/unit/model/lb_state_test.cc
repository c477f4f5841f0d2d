// The state's seams (health, VIP activity, neighbours) and config reloads,
// observed through the table the publisher writes and the region decoder.
#include "controlplane/model/lb_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "controlplane/tables/publisher.h"
#include "controlplane/tables/region_decoder.h"
#include "dataplane/shm/mapped_file.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }
const VsKey kVs{Ip("192.168.4.15"), 80, config::Protocol::kTcp};
const RsKey kWeb1{Ip("192.168.4.100"), 80};
const RsKey kWeb2{Ip("192.168.4.200"), 80};
const Mac kMac1{2, 0, 0xc0, 0xa8, 4, 100};
const Mac kMac2{2, 0, 0xc0, 0xa8, 4, 200};

config::Config SeedConfig(uint32_t web2_weight = 2) {
  config::Config c;
  config::VirtualServer vs;
  vs.address = kVs.address;
  vs.port = 80;
  vs.lb_algo = config::LbAlgo::kWrr;
  config::RealServer r1, r2;
  r1.address = kWeb1.address;
  r1.port = 80;
  r1.weight = 1;
  r1.checkers.push_back(config::Checker{});
  r2 = r1;
  r2.address = kWeb2.address;
  r2.weight = web2_weight;
  vs.real_servers = {r1, r2};
  c.virtual_servers.push_back(vs);
  return c;
}

class LbStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.SetNeighbor(kWeb1.address, NeighborState{kMac1, ""});
    state_.SetNeighbor(kWeb2.address, NeighborState{kMac2, ""});
    TableOptions options;
    options.ring_size = 4099;
    publisher_ =
        *Publisher::Create(dir_.File("table"), dir_.File("stats"), options);
  }

  // Publishes the state and returns backend address -> decoded record.
  std::map<std::string, nlohmann::json> Publish(int vip = 0) {
    auto g = publisher_->Publish(state_.Snapshot());
    EXPECT_TRUE(g.ok()) << g.status();
    auto file = *shm::MappedFile::Open(dir_.File("table"), false);
    auto region = *shm::TableRegion::FromMemory(file.data(), file.size());
    nlohmann::json j = *tables::DecodeTable(region);
    std::map<std::string, nlohmann::json> out;
    for (const auto& b : j["vips"][vip]["backends"])
      out[b["address"].get<std::string>()] = b;
    return out;
  }

  testing::TempDir dir_;
  EventHub events_;
  LbState state_{&events_};
  std::unique_ptr<Publisher> publisher_;
};

TEST_F(LbStateTest, ConfigWeightsBecomeRingShares) {
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  auto b = Publish();
  EXPECT_NEAR(b["192.168.4.100"]["ring_share"].get<double>(), 1.0 / 3, 0.01);
  EXPECT_NEAR(b["192.168.4.200"]["ring_share"].get<double>(), 2.0 / 3, 0.01);
  EXPECT_EQ(b["192.168.4.100"]["mac"], "02:00:c0:a8:04:64");
  EXPECT_EQ(b["192.168.4.200"]["state"], "up");
}

TEST_F(LbStateTest, FailedHealthCheckTakesServerOutOfRingAndPostsEvent) {
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  uint64_t cursor = events_.NextSeq();
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb2, false, "connect refused").ok());
  auto b = Publish();
  EXPECT_EQ(b["192.168.4.200"]["state"], "down");
  EXPECT_EQ(b["192.168.4.200"]["ring_slots"], 0);
  EXPECT_EQ(b["192.168.4.100"]["ring_share"], 1.0);
  uint64_t lost = 0;
  auto ev = events_.Wait(&cursor, absl::ZeroDuration(), &lost);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].real_server, kWeb2);
  EXPECT_EQ(ev[0].health, Health::kDown);
  EXPECT_EQ(ev[0].reason, "connect refused");

  ASSERT_TRUE(state_.SetHealth(kVs, kWeb2, true, "connected").ok());
  b = Publish();
  EXPECT_EQ(b["192.168.4.200"]["state"], "up");
  EXPECT_NEAR(b["192.168.4.200"]["ring_share"].get<double>(), 2.0 / 3, 0.01);
}

TEST_F(LbStateTest, InhibitOnFailureDrainsInsteadOfRemoving) {
  config::Config c = SeedConfig();
  c.virtual_servers[0].real_servers[1].inhibit_on_failure = true;
  ASSERT_TRUE(state_.ApplyConfig(c).ok());
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb2, false, "timeout").ok());
  auto b = Publish();
  EXPECT_EQ(b["192.168.4.200"]["state"], "draining");
  EXPECT_EQ(b["192.168.4.200"]["ring_slots"], 0);
}

TEST_F(LbStateTest, HealthOfUnknownServerIsNotFound) {
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  RsKey other{Ip("192.168.4.201"), 80};
  EXPECT_EQ(state_.SetHealth(kVs, other, false, "x").code(),
            absl::StatusCode::kNotFound);
}

// The drain is the operator's, not the file's: the state takes the file as
// it is, and the daemon lays OperatorState (tests/unit/model/
// operator_state_test.cc) over it.
TEST_F(LbStateTest, ReloadKeepsHealthOfUnchangedServersAndTakesTheFile) {
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb1, false, "refused").ok());
  ASSERT_TRUE(state_.SetDrain(kVs, kWeb2, true).ok());
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig(/*web2_weight=*/5)).ok());
  StateSnapshot s = state_.Snapshot();
  ASSERT_EQ(s.virtual_servers.size(), 1u);
  const auto& rs = s.virtual_servers[0].real_servers;
  EXPECT_EQ(rs[0].health, Health::kDown);
  EXPECT_EQ(rs[0].last_check_result, "refused");
  EXPECT_FALSE(rs[1].draining);
  EXPECT_EQ(rs[1].weight, 5u);
}

TEST_F(LbStateTest, ReloadKeepsVipOrderAndAppendsNewOnes) {
  config::Config c = SeedConfig();
  config::VirtualServer second = c.virtual_servers[0];
  second.port = 443;
  c.virtual_servers.insert(c.virtual_servers.begin(), second);
  ASSERT_TRUE(state_.ApplyConfig(c).ok());  // order: 443, 80
  config::Config next = SeedConfig();
  config::VirtualServer third = next.virtual_servers[0];
  third.port = 8080;
  // The file now lists 8080, 80, 443: the running order stays 443, 80, 8080.
  next.virtual_servers.insert(next.virtual_servers.begin(), third);
  next.virtual_servers.push_back(second);
  ASSERT_TRUE(state_.ApplyConfig(next).ok());
  StateSnapshot s = state_.Snapshot();
  ASSERT_EQ(s.virtual_servers.size(), 3u);
  EXPECT_EQ(s.virtual_servers[0].key.port, 443);
  EXPECT_EQ(s.virtual_servers[1].key.port, 80);
  EXPECT_EQ(s.virtual_servers[2].key.port, 8080);
}

TEST_F(LbStateTest, InactiveVipIsPublishedInactive) {
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  state_.SetVipActive(kVs.address, false);
  publisher_->Publish(state_.Snapshot()).IgnoreError();
  auto file = *shm::MappedFile::Open(dir_.File("table"), false);
  auto region = *shm::TableRegion::FromMemory(file.data(), file.size());
  EXPECT_EQ((*tables::DecodeTable(region))["vips"][0]["active"], false);
  state_.SetVipActive(kVs.address, true);
  publisher_->Publish(state_.Snapshot()).IgnoreError();
  EXPECT_EQ((*tables::DecodeTable(region))["vips"][0]["active"], true);
}

TEST_F(LbStateTest, UnchangedMutationsDoNotBumpTheVersion) {
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  uint64_t v = state_.Version();
  ASSERT_TRUE(state_.SetWeight(kVs, kWeb1, 1).ok());
  state_.SetNeighbor(kWeb1.address, NeighborState{kMac1, ""});
  state_.SetVipActive(kVs.address, true);
  state_.SetVipActive(kVs.address, true);
  EXPECT_EQ(state_.Version(), v + 1);  // only the first SetVipActive is news
}

TEST_F(LbStateTest, VrrpVipIsInactiveUntilVrrpReportsMaster) {
  config::Config c = SeedConfig();
  config::VrrpInstance vi;
  vi.name = "VI_1";
  vi.virtual_router_id = 51;
  vi.virtual_ipaddress.push_back(config::VirtualIpAddress{kVs.address});
  c.vrrp_instances.push_back(vi);
  ASSERT_TRUE(state_.ApplyConfig(c).ok());
  StateSnapshot s = state_.Snapshot();
  EXPECT_FALSE(s.vip_active.at(kVs.address));
  ASSERT_EQ(s.vrrp.size(), 1u);
  EXPECT_EQ(s.vrrp[0].state, "INIT");
  EXPECT_EQ(s.vrrp[0].virtual_addresses[0], "192.168.4.15");

  uint64_t cursor = events_.NextSeq();
  VrrpStatus master = s.vrrp[0];
  master.state = "MASTER";
  ASSERT_TRUE(state_.SetVrrpStatus(master, "higher priority").ok());
  state_.SetVipActive(kVs.address, true);
  uint64_t lost = 0;
  auto ev = events_.Wait(&cursor, absl::ZeroDuration(), &lost);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].vrrp_from, "INIT");
  EXPECT_EQ(ev[0].vrrp_to, "MASTER");
  // A reload keeps what VRRP reported.
  ASSERT_TRUE(state_.ApplyConfig(c).ok());
  s = state_.Snapshot();
  EXPECT_TRUE(s.vip_active.at(kVs.address));
  EXPECT_EQ(s.vrrp[0].state, "MASTER");
  // Without the vrrp_instance the VIP is this host's again.
  state_.SetVipActive(kVs.address, false);
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  EXPECT_EQ(state_.Snapshot().vip_active.count(kVs.address), 0u);
  EXPECT_EQ(state_.SetVrrpStatus(master, "x").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(LbStateTest, MoreThanTheTableHoldsIsRefusedAndChangesNothing) {
  state_.SetLimits(LbState::Limits{1, 2});
  ASSERT_TRUE(state_.ApplyConfig(SeedConfig()).ok());
  uint64_t v = state_.Version();
  EXPECT_EQ(state_.AddRealServer(kVs, RsKey{Ip("192.168.4.201"), 80}, 1)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  VsKey other = kVs;
  other.port = 443;
  EXPECT_EQ(
      state_.AddVirtualServer(other, config::LbAlgo::kWrr, 0).status().code(),
      absl::StatusCode::kResourceExhausted);
  config::Config two = SeedConfig();
  two.virtual_servers.push_back(two.virtual_servers[0]);
  two.virtual_servers[1].port = 443;
  EXPECT_EQ(state_.ApplyConfig(two).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(state_.Version(), v);
  EXPECT_EQ(state_.Snapshot().virtual_servers.size(), 1u);
}

}  // namespace
}  // namespace dsrlb::api
