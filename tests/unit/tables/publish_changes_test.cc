// Publishing the state's changes (Publisher::PublishChanges over
// LbState::ChangesSince), as dsrlb-control does: a change of one virtual
// server reads, compares and writes that virtual server alone and leaves
// every other record's bytes as they were; and any sequence of such
// publishes ends in exactly the table a fresh publisher builds in full
// from the final state (a differential test, fixed seeds). Work is read
// from the publisher's counters and the region's bytes, never a clock.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "controlplane/tables/publisher.h"
#include "dataplane/shm/mapped_file.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/tables/vip_bytes.h"

namespace dsrlb::api {
namespace {

constexpr int kVs = 64, kRs = 4;

IpAddress Ip(const std::string& s) { return *IpAddress::Parse(s); }
// Two virtual servers per address (ports 80 and 443), so that a VIP's
// activity touches both.
VsKey Vs(int v) {
  return VsKey{Ip("10.100.0." + std::to_string(v / 2 + 1)),
               static_cast<uint16_t>(v % 2 ? 443 : 80), config::Protocol::kTcp};
}
// LVS-DR: a real server listens on its virtual server's port.
RsKey Rs(int v, int r) {
  return RsKey{Ip("172.16." + std::to_string(v) + "." + std::to_string(r + 1)),
               Vs(v).port};
}
Mac MacOf(int v, int r, uint8_t n) {
  return Mac{2, n, 0, 0, uint8_t(v), uint8_t(r)};
}

std::vector<uint8_t> Bytes(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  return {b, b + n};
}

// The whole slot a reader validates, but for the generation (and the
// checksum, which folds it in): header from hash_seed on, VIP index,
// every VIP's bytes, and the checksum's record and ring sums.
struct SlotBytes {
  std::vector<uint8_t> header, index;
  std::vector<VipBytes> vips;
  uint64_t record_sum = 0, ring_sum = 0;
};

SlotBytes SlotBytesOf(const shm::SlotView& s) {
  const size_t from = offsetof(dsrlb_slot_header, hash_seed);
  SlotBytes out;
  out.header = Bytes(reinterpret_cast<const uint8_t*>(s.hdr) + from,
                     sizeof(dsrlb_slot_header) - from);
  out.index = Bytes(s.vip_index, 2 * s.geometry.vip_index_size);
  out.vips = AllBytes(s);
  out.record_sum = s.RecordSum();
  out.ring_sum = s.RingSum();
  return out;
}

class Region {
 public:
  explicit Region(const std::string& path) {
    auto f = shm::MappedFile::Open(path, false);
    EXPECT_TRUE(f.ok()) << f.status();
    file_.emplace(std::move(*f));
    region_ = *shm::TableRegion::FromMemory(file_->data(), file_->size());
  }
  const shm::SlotView& Current() const {
    return region_.slot(static_cast<int>(region_.LoadGeneration() & 1));
  }
  const shm::SlotView& Inactive() const {
    return region_.slot(static_cast<int>((region_.LoadGeneration() + 1) & 1));
  }
  // The slot in force, its checksum recomputed from scratch.
  absl::StatusOr<const shm::SlotView*> Validated() const {
    return region_.ValidatedCurrent();
  }

