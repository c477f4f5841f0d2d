// RateMeter's peaks: the most connections held at once (every reading) and
// the highest new-connection rate (every computed rate), per backend
// record; a reused record starts over.
#include <gtest/gtest.h>

#include "controlplane/tables/rate_meter.h"

namespace dsrlb::api {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);

shm::StatsTotals Reading(uint64_t new_conns, uint64_t active,
                         uint64_t inactive) {
  shm::StatsTotals t;
  t.backends.assign(2, dsrlb_pkt_bytes{});
  t.conns.assign(2, shm::ConnTotals{});
  t.conns[1] = {new_conns, active, inactive};
  return t;
}

TEST(RateMeterPeaks, MostConnectionsAtOnceFromEveryReading) {
  RateMeter m;
  m.Observe(kT0, Reading(0, 3, 1));
  // 100 ms later: too soon for a rate, not for the peak.
  m.Observe(kT0 + absl::Milliseconds(100), Reading(0, 8, 2));
  m.Observe(kT0 + absl::Milliseconds(200), Reading(0, 1, 0));
  ASSERT_EQ(m.rates().peaks.size(), 2u);
  EXPECT_EQ(m.rates().peaks[1].connections, 10u);
  EXPECT_EQ(m.rates().peaks[0].connections, 0u);
}

TEST(RateMeterPeaks, HighestRateStaysWhenTheRateFalls) {
  RateMeter m;
  m.Observe(kT0, Reading(0, 0, 0));
  m.Observe(kT0 + absl::Seconds(1), Reading(30, 0, 0));  // 30/s
  m.Observe(kT0 + absl::Seconds(3), Reading(40, 0, 0));  // 5/s
  EXPECT_DOUBLE_EQ(m.rates().backends[1].conns, 5);
  EXPECT_DOUBLE_EQ(m.rates().peaks[1].conns_per_second, 30);
}

TEST(RateMeterPeaks, ReusedRecordStartsOver) {
  RateMeter m;
  m.Observe(kT0, Reading(0, 4, 4));
  m.ResetPeaks({1});
  EXPECT_EQ(m.rates().peaks[1].connections, 0u);
  m.ResetPeaks({7});  // beyond the records seen: nothing to do
  m.Observe(kT0 + absl::Milliseconds(10), Reading(0, 2, 0));
  EXPECT_EQ(m.rates().peaks[1].connections, 2u);
}

}  // namespace
}  // namespace dsrlb::api
