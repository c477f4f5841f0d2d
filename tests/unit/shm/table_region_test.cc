// Creating, attaching and rejecting table and stats regions.
#include "dataplane/shm/table_region.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/stats_region.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::shm {
namespace {

using ::testing::HasSubstr;

TableGeometry SmallGeometry() { return TableGeometry{8, 64, 16, 4 * 251}; }

tables::TableSpec OneVipSpec() {
  tables::TableSpec spec;
  spec.ring_size = 251;
  tables::VipSpec vip;
  vip.address = *IpAddress::Parse("192.168.4.15");
  vip.port = 80;
  for (const char* a : {"192.168.4.100", "192.168.4.200"}) {
    tables::BackendSpec b;
    b.address = *IpAddress::Parse(a);
    b.port = 80;
    vip.backends.push_back(b);
  }
  spec.vips.push_back(vip);
  return spec;
}

class TableRegionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = TableWriter::Create(dir_.File("table"), SmallGeometry());
    ASSERT_TRUE(w.ok()) << w.status();
    writer_.emplace(std::move(*w));
    ASSERT_TRUE(tables::PublishSpec(*writer_, OneVipSpec(), nullptr).ok());
  }

  // Maps the region again, writable, as a corrupting hand would.
  MappedFile Remap() { return *MappedFile::Open(dir_.File("table"), true); }

  absl::Status Attach() {
    auto f = MappedFile::Open(dir_.File("table"), false);
    if (!f.ok()) return f.status();
    auto r = TableRegion::FromMemory(f->data(), f->size());
    if (!r.ok()) return r.status();
    return r->ValidatedCurrent().status();
  }

  testing::TempDir dir_;
  std::optional<TableWriter> writer_;
};

TEST_F(TableRegionTest, FreshRegionValidates) { EXPECT_TRUE(Attach().ok()); }

TEST_F(TableRegionTest, NothingPublishedIsUnavailableNotCorrupt) {
  auto w = TableWriter::Create(dir_.File("empty"), SmallGeometry());
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(absl::IsUnavailable(w->region().ValidatedCurrent().status()));
}

TEST_F(TableRegionTest, BadMagicIsRejectedByName) {
  Remap().data()[0] ^= 0xff;
  EXPECT_THAT(std::string(Attach().message()), HasSubstr("bad magic"));
}

TEST_F(TableRegionTest, OtherVersionIsRejectedByName) {
  reinterpret_cast<dsrlb_table_header*>(Remap().data())->version = 99;
  EXPECT_THAT(std::string(Attach().message()), HasSubstr("format version 99"));
}

TEST_F(TableRegionTest, WrongSizeIsRejectedByName) {
  reinterpret_cast<dsrlb_table_header*>(Remap().data())->region_size += 4096;
  EXPECT_THAT(std::string(Attach().message()), HasSubstr("size mismatch"));
}

TEST_F(TableRegionTest, TruncatedFileIsRejected) {
  ASSERT_EQ(truncate(dir_.File("table").c_str(), 64), 0);
  EXPECT_THAT(std::string(Attach().message()),
              HasSubstr("smaller than its header"));
}

TEST_F(TableRegionTest, FlippedRingByteFailsTheChecksum) {
  MappedFile f = Remap();
  auto r = *TableRegion::FromMemory(f.data(), f.size());
  const SlotView& s = r.slot(static_cast<int>(r.LoadGeneration() & 1));
  // Still a valid backend index: only the checksum can tell.
  s.rings[17] = s.rings[17] == 1 ? 2 : 1;
  EXPECT_THAT(std::string(Attach().message()), HasSubstr("checksum mismatch"));
}

TEST_F(TableRegionTest, RingNamingMissingBackendIsRejected) {
  MappedFile f = Remap();
  auto r = *TableRegion::FromMemory(f.data(), f.size());
  r.slot(static_cast<int>(r.LoadGeneration() & 1)).rings[3] = 60;
  EXPECT_THAT(std::string(Attach().message()), HasSubstr("names backend 60"));
}

TEST_F(TableRegionTest, VipLookupFindsExactThenAllPorts) {
  auto r = writer_->region().ValidatedCurrent();
  ASSERT_TRUE(r.ok());
  const SlotView& s = **r;
  uint8_t vip[16] = {192, 168, 4, 15};
  uint8_t other[16] = {192, 168, 4, 16};
  EXPECT_EQ(s.FindVip(DSRLB_AF_INET, vip, 6, 80), 0);
  EXPECT_EQ(s.FindVip(DSRLB_AF_INET, vip, 6, 81), -1);
  EXPECT_EQ(s.FindVip(DSRLB_AF_INET, vip, 17, 80), -1);
  EXPECT_EQ(s.FindVip(DSRLB_AF_INET, other, 6, 80), -1);
}

TEST_F(TableRegionTest, ReopenedWriterContinuesGenerations) {
  uint64_t before = writer_->region().LoadGeneration();
  writer_.reset();
  auto w = TableWriter::Open(dir_.File("table"));
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE(tables::PublishSpec(*w, OneVipSpec(), nullptr).ok());
  EXPECT_EQ(w->region().LoadGeneration(), before + 1);
  EXPECT_TRUE(w->region().ValidatedCurrent().ok());
}

TEST(StatsRegion, CorruptHeaderIsRejectedByName) {
  testing::TempDir dir;
  auto s = StatsRegion::Create(dir.File("stats"), StatsGeometry{4, 8, 16});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(StatsRegion::Open(dir.File("stats")).ok());
  s->header()->num_drops = 1;
  EXPECT_THAT(
      std::string(StatsRegion::Open(dir.File("stats")).status().message()),
      HasSubstr("drop reasons"));
  s->header()->magic = 0;
  EXPECT_THAT(
      std::string(StatsRegion::Open(dir.File("stats")).status().message()),
      HasSubstr("bad magic"));
}

TEST(StatsRegion, SumAddsEveryLcore) {
  testing::TempDir dir;
  auto s = StatsRegion::Create(dir.File("stats"), StatsGeometry{4, 8, 16});
  ASSERT_TRUE(s.ok());
  s->counters(0)[DSRLB_CTR_RX_PACKETS] = 5;
  s->counters(3)[DSRLB_CTR_RX_PACKETS] = 7;
  s->drops(2)[DSRLB_DROP_NO_VIP] = 2;
  s->backend_counters(1)[9].packets = 4;
  StatsTotals t = s->Sum();
  EXPECT_EQ(t.counters[DSRLB_CTR_RX_PACKETS], 12u);
  EXPECT_EQ(t.drops[DSRLB_DROP_NO_VIP], 2u);
  EXPECT_EQ(t.backends[9].packets, 4u);
  EXPECT_STREQ(DropName(DSRLB_DROP_NO_VIP), "drop_no_vip");
}

TEST(Geometry, InvalidGeometryIsRejected) {
  EXPECT_FALSE((TableGeometry{8, 64, 12, 100}).Validate().ok());  // not 2^n
  EXPECT_FALSE((TableGeometry{8, 64, 8, 100}).Validate().ok());   // < 2*vips
  EXPECT_FALSE((TableGeometry{8, 1, 16, 100}).Validate().ok());
  EXPECT_FALSE((TableGeometry{8, 64, 16, 0}).Validate().ok());
}

}  // namespace
}  // namespace dsrlb::shm
