// The publish protocol between one table writer and lcore readers.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::shm {
namespace {

constexpr uint32_t kRing = 251;

tables::TableSpec SpecForGeneration(uint64_t g) {
  tables::TableSpec spec;
  spec.ring_size = kRing;
  spec.hash_seed = g;  // every generation differs in header and rings
  for (int v = 0; v < 3; v++) {
    tables::VipSpec vip;
    vip.address = *IpAddress::Parse("10.0.0." + std::to_string(v + 1));
    vip.port = 80;
    for (int b = 0; b < 4; b++) {
      tables::BackendSpec be;
      be.address = *IpAddress::Parse("10.1." + std::to_string(v) + "." +
                                     std::to_string(b + 1));
      be.weight = 1 + static_cast<uint32_t>((g + b) % 5);
      be.state = (g + b + v) % 7 == 0 ? DSRLB_BACKEND_DOWN : DSRLB_BACKEND_UP;
      vip.backends.push_back(be);
    }
    spec.vips.push_back(vip);
  }
  return spec;
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = TableWriter::Create(dir_.File("table"),
                                 TableGeometry{8, 64, 16, 4 * kRing});
    ASSERT_TRUE(w.ok()) << w.status();
    writer_.emplace(std::move(*w));
    auto s = StatsRegion::Create(dir_.File("stats"), StatsGeometry{4, 8, 64});
    ASSERT_TRUE(s.ok()) << s.status();
    stats_.emplace(std::move(*s));
  }

  absl::Status Publish(uint64_t g, PublishOptions options = {}) {
    auto slot = writer_->BeginPublish(&*stats_, options);
    if (!slot.ok()) return slot.status();
    absl::Status st = tables::FillSlot(SpecForGeneration(g), *slot);
    if (!st.ok()) return st;
    return writer_->CommitPublish().status();
  }

  dsrlb_lcore_stats* Lcore(uint32_t i) {
    dsrlb_lcore_stats* l = stats_->lcore(i);
    l->lcore_id = i;
    // As the worker does: the writer reads lcore_id after it sees ACTIVE.
    __atomic_store_n(&l->flags, DSRLB_LCORE_ACTIVE, __ATOMIC_RELEASE);
    return l;
  }

  testing::TempDir dir_;
  std::optional<TableWriter> writer_;
  std::optional<StatsRegion> stats_;
};

TEST_F(PublishTest, ReadersNeverSeeATornOrMixedTable) {
  constexpr int kReaders = 2;
  constexpr uint64_t kGenerations = 3000;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> checked{0}, torn{0}, lookups{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; r++) {
    readers.emplace_back([&, r] {
      dsrlb_lcore_stats* lcore = Lcore(static_cast<uint32_t>(r));
      TableReader reader(&writer_->region(), lcore);
      uint8_t vip[16] = {10, 0, 0, 2};
      while (!stop.load(std::memory_order_relaxed)) {
        const SlotView* s = reader.Acquire();
        __atomic_store_n(&lcore->heartbeat, lcore->heartbeat + 1,
                         __ATOMIC_RELAXED);
        if (s == nullptr) continue;
        // Use the table as a worker would, then prove it was whole.
        int v = s->FindVip(DSRLB_AF_INET, vip, 6, 80);
        if (v >= 0)
          lookups += s->Ring(v)[lookups % kRing] < s->hdr->num_backends;
        bool whole = s->hdr->generation == reader.generation() &&
                     s->hdr->hash_seed == reader.generation() &&
                     s->ComputeChecksum() == s->hdr->checksum && v == 1;
        if (!whole) torn++;
        checked++;
      }
    });
  }
  for (uint64_t g = 1; g <= kGenerations; g++) {
    absl::Status st = Publish(g);
    ASSERT_TRUE(st.ok()) << "generation " << g << ": " << st;
  }
  // Let readers check the last table too.
  auto seen = [&](uint32_t l) {
    return __atomic_load_n(&stats_->lcore(l)->seen_generation,
                           __ATOMIC_ACQUIRE);
  };
  while (seen(0) != kGenerations || seen(1) != kGenerations)
    std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(checked.load(), kGenerations);
  EXPECT_GT(lookups.load(), 0u);
  EXPECT_EQ(writer_->region().LoadGeneration(), kGenerations);
}

