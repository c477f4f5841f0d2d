// The stats region's connection counts (format version 4): written per
// lcore and backend by one side, read back and summed by a reader that
// maps the file on its own, apart from the packet counters beside them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/shm/stats_region.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::shm {
namespace {

using ::testing::HasSubstr;

TEST(StatsConns, WrittenPerLcoreReadBackSummedByAnotherMapping) {
  testing::TempDir dir;
  const StatsGeometry g{4, 8, 16};
  auto w = StatsRegion::Create(dir.File("stats"), g);
  ASSERT_TRUE(w.ok()) << w.status();
  // Backend 3 has flows on two lcores; backend 15 (the last record) on one.
  w->conn_counters(0)[3] = {10, 4, 1};
  w->conn_counters(2)[3] = {5, 2, 3};
  w->conn_counters(3)[15] = {1, 0, 1};
  // The packet counters next to them keep their own values.
  w->backend_counters(3)[15] = {UINT64_MAX, UINT64_MAX};
  w->vip_counters(1)[7] = {9, 900};

  auto r = StatsRegion::Open(dir.File("stats"));
  ASSERT_TRUE(r.ok()) << r.status();
  const StatsTotals t = r->Sum();
  ASSERT_EQ(t.conns.size(), 16u);
  EXPECT_EQ(t.conns[3].new_conns, 15u);
  EXPECT_EQ(t.conns[3].active, 6u);
  EXPECT_EQ(t.conns[3].inactive, 4u);
  EXPECT_EQ(t.conns[15].new_conns, 1u);
  EXPECT_EQ(t.conns[15].active, 0u);
  EXPECT_EQ(t.conns[15].inactive, 1u);
  EXPECT_EQ(t.backends[15].packets, UINT64_MAX);
  EXPECT_EQ(t.vips[7].bytes, 900u);
  for (size_t b : {0, 1, 2, 4, 14}) {
    EXPECT_EQ(t.conns[b].new_conns + t.conns[b].active + t.conns[b].inactive,
              0u)
        << "record " << b;
  }
}

TEST(StatsConns, GaugesSumPast32BitsAcrossLcores) {
  testing::TempDir dir;
  auto w = StatsRegion::Create(dir.File("stats"), StatsGeometry{3, 2, 2});
  ASSERT_TRUE(w.ok());
  for (uint32_t l = 0; l < 3; l++)
    w->conn_counters(l)[1] = {0, 0x80000000u, 0xffffffffu};
  const StatsTotals t = w->Sum();
  EXPECT_EQ(t.conns[1].active, 3ull * 0x80000000u);
  EXPECT_EQ(t.conns[1].inactive, 3ull * 0xffffffffu);
}

TEST(StatsConns, ConnsFollowTheBackendsInsideTheLcoreBlock) {
  const dsrlb_lcore_layout l = dsrlb_compute_lcore_layout(8, 16);
  EXPECT_EQ(l.conns_offset, l.backends_offset + 16 * sizeof(dsrlb_pkt_bytes));
  EXPECT_GE(l.block_size, l.conns_offset + 16 * sizeof(dsrlb_conn_counts));
  EXPECT_EQ(l.block_size % DSRLB_CACHE_LINE, 0u);
  EXPECT_EQ(l.conns_offset % 8, 0u);
}

TEST(StatsConns, ARegionOfTheFormerVersionIsRefused) {
  testing::TempDir dir;
  auto w = StatsRegion::Create(dir.File("stats"), StatsGeometry{2, 4, 4});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->header()->version, 4u);
  w->header()->version = 3;  // a dataplane from before connection counts
  EXPECT_THAT(
      std::string(StatsRegion::Open(dir.File("stats")).status().message()),
      HasSubstr("format version 3"));
}

}  // namespace
}  // namespace dsrlb::shm
