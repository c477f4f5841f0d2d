// The contract header's layout, as a C compiler and a C++ compiler see it.
#include <gtest/gtest.h>

#include "dataplane/shm/dsrlb_shm.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::shm {
namespace {

TEST(Layout, RecordsAreCacheLineSized) {
  EXPECT_EQ(sizeof(dsrlb_vip), 64u);
  EXPECT_EQ(sizeof(dsrlb_backend), 64u);
  EXPECT_EQ(sizeof(dsrlb_slot_header), 64u);
  EXPECT_EQ(sizeof(dsrlb_lcore_stats), 64u);
}

TEST(Layout, SlotArraysAreAlignedAndDoNotOverlap) {
  TableGeometry g;
  dsrlb_slot_layout l = g.Layout();
  EXPECT_EQ(l.vips_offset % 64, 0u);
  EXPECT_EQ(l.backends_offset % 64, 0u);
  EXPECT_GE(l.vips_offset, l.vip_index_offset + 2 * g.vip_index_size);
  EXPECT_EQ(l.backends_offset, l.vips_offset + 64ull * g.max_vips);
  EXPECT_EQ(l.rings_offset, l.backends_offset + 64ull * g.max_backends);
  EXPECT_GE(l.slot_size, l.rings_offset + 2ull * g.ring_pool_entries);
}

TEST(Layout, LcoreBlocksAreCacheLineMultiples) {
  StatsGeometry g{3, 7, 9};
  EXPECT_EQ(g.Layout().block_size % 64, 0u);
  EXPECT_EQ(g.Layout().counters_offset, sizeof(dsrlb_lcore_stats));
}

TEST(Layout, HashIsPinned) {
  // Any change here changes which backend every scheduler picks: it needs a
  // new DSRLB_HASH_* id, not an edit.
  const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {192, 168, 4, 15};
  EXPECT_EQ(dsrlb_flow_hash(0, DSRLB_AF_INET, src, dst, 12345, 80, 6, 0),
            0x233216132cbefbb2ULL);
  EXPECT_EQ(dsrlb_ring_index(0xffffffff00000000ULL, 65537), 65536u);
  EXPECT_EQ(dsrlb_ring_index(0, 65537), 0u);
}

}  // namespace
}  // namespace dsrlb::shm
