// The publisher's view of the dataplane: counters summed from the stats
// region and attributed to virtual and real servers, a stats region that
// appears late or is replaced, and the table it writes.
#include "controlplane/tables/publisher.h"

#include <gtest/gtest.h>

#include "controlplane/api/proto_convert.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }
const VsKey kVs{Ip("192.168.4.15"), 80, config::Protocol::kTcp};
const RsKey kWeb1{Ip("192.168.4.100"), 80};
const RsKey kWeb2{Ip("192.168.4.200"), 80};

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(state_.AddVirtualServer(kVs, config::LbAlgo::kWrr, 0).ok());
    ASSERT_TRUE(state_.AddRealServer(kVs, kWeb1, 1).ok());
    ASSERT_TRUE(state_.AddRealServer(kVs, kWeb2, 1).ok());
    state_.SetNeighbor(kWeb1.address, NeighborState{Mac{2, 0, 0, 0, 0, 1}, ""});
    state_.SetNeighbor(kWeb2.address, NeighborState{Mac{2, 0, 0, 0, 0, 2}, ""});
    TableOptions o;
    o.ring_size = 251;
    publisher_ = *Publisher::Create(dir_.File("table"), dir_.File("stats"), o);
  }

  // A dataplane with one live lcore that counted `vip_packets` on VIP 0
  // and `web2_packets` on backend record 2 (web2).
  shm::StatsRegion FakeDataplane(uint64_t vip_packets, uint64_t web2_packets) {
    auto r = shm::StatsRegion::Create(dir_.File("stats"), shm::StatsGeometry{});
    EXPECT_TRUE(r.ok()) << r.status();
    dsrlb_stats_header* h = r->header();
    h->running = 1;
    h->heartbeat_ns = shm::MonotonicNs();
    dsrlb_lcore_stats* l = r->lcore(0);
    l->flags = DSRLB_LCORE_ACTIVE;
    l->seen_generation = publisher_->Published().generation;
    r->counters(0)[DSRLB_CTR_RX_PACKETS] = vip_packets;
    r->drops(0)[DSRLB_DROP_NO_VIP] = 3;
    r->vip_counters(0)[0] = {vip_packets, vip_packets * 100};
    r->backend_counters(0)[2] = {web2_packets, web2_packets * 100};
    return std::move(*r);
  }

  pb::VirtualServer View() {
    StateSnapshot s = state_.Snapshot();
    PublishedTable p = publisher_->Published();
    StatsReading r = publisher_->ReadStats();
    return ToProto(s.virtual_servers[0], ViewContext{&s, &p, &r});
  }

  testing::TempDir dir_;
  EventHub events_;
  LbState state_{&events_};
  std::unique_ptr<Publisher> publisher_;
};

TEST_F(PublisherTest, NoStatsRegionMeansNoCountersNotAnError) {
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  EXPECT_FALSE(publisher_->ReadStats().present);
  EXPECT_EQ(View().packets(), 0u);
}

TEST_F(PublisherTest, CountersAreAttributedToServersByTableIndex) {
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  shm::StatsRegion dp = FakeDataplane(10, 7);
  StatsReading r = publisher_->ReadStats();
  ASSERT_TRUE(r.present);
  EXPECT_TRUE(r.alive);
  EXPECT_EQ(r.totals.counters[DSRLB_CTR_RX_PACKETS], 10u);
  EXPECT_EQ(r.totals.drops[DSRLB_DROP_NO_VIP], 3u);
  ASSERT_EQ(r.lcore_generations.size(), 1u);
  pb::VirtualServer vs = View();
  EXPECT_EQ(vs.packets(), 10u);
  EXPECT_EQ(vs.bytes(), 1000u);
  EXPECT_EQ(vs.real_servers(0).packets(), 0u);
  EXPECT_EQ(vs.real_servers(1).packets(), 7u);
  EXPECT_EQ(vs.real_servers(1).bytes(), 700u);
}

TEST_F(PublisherTest, ReplacedStatsRegionIsReopened) {
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  {
    shm::StatsRegion first = FakeDataplane(10, 7);
    EXPECT_EQ(View().packets(), 10u);
  }
  // A restarted dataplane creates a new file under the same path.
  shm::StatsRegion second = FakeDataplane(4, 2);
  EXPECT_EQ(View().packets(), 4u);
  EXPECT_EQ(View().real_servers(1).packets(), 2u);
  // The writer waits for the live lcore, which is on the current table.
  EXPECT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
}

TEST_F(PublisherTest, RingSlotsFollowWeightsAndAreReported) {
  ASSERT_TRUE(state_.SetWeight(kVs, kWeb2, 3).ok());
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  pb::VirtualServer vs = View();
  EXPECT_EQ(vs.real_servers(0).ring_slots() + vs.real_servers(1).ring_slots(),
            251u);
  EXPECT_NEAR(vs.real_servers(1).ring_slots() / 251.0, 0.75, 0.02);
}

TEST_F(PublisherTest, RestartedControlPlaneGoesOnFromTheRegionsGeneration) {
  auto g1 = publisher_->Publish(state_.Snapshot());
  ASSERT_TRUE(g1.ok());
  publisher_.reset();
  auto again =
      Publisher::Create(dir_.File("table"), dir_.File("stats"), TableOptions{});
  ASSERT_TRUE(again.ok());
  auto g2 = (*again)->Publish(state_.Snapshot());
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(*g2, *g1 + 1);
}

TEST_F(PublisherTest, RingSizeMustBePrime) {
  TableOptions o;
  o.ring_size = 65536;
  EXPECT_EQ(Publisher::Create(dir_.File("t2"), "", o).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dsrlb::api