 private:
  std::optional<shm::MappedFile> file_;
  shm::TableRegion region_;
};

class PublishChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int v = 0; v < kVs; v++) {
      ASSERT_TRUE(state_.AddVirtualServer(Vs(v), config::LbAlgo::kWrr, 0).ok());
      for (int r = 0; r < kRs; r++) {
        ASSERT_TRUE(state_.AddRealServer(Vs(v), Rs(v, r), 1).ok());
        state_.SetNeighbor(Rs(v, r).address, NeighborState{MacOf(v, r, 0), ""});
      }
    }
    options_.ring_size = 251;
    publisher_ = *Publisher::Create(dir_.File("table"), "", options_);
    // The first publish fills one slot, the second the other: from then on
    // both are known and changes are patched.
    PublishChanges();
    PublishChanges();
    EXPECT_TRUE(last_read_whole_);
    region_.emplace(dir_.File("table"));
  }

  void PublishChanges() {
    auto g = publisher_->PublishChanges([this](uint64_t since) {
      StateChanges c = state_.ChangesSince(since);
      last_read_whole_ = c.whole;
      return c;
    });
    ASSERT_TRUE(g.ok()) << g.status();
  }

  // A fresh publisher, in a file of its own, builds the state's table in
  // full (every record written, no ring reused): what the table in force
  // must equal, byte for byte but for the generation.
  void ExpectSameAsFreshFullBuild() {
    const std::string path = dir_.File("fresh" + std::to_string(fresh_++));
    auto fresh = *Publisher::Create(path, "", options_);
    fresh->SetPatching(false);
    ASSERT_TRUE(fresh->Publish(state_.Snapshot()).ok());
    Region want(path);
    auto w = want.Validated();
    ASSERT_TRUE(w.ok()) << w.status();
    auto got = region_->Validated();
    ASSERT_TRUE(got.ok()) << got.status();
    const SlotBytes have = SlotBytesOf(**got), want_bytes = SlotBytesOf(**w);
    EXPECT_TRUE(have.header == want_bytes.header);
    EXPECT_TRUE(have.index == want_bytes.index);
    EXPECT_EQ(have.record_sum, want_bytes.record_sum);
    EXPECT_EQ(have.ring_sum, want_bytes.ring_sum);
    ASSERT_EQ(have.vips.size(), want_bytes.vips.size());
    int differ = 0;
    for (size_t v = 0; v < have.vips.size(); v++)
      if (have.vips[v] != want_bytes.vips[v] && differ++ < 3)
        ADD_FAILURE() << "VIP record " << v << " differs from a full build";
  }

  testing::TempDir dir_;
  LbState state_{nullptr};
  TableOptions options_;
  std::unique_ptr<Publisher> publisher_;
  std::optional<Region> region_;
  bool last_read_whole_ = false;
  int fresh_ = 0;
};

TEST_F(PublishChangesTest, OneWeightChangeTouchesOneVirtualServerOnly) {
  const auto target_before = AllBytes(region_->Inactive());
  const auto active_before = AllBytes(region_->Current());
  ASSERT_TRUE(state_.SetWeight(Vs(17), Rs(17, 2), 7).ok());
  PublishChanges();

  // Read and compared: the one virtual server the state marked, not 64.
  EXPECT_FALSE(last_read_whole_);
  const tables::PublishWork w = publisher_->LastWork();
  EXPECT_TRUE(w.patched);
  EXPECT_EQ(w.vs_compared, 1u);
  EXPECT_EQ(w.rings_built, 1u);
  EXPECT_EQ(w.vips_written, 1u);
  EXPECT_EQ(w.backends_written, uint32_t{kRs});
  const PublishedTable p = publisher_->Published();
  const uint32_t changed = p.vip_index.at(Vs(17));
  const auto after = AllBytes(region_->Current());
  ASSERT_EQ(after.size(), size_t{kVs});
  for (uint32_t v = 0; v < after.size(); v++) {
    if (v == changed) {
      EXPECT_NE(after[v], target_before[v]);
    } else {
      EXPECT_EQ(after[v], target_before[v]) << "VIP record " << v;
    }
  }
  // The slot readers left is not touched.
  EXPECT_EQ(AllBytes(region_->Inactive()), active_before);
  EXPECT_EQ(p.state_version, state_.Version());
  ExpectSameAsFreshFullBuild();
}

TEST_F(PublishChangesTest, AVipGoingInactiveTouchesBothOfItsServices) {
  state_.SetVipActive(Vs(8).address, false);
  PublishChanges();
  EXPECT_FALSE(last_read_whole_);
  const tables::PublishWork w = publisher_->LastWork();
  EXPECT_TRUE(w.patched);
  EXPECT_EQ(w.vs_compared, 2u);
  EXPECT_EQ(w.vips_written, 2u);
  const PublishedTable p = publisher_->Published();
  const shm::SlotView& s = region_->Current();
  EXPECT_EQ(s.vips[p.vip_index.at(Vs(8))].flags & DSRLB_VIP_ACTIVE, 0u);
  EXPECT_EQ(s.vips[p.vip_index.at(Vs(9))].flags & DSRLB_VIP_ACTIVE, 0u);
  EXPECT_NE(s.vips[p.vip_index.at(Vs(10))].flags & DSRLB_VIP_ACTIVE, 0u);
  ExpectSameAsFreshFullBuild();
}

