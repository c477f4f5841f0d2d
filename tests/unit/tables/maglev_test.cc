// Weighted Maglev: determinism, weight -> share, disruption, bad input.
#include "controlplane/tables/maglev.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"

namespace dsrlb::tables {
namespace {

std::vector<MaglevBackend> Backends(int n, auto weight) {
  std::vector<MaglevBackend> b;
  for (int i = 0; i < n; i++) {
    uint8_t addr[16] = {10, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
    b.push_back(MaglevBackend{BackendKey(4, addr, 80), weight(i)});
  }
  return b;
}

std::vector<uint32_t> Shares(const std::vector<uint32_t>& ring, size_t n) {
  std::vector<uint32_t> share(n, 0);
  for (uint32_t e : ring) share[e]++;
  return share;
}

TEST(Maglev, GoldenRingForASmallCase) {
  // Pinned: a change here moves flows between schedulers of different
  // versions. Change the seeds or the algorithm only with a new hash id.
  auto ring = BuildMaglevRing(Backends(3, [](int) { return 1u; }), 13);
  ASSERT_TRUE(ring.ok()) << ring.status();
  EXPECT_THAT(*ring, ::testing::ElementsAreArray(std::vector<uint32_t>{
                         2, 0, 2, 0, 0, 1, 1, 0, 0, 1, 2, 1, 2}));
  auto weighted =
      BuildMaglevRing(Backends(3, [](int i) { return 1u + i; }), 17);
  ASSERT_TRUE(weighted.ok());
  EXPECT_THAT(*weighted,
              ::testing::ElementsAreArray(std::vector<uint32_t>{
                  2, 1, 1, 2, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 1, 2, 2}));
}

TEST(Maglev, InputOrderDoesNotChangeTheRing) {
  auto backends = Backends(50, [](int i) { return 1u + i % 3; });
  auto ring = *BuildMaglevRing(backends, 65537);
  std::vector<uint32_t> perm(backends.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), std::mt19937(42));
  std::vector<MaglevBackend> shuffled;
  for (uint32_t p : perm) shuffled.push_back(backends[p]);
  auto ring2 = *BuildMaglevRing(shuffled, 65537);
  for (size_t i = 0; i < ring.size(); i++)
    ASSERT_EQ(backends[ring[i]].key, shuffled[ring2[i]].key) << "slot " << i;
}

double MaxRelativeShareError(int n, uint32_t m, auto weight) {
  auto backends = Backends(n, weight);
  auto ring = BuildMaglevRing(backends, m);
  EXPECT_TRUE(ring.ok());
  auto share = Shares(*ring, backends.size());
  double total_weight = 0;
  for (auto& b : backends) total_weight += b.weight;
  double worst = 0;
  for (size_t i = 0; i < backends.size(); i++) {
    double want = m * backends[i].weight / total_weight;
    worst = std::max(worst, std::abs(share[i] - want) / want);
  }
  return worst;
}

TEST(Maglev, ShareFollowsWeightWithinOnePercent) {
  // M > 100 N throughout.
  double equal_1000 =
      MaxRelativeShareError(1000, 655373, [](int) { return 1u; });
  double mixed_1000 =
      MaxRelativeShareError(1000, 655373, [](int i) { return 1u + i % 4; });
  double mixed_100 =
      MaxRelativeShareError(100, 65537, [](int i) { return 1u + i % 4; });
  double equal_10 = MaxRelativeShareError(10, 65537, [](int) { return 1u; });
  std::printf(
      "max relative share error: N=1000 equal %.4f%%, N=1000 weights "
      "1-4 %.4f%%, N=100 weights 1-4 %.4f%%, N=10 equal %.4f%%\n",
      100 * equal_1000, 100 * mixed_1000, 100 * mixed_100, 100 * equal_10);
  EXPECT_LT(equal_1000, 0.01);
  EXPECT_LT(mixed_1000, 0.01);
  EXPECT_LT(mixed_100, 0.01);
  EXPECT_LT(equal_10, 0.01);
}

TEST(Maglev, RemovingOneBackendMovesLittleElse) {
  constexpr int kN = 100;
  constexpr uint32_t kM = 65537;
  auto backends = Backends(kN, [](int) { return 1u; });
  auto before = *BuildMaglevRing(backends, kM);
  double worst = 0;
  for (int removed : {0, 17, 63, 99}) {
    auto fewer = backends;
    fewer.erase(fewer.begin() + removed);
    auto after = *BuildMaglevRing(fewer, kM);
    uint32_t own = 0, others_moved = 0;
    for (uint32_t i = 0; i < kM; i++) {
      const std::string& was = backends[before[i]].key;
      const std::string& now = fewer[after[i]].key;
      if (static_cast<int>(before[i]) == removed) {
        own++;
      } else if (was != now) {
        others_moved++;
      }
    }
    double frac = double(others_moved) / (kM - own);
    worst = std::max(worst, frac);
    std::printf(
        "removed backend %d: its %u slots moved, plus %.3f%% of the "
        "others' slots\n",
        removed, own, 100 * frac);
  }
  // Measured 0.55-0.59% with N=100, M=65537 (the Maglev paper reports
  // disruption of this order); pinned at 1%.
  EXPECT_LT(worst, 0.01);
}

TEST(Maglev, AddingOneBackendTakesItsShareMostlyFromOthers) {
  auto backends = Backends(101, [](int) { return 1u; });
  auto with = *BuildMaglevRing(backends, 65537);
  auto without = *BuildMaglevRing(
      std::vector<MaglevBackend>(backends.begin(), backends.end() - 1), 65537);
  uint32_t changed = 0;
  for (uint32_t i = 0; i < 65537; i++)
    changed += backends[with[i]].key != backends[without[i]].key;
  // The new backend's own share is 1/101 ~ 0.99%; allow 3% in all.
  EXPECT_LT(changed, 65537 * 0.03);
  EXPECT_GT(changed, 65537 / 101 * 0.9);
}

TEST(Maglev, WeightZeroGetsNoSlots) {
  auto backends = Backends(5, [](int i) { return i == 2 ? 0u : 3u; });
  auto share = Shares(*BuildMaglevRing(backends, 65537), 5);
  EXPECT_EQ(share[2], 0u);
  for (int i : {0, 1, 3, 4}) EXPECT_GT(share[i], 65537u / 5);
}

TEST(Maglev, InvalidInputIsAClearError) {
  auto three = Backends(3, [](int) { return 1u; });
  auto st = BuildMaglevRing(three, 65536).status();
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("not prime"));
  st = BuildMaglevRing(Backends(20, [](int) { return 1u; }), 13).status();
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("do not fit"));
  st = BuildMaglevRing(Backends(3, [](int) { return 0u; }), 13).status();
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("weight 0"));
  st = BuildMaglevRing({}, 13).status();
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("no backends"));
  auto dup = three;
  dup[2].key = dup[0].key;
  st = BuildMaglevRing(dup, 13).status();
  EXPECT_THAT(std::string(st.message()), ::testing::HasSubstr("same key"));
  auto empty = BuildMaglevRing(Backends(3, [](int) { return 0u; }), 13, true);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(std::count(empty->begin(), empty->end(), kNoBackend), 13);
}

TEST(Maglev, PrimeCheck) {
  EXPECT_TRUE(IsPrime(65537));
  EXPECT_TRUE(IsPrime(655373));
  EXPECT_FALSE(IsPrime(65535));
  EXPECT_FALSE(IsPrime(1));
  EXPECT_TRUE(IsPrime(2));
}

}  // namespace
}  // namespace dsrlb::tables