TEST_F(PublishTest, WriterDoesNotReuseTheSlotOfALiveReader) {
  dsrlb_lcore_stats* lcore = Lcore(0);
  TableReader reader(&writer_->region(), lcore);
  ASSERT_TRUE(Publish(1).ok());
  ASSERT_NE(reader.Acquire(), nullptr);  // reader on generation 1, slot 1
  ASSERT_TRUE(Publish(2).ok());          // slot 0: free, no wait

  // Generation 3 needs slot 1 back. The reader is alive (heartbeat moving)
  // but has not looked at the table again: the writer must wait and give up.
  std::atomic<bool> stop{false};
  std::thread beat([&] {
    while (!stop) {
      __atomic_add_fetch(&lcore->heartbeat, 1, __ATOMIC_RELAXED);
      std::this_thread::yield();
    }
  });
  PublishOptions opts{absl::Milliseconds(200), absl::Seconds(10)};
  absl::Status st = Publish(3, opts);
  EXPECT_TRUE(absl::IsDeadlineExceeded(st)) << st;
  EXPECT_EQ(writer_->region().LoadGeneration(), 2u);
  EXPECT_EQ(reader.generation(), 1u);
  EXPECT_EQ(writer_->region().slot(1).hdr->generation, 1u) << "slot reused";

  // Once the reader moves on, the same publish goes through.
  EXPECT_EQ(reader.Acquire()->hdr->generation, 2u);
  EXPECT_TRUE(Publish(3, opts).ok());
  stop = true;
  beat.join();
}

TEST_F(PublishTest, DeadReaderDoesNotBlockTheWriterForever) {
  dsrlb_lcore_stats* lcore = Lcore(0);
  TableReader reader(&writer_->region(), lcore);
  ASSERT_TRUE(Publish(1).ok());
  ASSERT_NE(reader.Acquire(), nullptr);
  ASSERT_TRUE(Publish(2).ok());
  // The reader never runs again and its heartbeat stands still.
  PublishOptions opts{absl::Seconds(30), absl::Milliseconds(50)};
  absl::Time start = absl::Now();
  EXPECT_TRUE(Publish(3, opts).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
  EXPECT_EQ(writer_->region().LoadGeneration(), 3u);
}

TEST_F(PublishTest, StoppedDataplaneIsNotWaitedFor) {
  dsrlb_lcore_stats* lcore = Lcore(0);
  TableReader reader(&writer_->region(), lcore);
  ASSERT_TRUE(Publish(1).ok());
  ASSERT_NE(reader.Acquire(), nullptr);
  ASSERT_TRUE(Publish(2).ok());
  stats_->header()->running = 0;
  PublishOptions opts{absl::Milliseconds(1), absl::Seconds(30)};
  EXPECT_TRUE(Publish(3, opts).ok());
}

TEST_F(PublishTest, ReaderWithNoTableYetHoldsNothing) {
  dsrlb_lcore_stats* lcore = Lcore(0);
  TableReader reader(&writer_->region(), lcore);
  EXPECT_EQ(reader.Acquire(), nullptr);
  PublishOptions opts{absl::Milliseconds(1), absl::Seconds(30)};
  for (uint64_t g = 1; g <= 3; g++) EXPECT_TRUE(Publish(g, opts).ok());
}

TEST_F(PublishTest, FailedFillLeavesTheCurrentTable) {
  ASSERT_TRUE(Publish(1).ok());
  tables::TableSpec too_big = SpecForGeneration(2);
  too_big.vips.resize(9);  // region holds 8
  EXPECT_TRUE(absl::IsResourceExhausted(
      tables::PublishSpec(*writer_, too_big, &*stats_)));
  EXPECT_EQ(writer_->region().LoadGeneration(), 1u);
  EXPECT_TRUE(writer_->region().ValidatedCurrent().ok());
}

}  // namespace
}  // namespace dsrlb::shm
