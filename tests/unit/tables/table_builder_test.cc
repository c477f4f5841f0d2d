// TableSpec -> slot: records, rings, states, and the decoder's view of it.
#include "controlplane/tables/table_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controlplane/tables/region_decoder.h"
#include "controlplane/tables/spec_json.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::tables {
namespace {

constexpr char kSpec[] = R"({
  "ring_size": 251, "hash_seed": 7, "port_mac": "02:00:00:00:00:01",
  "vips": [
    {"address": "192.168.4.15", "port": 80, "protocol": "tcp",
     "backends": [
       {"address": "192.168.4.100", "port": 80, "weight": 1, "mac": "02:00:00:00:01:00"},
       {"address": "192.168.4.200", "port": 80, "weight": 2, "mac": "02:00:00:00:02:00"},
       {"address": "192.168.4.201", "port": 80, "weight": 5, "state": "draining"},
       {"address": "192.168.4.202", "port": 80, "weight": 5, "state": "down"}]},
    {"address": "2001:db8::15", "protocol": "udp", "active": false,
     "persistence_timeout": 50, "backends": []}
  ]})";

class TableBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spec = ParseTableSpecJson(kSpec);
    ASSERT_TRUE(spec.ok()) << spec.status();
    spec_ = *spec;
    auto w = shm::TableWriter::Create(dir_.File("t"),
                                      shm::TableGeometry{8, 64, 16, 8 * 251});
    ASSERT_TRUE(w.ok());
    writer_.emplace(std::move(*w));
    ASSERT_TRUE(PublishSpec(*writer_, spec_, nullptr).ok());
    slot_ = *writer_->region().ValidatedCurrent();
  }
  testing::TempDir dir_;
  TableSpec spec_;
  std::optional<shm::TableWriter> writer_;
  const shm::SlotView* slot_ = nullptr;
};

TEST_F(TableBuilderTest, OnlyUpBackendsOwnRingSlotsInWeightRatio) {
  std::vector<int> share(slot_->hdr->num_backends, 0);
  const uint16_t* ring = slot_->Ring(0);
  for (uint32_t i = 0; i < 251; i++) share[ring[i]]++;
  EXPECT_EQ(share[0], 0);
  EXPECT_NEAR(share[1], 251 / 3.0, 1.5);
  EXPECT_NEAR(share[2], 2 * 251 / 3.0, 1.5);
  EXPECT_EQ(share[3], 0);  // draining keeps its record, owns no slot
  EXPECT_EQ(share[4], 0);  // down
  EXPECT_EQ(slot_->backends[3].state, DSRLB_BACKEND_DRAINING);
  EXPECT_EQ(slot_->backends[2].mac[4], 0x02);
}

TEST_F(TableBuilderTest, VipWithoutBackendsHasAnEmptyRing) {
  const dsrlb_vip& v = slot_->vips[1];
  EXPECT_EQ(v.flags & DSRLB_VIP_ACTIVE, 0u);
  EXPECT_NE(v.flags & DSRLB_VIP_ALL_PORTS, 0u);
  EXPECT_NE(v.flags & DSRLB_VIP_PERSISTENT, 0u);
  const uint16_t* ring = slot_->Ring(1);
  EXPECT_EQ(std::count(ring, ring + 251, 0), 251);
  uint8_t addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                      0,    0,    0,    0,    0, 0, 0, 0x15};
  EXPECT_EQ(slot_->FindVip(DSRLB_AF_INET6, addr, 17, 5353), 1);
}

TEST_F(TableBuilderTest, DecoderReportsRingSharesAndMacs) {
  auto j = DecodeTable(writer_->region());
  ASSERT_TRUE(j.ok()) << j.status();
  const auto& b = (*j)["vips"][0]["backends"];
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[1]["mac"], "02:00:00:00:02:00");
  EXPECT_EQ(b[0]["ring_slots"].get<int>() + b[1]["ring_slots"].get<int>(), 251);
  EXPECT_EQ((*j)["vips"][1]["ring_unassigned"], 251);
  std::string text = FormatTable(*j);
  EXPECT_THAT(text, ::testing::HasSubstr("VIP 0  TCP 192.168.4.15:80  active"));
  EXPECT_THAT(text, ::testing::HasSubstr("[2001:db8::15]:*  inactive"));
}

TEST_F(TableBuilderTest, SameSpecSameRingsOnAnotherHost) {
  testing::TempDir other;
  auto w = shm::TableWriter::Create(other.File("t"),
                                    shm::TableGeometry{8, 64, 16, 8 * 251});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(PublishSpec(*w, spec_, nullptr).ok());
  const shm::SlotView* s = *w->region().ValidatedCurrent();
  EXPECT_EQ(s->hdr->checksum, slot_->hdr->checksum);
  EXPECT_TRUE(std::equal(s->Ring(0), s->Ring(0) + 251, slot_->Ring(0)));
}

TEST(SpecJson, ErrorsNameThePath) {
  auto st = ParseTableSpecJson(
      R"({"vips":[{"address":"1.2.3.4","backends":[{"address":"x"}]}]})");
  EXPECT_THAT(std::string(st.status().message()),
              ::testing::HasSubstr("spec.vips[0].backends[0].address"));
  EXPECT_FALSE(ParseTableSpecJson("{").ok());
  EXPECT_THAT(
      std::string(
          ParseTableSpecJson(R"({"vips":[{"address":"1.2.3.4","port":70000}]})")
              .status()
              .message()),
      ::testing::HasSubstr("spec.vips[0].port"));
}

}  // namespace
}  // namespace dsrlb::tables
