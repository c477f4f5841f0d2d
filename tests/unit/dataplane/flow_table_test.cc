// FlowTable on its own: bucket LRU eviction, idle expiry, sizing.
#include "dataplane/pipeline/flow_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace dsrlb::dataplane {
namespace {

FlowKey Key(uint16_t sport) {
  FlowKey k{};
  k.src[0] = 192;
  k.src[3] = 10;
  k.dst[0] = 10;
  k.dst[3] = 1;
  k.sport = sport;
  k.dport = 80;
  k.family = 4;
  k.proto = 6;
  return k;
}

TEST(FlowTableTest, CapacityIsRoundedUpToAPowerOfTwoOfWholeBuckets) {
  EXPECT_EQ(FlowTable(1).capacity(), FlowTable::kWays);
  EXPECT_EQ(FlowTable(1000).capacity(), 1024u);
  EXPECT_EQ(FlowTable(1024).capacity(), 1024u);
}

TEST(FlowTableTest, FindsWhatWasInsertedAndNothingElse) {
  FlowTable t(64);
  FlowTable::InsertResult ir;
  uint32_t i = t.Insert(Key(1), FlowTable::Hash(Key(1)), 100, 50, &ir);
  EXPECT_EQ(ir, FlowTable::InsertResult::kFree);
  t.entry(i).backend = 7;
  FlowTable::FindResult fr;
  uint32_t j = t.Find(Key(1), FlowTable::Hash(Key(1)), 120, &fr);
  ASSERT_EQ(fr, FlowTable::FindResult::kHit);
  EXPECT_EQ(t.entry(j).backend, 7);
  EXPECT_EQ(t.Find(Key(2), FlowTable::Hash(Key(2)), 120, &fr),
            FlowTable::kNone);
  EXPECT_EQ(fr, FlowTable::FindResult::kMiss);
}

TEST(FlowTableTest, FullBucketEvictsItsLeastRecentlyUsedEntry) {
  FlowTable t(FlowTable::kWays);  // one bucket: every key collides
  FlowTable::InsertResult ir;
  FlowTable::FindResult fr;
  for (uint16_t p = 0; p < FlowTable::kWays; p++) {
    t.Insert(Key(p), FlowTable::Hash(Key(p)), 10 + p, 1000, &ir);
    EXPECT_EQ(ir, FlowTable::InsertResult::kFree);
  }
  // Everyone but flow 3 is used again; flow 3 is now the oldest.
  for (uint16_t p = 0; p < FlowTable::kWays; p++)
    if (p != 3) t.Touch(t.Find(Key(p), FlowTable::Hash(Key(p)), 50, &fr), 50);
  t.Insert(Key(100), FlowTable::Hash(Key(100)), 60, 1000, &ir);
  EXPECT_EQ(ir, FlowTable::InsertResult::kEvicted);
  EXPECT_EQ(t.Find(Key(3), FlowTable::Hash(Key(3)), 61, &fr), FlowTable::kNone);
  for (uint16_t p : {0, 1, 2, 4, 5, 6, 7, 100})
    EXPECT_NE(t.Find(Key(p), FlowTable::Hash(Key(p)), 61, &fr),
              FlowTable::kNone)
        << p;
  EXPECT_EQ(t.Occupied(), FlowTable::kWays);
}

TEST(FlowTableTest, IdleEntryExpiresAndItsWayIsReclaimedAsExpired) {
  FlowTable t(FlowTable::kWays);
  FlowTable::InsertResult ir;
  FlowTable::FindResult fr;
  t.Insert(Key(1), FlowTable::Hash(Key(1)), 0, 100, &ir);
  EXPECT_NE(t.Find(Key(1), FlowTable::Hash(Key(1)), 100, &fr),
            FlowTable::kNone);
  EXPECT_EQ(t.Find(Key(1), FlowTable::Hash(Key(1)), 101, &fr),
            FlowTable::kNone);
  EXPECT_EQ(fr, FlowTable::FindResult::kExpired);
  EXPECT_EQ(t.Occupied(), 0u);

  // A full bucket whose oldest entry has idled out reports kExpired.
  for (uint16_t p = 0; p < FlowTable::kWays; p++)
    t.Insert(Key(p), FlowTable::Hash(Key(p)), p == 5 ? 0 : 500, 100, &ir);
  t.Insert(Key(99), FlowTable::Hash(Key(99)), 550, 100, &ir);
  EXPECT_EQ(ir, FlowTable::InsertResult::kExpired);
  EXPECT_EQ(t.Find(Key(5), FlowTable::Hash(Key(5)), 550, &fr),
            FlowTable::kNone);
}

TEST(FlowTableTest, StampsSurviveTheClockWrapping) {
  FlowTable t(64);
  FlowTable::InsertResult ir;
  FlowTable::FindResult fr;
  const uint32_t near_wrap = UINT32_MAX - 10;
  t.Insert(Key(1), FlowTable::Hash(Key(1)), near_wrap, 100, &ir);
  EXPECT_NE(t.Find(Key(1), FlowTable::Hash(Key(1)), near_wrap + 50, &fr),
            FlowTable::kNone);
  EXPECT_EQ(t.Find(Key(1), FlowTable::Hash(Key(1)), near_wrap + 200, &fr),
            FlowTable::kNone);
  EXPECT_EQ(fr, FlowTable::FindResult::kExpired);
}

TEST(FlowTableTest, TimeoutUnitsTrackSeconds) {
  // 2^20 ns per unit: 1 s is 953 units, and the clock agrees.
  EXPECT_EQ(FlowTable::TimeoutUnits(1), 953u);
  EXPECT_EQ(FlowTable::Now(10'000'000'000ull) - FlowTable::Now(0),
            FlowTable::TimeoutUnits(10));
}

}  // namespace
}  // namespace dsrlb::dataplane
