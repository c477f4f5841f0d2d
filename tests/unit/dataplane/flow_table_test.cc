// FlowTable on its own: bucket LRU eviction, idle expiry, sizing.
#include "dataplane/pipeline/flow_table.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
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

// The hit probe's key as the pipeline holds it: addresses as loaded from
// the packet, the tail word built by hand from the FlowKey layout
// (sport | dport << 16 | family << 32 | proto << 40 | kind << 48).
struct V4 {
  uint32_t src, dst;
  uint64_t tail;
};
V4 CompactOf(const FlowKey& k) {
  V4 c;
  std::memcpy(&c.src, k.src, 4);
  std::memcpy(&c.dst, k.dst, 4);
  c.tail = uint64_t{k.sport} | uint64_t{k.dport} << 16 | uint64_t{4} << 32 |
           uint64_t{6} << 40;
  return c;
}

TEST(FlowTableTest, HitProbeTakesOnlyLiveEntriesValidatedWithItsMark) {
  FlowTable t(64);
  FlowTable::InsertResult ir;
  const FlowKey k = Key(1);
  const uint64_t h = FlowTable::Hash(k);
  const V4 c = CompactOf(k);
  const uint32_t i = t.Insert(k, h, 100, 50, &ir);
  t.entry(i).backend = 9;
  const FlowTable::Lines lines = t.lines();
  // Insert clears the mark: not validated yet, so no hit.
  EXPECT_EQ(lines.HitV4(c.src, c.dst, c.tail, h, 120, 3), nullptr);
  t.set_mark(i, 3);
  FlowEntry* e = lines.HitV4(c.src, c.dst, c.tail, h, 120, 3);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->backend, 9);
  // Marked in another epoch: no hit.
  EXPECT_EQ(lines.HitV4(c.src, c.dst, c.tail, h, 120, 4), nullptr);
  // Another flow (other source port, other address): no hit.
  const V4 other = CompactOf(Key(2));
  EXPECT_EQ(lines.HitV4(other.src, other.dst, other.tail, h, 120, 3), nullptr);
  EXPECT_EQ(lines.HitV4(c.src ^ 1, c.dst, c.tail, h, 120, 3), nullptr);
  // The hit at 120 refreshed the stamp: alive until 120 + 50, gone after.
  EXPECT_NE(lines.HitV4(c.src, c.dst, c.tail, h, 170, 3), nullptr);
  EXPECT_EQ(lines.HitV4(c.src, c.dst, c.tail, h, 221, 3), nullptr);
}

TEST(FlowTableTest, FailedHitProbeChangesNothing) {
  FlowTable t(64);
  FlowTable::InsertResult ir;
  FlowTable::FindResult fr;
  const FlowKey k = Key(1);
  const uint64_t h = FlowTable::Hash(k);
  const V4 c = CompactOf(k);
  const uint32_t i = t.Insert(k, h, 100, 50, &ir);
  t.set_mark(i, 2);
  // Expired at 151: the probe says no and leaves the entry in place (the
  // caller's Find then reports kExpired and counts it).
  EXPECT_EQ(t.lines().HitV4(c.src, c.dst, c.tail, h, 151, 2), nullptr);
  EXPECT_EQ(t.Occupied(), 1u);
  EXPECT_EQ(t.Find(k, h, 151, &fr), FlowTable::kNone);
  EXPECT_EQ(fr, FlowTable::FindResult::kExpired);
  // A probe with the wrong mark does not refresh the stamp.
  t.Insert(k, h, 100, 50, &ir);
  EXPECT_EQ(t.lines().HitV4(c.src, c.dst, c.tail, h, 140, 7), nullptr);
  EXPECT_EQ(t.Find(k, h, 151, &fr), FlowTable::kNone);
  EXPECT_EQ(fr, FlowTable::FindResult::kExpired);
}

