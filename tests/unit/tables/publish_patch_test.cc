// A change of one virtual server is patched into the inactive slot: one
// ring built, that virtual server's records written, every other virtual
// server's records and ring bytes left as they were, and the table the
// same as a full build of the same state (checksum recomputed from
// scratch). What is written is read from the publisher's counters and from
// the region's bytes, never from a clock.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/tables/publisher.h"
#include "dataplane/shm/mapped_file.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/tables/vip_bytes.h"

namespace dsrlb::api {
namespace {

constexpr int kVs = 8, kRs = 4;

IpAddress Ip(const std::string& s) { return *IpAddress::Parse(s); }
VsKey Vs(int v) {
  return VsKey{Ip("10.100.0." + std::to_string(v + 1)), 80,
               config::Protocol::kTcp};
}
RsKey Rs(int v, int r) {
  return RsKey{Ip("172.16." + std::to_string(v) + "." + std::to_string(r + 1)),
               80};
}

class PublishPatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int v = 0; v < kVs; v++) {
      ASSERT_TRUE(state_.AddVirtualServer(Vs(v), config::LbAlgo::kWrr, 0).ok());
      for (int r = 0; r < kRs; r++) {
        ASSERT_TRUE(state_.AddRealServer(Vs(v), Rs(v, r), 1).ok());
        state_.SetNeighbor(
            Rs(v, r).address,
            NeighborState{Mac{2, 0, 0, 0, uint8_t(v), uint8_t(r)}, ""});
      }
    }
    TableOptions options;
    options.ring_size = 251;
    publisher_ = *Publisher::Create(dir_.File("table"), "", options);
    reference_ = *Publisher::Create(dir_.File("reference"), "", options);
    reference_->SetPatching(false);
    // The first publish fills one slot, the second the other (nothing
    // known of it yet): from then on both are known.
    Publish();
    Publish();
    EXPECT_FALSE(publisher_->LastWork().patched);
    region_ = Map(dir_.File("table"), &file_);
    reference_region_ = Map(dir_.File("reference"), &reference_file_);
  }

  static shm::TableRegion Map(const std::string& path,
                              std::optional<shm::MappedFile>* file) {
    auto f = shm::MappedFile::Open(path, false);
    EXPECT_TRUE(f.ok()) << f.status();
    file->emplace(std::move(*f));
    return *shm::TableRegion::FromMemory((*file)->data(), (*file)->size());
  }

  // The same state to both publishers.
  void Publish() {
    const StateSnapshot s = state_.Snapshot();
    ASSERT_TRUE(publisher_->Publish(s).ok());
    ASSERT_TRUE(reference_->Publish(s).ok());
  }

  const shm::SlotView& Current() {
    return region_.slot(static_cast<int>(region_.LoadGeneration() & 1));
  }
  const shm::SlotView& Inactive() {
    return region_.slot(static_cast<int>((region_.LoadGeneration() + 1) & 1));
  }

  // The table the reference publisher built from the same states with
  // every record written (the method before patching): what the patched
  // table must equal, byte for byte, checksum included.
  void ExpectSameAsFullBuild() {
    auto current = region_.ValidatedCurrent();  // checksum from scratch
    ASSERT_TRUE(current.ok()) << current.status();
    auto want = reference_region_.ValidatedCurrent();
    ASSERT_TRUE(want.ok()) << want.status();
    EXPECT_EQ(AllBytes(**current), AllBytes(**want));
    EXPECT_EQ(0, std::memcmp((*current)->vip_index, (*want)->vip_index,
                             2 * region_.geometry().vip_index_size));
    EXPECT_EQ(0, std::memcmp((*current)->hdr, (*want)->hdr,
                             sizeof(dsrlb_slot_header)));
  }

  testing::TempDir dir_;
  LbState state_{nullptr};
  std::unique_ptr<Publisher> publisher_, reference_;
  std::optional<shm::MappedFile> file_, reference_file_;
  shm::TableRegion region_, reference_region_;
};

TEST_F(PublishPatchTest, OneWeightChangeWritesOneVirtualServerAndOneRing) {
  const std::vector<VipBytes> target_before = AllBytes(Inactive());
  const std::vector<VipBytes> active_before = AllBytes(Current());
  ASSERT_TRUE(state_.SetWeight(Vs(3), Rs(3, 0), 5).ok());
  Publish();

  const tables::PublishWork w = publisher_->LastWork();
  EXPECT_TRUE(w.patched);
  EXPECT_EQ(w.rings_built, 1u);
  EXPECT_EQ(w.rings_copied, 0u);
  EXPECT_EQ(w.vips_written, 1u);
  EXPECT_EQ(w.backends_written, uint32_t{kRs});
  // The slot just published: VIP 3 is new, every other VIP's record,
  // backend records and ring bytes are what that slot held before.
  const std::vector<VipBytes> after = AllBytes(Current());
  ASSERT_EQ(after.size(), size_t{kVs});
  for (int v = 0; v < kVs; v++) {
    if (v == 3) {
      EXPECT_NE(after[v].ring, target_before[v].ring);
      EXPECT_NE(after[v].backends, target_before[v].backends);
    } else {
      EXPECT_EQ(after[v], target_before[v]) << "VIP " << v;
    }
  }
  // The table readers left is not touched.
  EXPECT_EQ(AllBytes(Inactive()), active_before);
  ExpectSameAsFullBuild();
}