TEST_F(PublishChangesTest, ANewMacOrServerReadsTheWholeStateThenPatches) {
  state_.SetNeighbor(Rs(3, 1).address, NeighborState{MacOf(3, 1, 9), ""});
  PublishChanges();
  EXPECT_TRUE(last_read_whole_);
  EXPECT_FALSE(publisher_->LastWork().patched);
  ExpectSameAsFreshFullBuild();
  ASSERT_TRUE(state_.RemoveRealServer(Vs(5), Rs(5, 3)).ok());
  PublishChanges();
  EXPECT_TRUE(last_read_whole_);
  EXPECT_EQ(publisher_->LastWork().vs_compared, uint32_t{kVs});
  // The other slot holds the other shape: once more in full, then patches.
  ASSERT_TRUE(state_.SetDrain(Vs(40), Rs(40, 0), true).ok());
  PublishChanges();
  EXPECT_TRUE(last_read_whole_);
  ASSERT_TRUE(state_.SetDrain(Vs(40), Rs(40, 0), false).ok());
  PublishChanges();
  EXPECT_FALSE(last_read_whole_);
  EXPECT_TRUE(publisher_->LastWork().patched);
  EXPECT_EQ(publisher_->LastWork().vs_compared, 1u);
}

TEST_F(PublishChangesTest, NothingChangedReadsNoVirtualServer) {
  PublishChanges();  // the state did not change since the last publish
  EXPECT_FALSE(last_read_whole_);
  EXPECT_EQ(publisher_->LastWork().vs_compared, 0u);
  EXPECT_EQ(publisher_->LastWork().rings_built, 0u);
  ExpectSameAsFreshFullBuild();
}

// One random change of what the table reads, keeping the shape.
void RandomChange(std::mt19937& rng, LbState& state) {
  const int v = static_cast<int>(rng() % kVs),
            r = static_cast<int>(rng() % kRs);
  switch (rng() % 7) {
    case 0:
    case 1:
      ASSERT_TRUE(state.SetWeight(Vs(v), Rs(v, r), rng() % 6).ok());
      break;
    case 2:
      ASSERT_TRUE(state.SetDrain(Vs(v), Rs(v, r), rng() % 2).ok());
      break;
    case 3: {
      std::optional<uint32_t> check_weight;
      if (rng() % 3 == 0) check_weight = rng() % 4;
      ASSERT_TRUE(
          state.SetHealth(Vs(v), Rs(v, r), rng() % 3 != 0, "t", check_weight)
              .ok());
      break;
    }
    case 4:
      state.SetVipActive(Vs(v).address, rng() % 4 != 0);
      break;
    case 5: {
      const config::LbAlgo algo =
          rng() % 2 ? config::LbAlgo::kSh : config::LbAlgo::kWrr;
      ASSERT_TRUE(
          state.EditVirtualServer(Vs(v), algo, rng() % 2 ? 0 : 300).ok());
      break;
    }
    default:
      // A new MAC: a new shape, read whole (rarely).
      if (rng() % 4 == 0)
        state.SetNeighbor(Rs(v, r).address,
                          NeighborState{MacOf(v, r, uint8_t(rng())), ""});
      break;
  }
}

TEST_F(PublishChangesTest, RandomChangesEndInTheFullBuildOfTheFinalState) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    int patched = 0;
    for (int step = 0; step < 60; step++) {
      const int n = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < n; k++) RandomChange(rng, state_);
      PublishChanges();
      if (publisher_->LastWork().patched) patched++;
      if (step % 20 == 19) ExpectSameAsFreshFullBuild();
      if (HasFailure()) FAIL() << "seed " << seed << " step " << step;
    }
    // Most of them were patches (a new MAC costs two full publishes).
    EXPECT_GT(patched, 30) << "seed " << seed;
    ExpectSameAsFreshFullBuild();
  }
}

}  // namespace
}  // namespace dsrlb::api
