// Incremental publish: after a change of one virtual server only its ring
// is built, unchanged rings are left in place or copied, and the table is
// the one a full build gives (same rings, checksum valid from scratch).
#include <gtest/gtest.h>

#include "controlplane/tables/table_builder.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::tables {
namespace {

TableSpec Spec(uint32_t weight_of_vip1) {
  TableSpec spec;
  spec.ring_size = 251;
  for (int v = 0; v < 3; v++) {
    VipSpec vip;
    vip.address = *IpAddress::Parse("192.168.4." + std::to_string(10 + v));
    vip.port = 80;
    for (int b = 0; b < 2; b++) {
      BackendSpec be;
      be.address = *IpAddress::Parse("10.0." + std::to_string(v) + "." +
                                     std::to_string(b + 1));
      be.weight = v == 1 && b == 0 ? weight_of_vip1 : 1;
      vip.backends.push_back(be);
    }
    spec.vips.push_back(vip);
  }
  return spec;
}

std::vector<uint16_t> RingOf(const shm::SlotView& s, int v) {
  return std::vector<uint16_t>(s.Ring(v), s.Ring(v) + s.RingSize(v));
}

TEST(RingReuse, OneChangeBuildsOneRingAndTheTableMatchesAFullBuild) {
  testing::TempDir dir;
  auto w = shm::TableWriter::Create(dir.File("t"), shm::TableGeometry{});
  ASSERT_TRUE(w.ok());
  std::vector<RingRecord> slot_rings[2];
  auto publish = [&](const TableSpec& spec) {
    RingReuse r;
    uint64_t g = w->region().LoadGeneration();
    if (g > 0) r.from = &w->region().slot(static_cast<int>(g & 1));
    r.from_rings = &slot_rings[g & 1];
    r.target_rings = &slot_rings[(g + 1) & 1];
    EXPECT_TRUE(PublishSpec(*w, spec, nullptr, &r).ok());
    slot_rings[(g + 1) & 1] = r.rings;
    return r;
  };
  RingReuse first = publish(Spec(1));
  EXPECT_EQ(first.rebuilt.size(), 3u);
  RingReuse second = publish(Spec(3));
  EXPECT_EQ(second.rebuilt, std::vector<uint32_t>{1});
  EXPECT_EQ(second.copied, 2u);
  // The slot of generation 1 still holds VIPs 0 and 2 where they belong.
  RingReuse third = publish(Spec(3));
  EXPECT_TRUE(third.rebuilt.empty());
  EXPECT_EQ(third.copied, 1u);

  auto current = w->region().ValidatedCurrent();  // checksum from scratch
  ASSERT_TRUE(current.ok()) << current.status();
  testing::TempDir other;
  auto full = shm::TableWriter::Create(other.File("t"), shm::TableGeometry{});
  ASSERT_TRUE(full.ok());
  ASSERT_TRUE(PublishSpec(*full, Spec(3), nullptr).ok());
  auto want = full->region().ValidatedCurrent();
  ASSERT_TRUE(want.ok());
  for (int v = 0; v < 3; v++)
    EXPECT_EQ(RingOf(**current, v), RingOf(**want, v)) << "VIP " << v;
}

}  // namespace
}  // namespace dsrlb::tables
