// Stable table records and a region that grows: a virtual server keeps its
// VIP record (and so its counters) when others are removed or added, and a
// configuration larger than the region publishes into a bigger one.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "controlplane/api/proto_convert.h"
#include "controlplane/tables/publisher.h"
#include "controlplane/tables/region_decoder.h"
#include "dataplane/shm/mapped_file.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const std::string& s) { return *IpAddress::Parse(s); }

VsKey Vs(int i) {
  return VsKey{Ip("192.168." + std::to_string(i / 200) + "." +
                  std::to_string(i % 200 + 1)),
               80, config::Protocol::kTcp};
}
RsKey Rs(int i) {
  return RsKey{
      Ip("10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1)),
      80};
}

class PublisherRecordsTest : public ::testing::Test {
 protected:
  void AddServers(int from, int to) {
    for (int i = from; i < to; i++) {
      ASSERT_TRUE(state_.AddVirtualServer(Vs(i), config::LbAlgo::kWrr, 0).ok());
      ASSERT_TRUE(state_.AddRealServer(Vs(i), Rs(i), 1).ok());
      state_.SetNeighbor(
          Rs(i).address,
          NeighborState{Mac{2, 0, 0, 0, uint8_t(i >> 8), uint8_t(i)}, ""});
    }
  }
  void SetUp() override {
    TableOptions o;
    o.ring_size = 251;
    publisher_ = *Publisher::Create(dir_.File("table"), dir_.File("stats"), o);
  }
  // The dataplane's counters: VIP record r counted r + 1000 packets.
  shm::StatsRegion FakeDataplane() {
    auto r = shm::StatsRegion::Create(dir_.File("stats"), shm::StatsGeometry{});
    EXPECT_TRUE(r.ok()) << r.status();
    r->header()->running = 1;
    r->header()->heartbeat_ns = shm::MonotonicNs();
    r->lcore(0)->flags = DSRLB_LCORE_ACTIVE;
    r->lcore(0)->seen_generation = publisher_->Published().generation;
    for (uint32_t v = 0; v < r->geometry().max_vips; v++)
      r->vip_counters(0)[v] = {v + 1000, 0};
    return std::move(*r);
  }
  uint64_t PacketsOf(const VsKey& key) {
    StateSnapshot s = state_.Snapshot();
    PublishedTable p = publisher_->Published();
    StatsReading r = publisher_->ReadStats();
    for (const VirtualServerState& vs : s.virtual_servers)
      if (vs.key == key) return ToProto(vs, ViewContext{&s, &p, &r}).packets();
    return ~0ull;
  }

  testing::TempDir dir_;
  EventHub events_;
  LbState state_{&events_};
  std::unique_ptr<Publisher> publisher_;
};

TEST_F(PublisherRecordsTest, RemovingOneInTheMiddleKeepsTheOthersRecords) {
  AddServers(0, 10);
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  PublishedTable before = publisher_->Published();
  shm::StatsRegion dp = FakeDataplane();
  std::map<VsKey, uint64_t> packets;
  for (int i = 0; i < 10; i++) packets[Vs(i)] = PacketsOf(Vs(i));

  ASSERT_TRUE(state_.RemoveVirtualServer(Vs(4)).ok());
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  PublishedTable after = publisher_->Published();
  EXPECT_EQ(after.vip_index.count(Vs(4)), 0u);
  for (int i = 0; i < 10; i++) {
    if (i == 4) continue;
    EXPECT_EQ(after.vip_index.at(Vs(i)), before.vip_index.at(Vs(i))) << i;
    EXPECT_EQ(after.backends.at({Vs(i), Rs(i)}).index,
              before.backends.at({Vs(i), Rs(i)}).index)
        << i;
    EXPECT_EQ(PacketsOf(Vs(i)), packets[Vs(i)]) << i;
  }
  // The decoded region says the same: record r is still that address.
  auto file = shm::MappedFile::Open(dir_.File("table"), false);
  ASSERT_TRUE(file.ok());
  auto region = shm::TableRegion::FromMemory(file->data(), file->size());
  ASSERT_TRUE(region.ok());
  auto decoded = tables::DecodeTable(*region);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ((*decoded)["vips"].size(), 9u);
  for (const auto& v : (*decoded)["vips"]) {
    VsKey key{Ip(v["address"].get<std::string>()), 80, config::Protocol::kTcp};
    EXPECT_EQ(v["index"].get<uint32_t>(), before.vip_index.at(key));
    ASSERT_EQ(v["backends"].size(), 1u);
  }

  // A newcomer takes the free record; nobody else moves.
  AddServers(10, 11);
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  after = publisher_->Published();
  EXPECT_EQ(after.vip_index.at(Vs(10)), before.vip_index.at(Vs(4)));
  EXPECT_EQ(after.vip_index.at(Vs(9)), before.vip_index.at(Vs(9)));
  // It does not inherit Vs(4)'s counters: it counts from its arrival.
  EXPECT_EQ(PacketsOf(Vs(10)), 0u);
  EXPECT_EQ(PacketsOf(Vs(9)), packets[Vs(9)]);
  dp.vip_counters(0)[after.vip_index.at(Vs(10))].packets += 5;
  EXPECT_EQ(PacketsOf(Vs(10)), 5u);
}

TEST_F(PublisherRecordsTest, RegionGrowsPastItsFirstGeometry) {
  AddServers(0, 2);
  auto g1 = publisher_->Publish(state_.Snapshot());
  ASSERT_TRUE(g1.ok());
  const uint32_t first_max = publisher_->Geometry().max_vips;
  struct stat st1 {};
  ASSERT_EQ(stat(dir_.File("table").c_str(), &st1), 0);

  AddServers(2, static_cast<int>(first_max) + 50);
  auto g2 = publisher_->Publish(state_.Snapshot());
  ASSERT_TRUE(g2.ok()) << g2.status();
  EXPECT_EQ(*g2, *g1 + 1) << "generations go on across the new region";
  EXPECT_GE(publisher_->Geometry().max_vips, first_max + 50);
  struct stat st2 {};
  ASSERT_EQ(stat(dir_.File("table").c_str(), &st2), 0);
  EXPECT_NE(st1.st_ino, st2.st_ino) << "a new file renamed over the old";

  auto file = shm::MappedFile::Open(dir_.File("table"), false);
  ASSERT_TRUE(file.ok());
  auto region = shm::TableRegion::FromMemory(file->data(), file->size());
  ASSERT_TRUE(region.ok()) << region.status();
  auto decoded = tables::DecodeTable(*region);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ((*decoded)["vips"].size(), first_max + 50);
  EXPECT_EQ((*decoded)["generation"].get<uint64_t>(), *g2);
}

TEST_F(PublisherRecordsTest, EachVirtualServerGetsARingForItsBackends) {
  // 251 is the default here; 3 servers want 300 entries: the next prime.
  AddServers(0, 1);
  ASSERT_TRUE(state_.AddRealServer(Vs(0), Rs(500), 1).ok());
  ASSERT_TRUE(state_.AddRealServer(Vs(0), Rs(501), 1).ok());
  ASSERT_TRUE(publisher_->Publish(state_.Snapshot()).ok());
  auto file = shm::MappedFile::Open(dir_.File("table"), false);
  ASSERT_TRUE(file.ok());
  auto region = shm::TableRegion::FromMemory(file->data(), file->size());
  ASSERT_TRUE(region.ok());
  auto decoded = tables::DecodeTable(*region);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)["vips"][0]["ring_size"].get<uint32_t>(), 307u);
}

}  // namespace
}  // namespace dsrlb::api