TEST_F(PublishPatchTest, TheNextChangeAlsoCatchesUpTheSlotItReuses) {
  ASSERT_TRUE(state_.SetWeight(Vs(3), Rs(3, 0), 5).ok());
  Publish();
  const std::vector<VipBytes> target_before = AllBytes(Inactive());
  ASSERT_TRUE(state_.SetHealth(Vs(6), Rs(6, 1), false, "connect refused").ok());
  Publish();

  // The reused slot still had VIP 3 before its change: its ring is copied
  // from the table in force, VIP 6's is built; nothing else is written.
  const tables::PublishWork w = publisher_->LastWork();
  EXPECT_TRUE(w.patched);
  EXPECT_EQ(w.rings_built, 1u);
  EXPECT_EQ(w.rings_copied, 1u);
  EXPECT_EQ(w.vips_written, 2u);
  EXPECT_EQ(w.backends_written, uint32_t{2 * kRs});
  const std::vector<VipBytes> after = AllBytes(Current());
  for (int v = 0; v < kVs; v++) {
    if (v == 3 || v == 6) continue;
    EXPECT_EQ(after[v], target_before[v]) << "VIP " << v;
  }
  ExpectSameAsFullBuild();
  // The failed server is in its record as down and owns no ring entry.
  const shm::SlotView& s = Current();
  const PublishedTable p = publisher_->Published();
  const uint32_t b = p.backends.at({Vs(6), Rs(6, 1)}).index;
  EXPECT_EQ(s.backends[b].state, DSRLB_BACKEND_DOWN);
  EXPECT_EQ(p.backends.at({Vs(6), Rs(6, 1)}).ring_slots, 0u);
  EXPECT_GT(p.backends.at({Vs(6), Rs(6, 0)}).ring_slots, 0u);
}

TEST_F(PublishPatchTest, NoChangeWritesOnlyWhatTheSlotHoldsOutOfDate) {
  ASSERT_TRUE(state_.SetDrain(Vs(2), Rs(2, 3), true).ok());
  Publish();
  Publish();
  tables::PublishWork w = publisher_->LastWork();
  EXPECT_TRUE(w.patched);
  EXPECT_EQ(w.vips_written, 1u);  // VIP 2, copied
  EXPECT_EQ(w.rings_built, 0u);
  Publish();
  w = publisher_->LastWork();
  EXPECT_EQ(w.vips_written, 0u);
  EXPECT_EQ(w.backends_written, 0u);
  ExpectSameAsFullBuild();
}

TEST_F(PublishPatchTest, ANewRealServerRewritesTheTableThenPatchesResume) {
  ASSERT_TRUE(state_.AddRealServer(Vs(1), Rs(1, 9), 1).ok());
  state_.SetNeighbor(Rs(1, 9).address,
                     NeighborState{Mac{2, 1, 1, 1, 1, 9}, ""});
  Publish();
  EXPECT_FALSE(publisher_->LastWork().patched);
  ExpectSameAsFullBuild();
  // The other slot holds the table of another shape: written in full once.
  ASSERT_TRUE(state_.SetWeight(Vs(5), Rs(5, 2), 3).ok());
  Publish();
  EXPECT_FALSE(publisher_->LastWork().patched);
  EXPECT_EQ(publisher_->LastWork().rings_built, 1u);
  ExpectSameAsFullBuild();
  ASSERT_TRUE(state_.SetWeight(Vs(5), Rs(5, 2), 4).ok());
  Publish();
  EXPECT_TRUE(publisher_->LastWork().patched);
  EXPECT_EQ(publisher_->LastWork().rings_built, 1u);
  EXPECT_EQ(publisher_->LastWork().vips_written, 1u);
  ExpectSameAsFullBuild();
}

TEST_F(PublishPatchTest, WithoutPatchingEveryRecordIsWritten) {
  publisher_->SetPatching(false);
  ASSERT_TRUE(state_.SetWeight(Vs(3), Rs(3, 0), 5).ok());
  Publish();
  const tables::PublishWork w = publisher_->LastWork();
  EXPECT_FALSE(w.patched);
  EXPECT_EQ(w.rings_built, 1u);
  EXPECT_EQ(w.vips_written, uint32_t{kVs});
  EXPECT_EQ(w.backends_written, uint32_t{kVs * kRs});
  ExpectSameAsFullBuild();
}

}  // namespace
}  // namespace dsrlb::api