TEST(FlowTableTest, SequentialClientsSpreadOverTheBuckets) {
  // 10^4 flows that differ only in a few low bits (consecutive client
  // addresses, or one client's consecutive ports) in 2^15 entries (4096
  // buckets of 8, 31% full). With a uniform hash a bucket gets more than
  // 8 of them with probability ~6e-4 (Poisson, mean 2.44), so a few
  // evictions at most; a hash that ignores low input bits evicts thousands.
  for (bool vary_port : {false, true}) {
    FlowTable t(1u << 15);
    FlowTable::InsertResult ir;
    uint32_t evicted = 0;
    for (uint32_t f = 0; f < 10000; f++) {
      FlowKey k = Key(vary_port ? static_cast<uint16_t>(1024 + f) : 1024);
      if (!vary_port) {
        k.src[2] = static_cast<uint8_t>(f >> 8);
        k.src[3] = static_cast<uint8_t>(f);
      }
      t.Insert(k, FlowTable::Hash(k), 0, 1000, &ir);
      evicted += ir == FlowTable::InsertResult::kEvicted;
    }
    EXPECT_LE(evicted, 40u) << (vary_port ? "ports" : "addresses");
    EXPECT_EQ(t.Occupied(), 10000u - evicted);
  }
}

TEST(FlowTableTest, LiveCountFollowsInsertsEvictionsExpiryAndErase) {
  FlowTable t(FlowTable::kWays);  // one bucket
  FlowTable::InsertResult ir;
  FlowTable::FindResult fr;
  for (uint16_t p = 0; p < 5; p++)
    t.Insert(Key(p), FlowTable::Hash(Key(p)), 10, 100, &ir);
  EXPECT_EQ(t.live(), 5u);
  for (uint16_t p = 5; p < 12; p++)  // 3 free ways, then 4 evictions
    t.Insert(Key(p), FlowTable::Hash(Key(p)), 20, 100, &ir);
  EXPECT_EQ(t.live(), 8u);
  // Flow 11 idles out (inserted at 20, timeout 100): freed on lookup.
  EXPECT_EQ(t.Find(Key(11), FlowTable::Hash(Key(11)), 121, &fr),
            FlowTable::kNone);
  EXPECT_EQ(fr, FlowTable::FindResult::kExpired);
  EXPECT_EQ(t.live(), 7u);
  t.Erase(t.Find(Key(10), FlowTable::Hash(Key(10)), 30, &fr));
  EXPECT_EQ(t.live(), 6u);
  EXPECT_EQ(t.Occupied(), 6u);
  t.Clear();
  EXPECT_EQ(t.live(), 0u);
}

TEST(FlowTableTest, PrefetchPaysByLiveFlowsNotByCapacity) {
  // 4096 flows at 128 B of lines each fill 512 KiB: one more and the lines
  // no longer fit the cache budget. The capacity does not matter.
  for (uint32_t capacity : {1u << 14, 1u << 21}) {
    FlowTable t(capacity);
    FlowTable::InsertResult ir;
    EXPECT_FALSE(t.prefetch_pays());
    uint32_t f = 0;
    while (t.live() < 4096) {
      FlowKey k = Key(static_cast<uint16_t>(f));
      k.src[1] = static_cast<uint8_t>(f >> 16);
      f++;
      t.Insert(k, FlowTable::Hash(k), 0, 1000, &ir);
    }
    EXPECT_FALSE(t.prefetch_pays()) << capacity;
    for (; t.live() == 4096; f++) {
      FlowKey k = Key(static_cast<uint16_t>(f));
      k.src[1] = static_cast<uint8_t>(f >> 16);
      t.Insert(k, FlowTable::Hash(k), 0, 1000, &ir);
    }
    EXPECT_TRUE(t.prefetch_pays()) << capacity;
  }
}

// Resident set size of this process, bytes.
uint64_t RssBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return uint64_t{resident} * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST(FlowTableTest, MemoryIsResidentFromConstructionNotFaultedUnderTraffic) {
  // 2^18 entries: 16 MiB of entry lines (64 B) + 2 MiB of bucket lines
  // (64 B per 8 entries). Made resident by the constructor, so no packet
  // ever takes a page fault on its first touch of a line.
  const uint64_t before = RssBytes();
  FlowTable t(1u << 18);
  const uint64_t grown = RssBytes() - before;
  EXPECT_GE(grown, (uint64_t{18} << 20) - (uint64_t{1} << 20)) << grown;
  EXPECT_EQ(t.Occupied(), 0u);  // and still empty
}

}  // namespace
}  // namespace dsrlb::dataplane
