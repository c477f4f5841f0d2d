// RateMeter: per-second rates from readings of cumulative counters, on
// given times (no clock).
#include "controlplane/tables/rate_meter.h"

#include <gtest/gtest.h>

namespace dsrlb::api {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);

shm::StatsTotals Reading(uint64_t conns, uint64_t packets, uint64_t bytes) {
  shm::StatsTotals t;
  t.vips.assign(2, dsrlb_pkt_bytes{});
  t.backends.assign(3, dsrlb_pkt_bytes{});
  t.conns.assign(3, shm::ConnTotals{});
  t.vips[1] = {packets, bytes};
  t.backends[2] = {packets, bytes};
  t.conns[2].new_conns = conns;
  t.conns[2].active = 7;  // a gauge: no rate
  return t;
}

TEST(RateMeterTest, NoRatesFromOneReading) {
  RateMeter m;
  m.Observe(kT0, Reading(5, 50, 5000));
  EXPECT_TRUE(m.rates().backends.empty());
  EXPECT_TRUE(m.rates().vips.empty());
}

TEST(RateMeterTest, DifferenceOverTheTimeBetweenReadings) {
  RateMeter m;
  m.Observe(kT0, Reading(5, 50, 5000));
  m.Observe(kT0 + absl::Seconds(2), Reading(25, 250, 25000));
  ASSERT_EQ(m.rates().backends.size(), 3u);
  EXPECT_DOUBLE_EQ(m.rates().backends[2].conns, 10);
  EXPECT_DOUBLE_EQ(m.rates().backends[2].packets, 100);
  EXPECT_DOUBLE_EQ(m.rates().backends[2].bytes, 10000);
  EXPECT_DOUBLE_EQ(m.rates().vips[1].packets, 100);
  EXPECT_DOUBLE_EQ(m.rates().vips[1].bytes, 10000);
  EXPECT_DOUBLE_EQ(m.rates().backends[1].packets, 0);
}

TEST(RateMeterTest, ReadingsCloserThanTheIntervalWait) {
  RateMeter m;
  m.Observe(kT0, Reading(0, 0, 0));
  m.Observe(kT0 + absl::Milliseconds(300), Reading(3, 30, 300));
  EXPECT_TRUE(m.rates().backends.empty()) << "300 ms is no rate yet";
  m.Observe(kT0 + absl::Milliseconds(1000), Reading(10, 100, 1000));
  ASSERT_EQ(m.rates().backends.size(), 3u);
  EXPECT_DOUBLE_EQ(m.rates().backends[2].conns, 10);
  // The next rate is from the reading the last one ended at.
  m.Observe(kT0 + absl::Milliseconds(1500), Reading(99, 990, 9900));
  EXPECT_DOUBLE_EQ(m.rates().backends[2].conns, 10);
  m.Observe(kT0 + absl::Milliseconds(2000), Reading(10, 100, 1000));
  EXPECT_DOUBLE_EQ(m.rates().backends[2].conns, 0) << "nothing new: 0/s";
}

TEST(RateMeterTest, ACounterThatWentDownGivesZero) {
  RateMeter m;
  m.Observe(kT0, Reading(100, 1000, 100000));
  // A restarted dataplane's fresh region counts from zero again.
  m.Observe(kT0 + absl::Seconds(1), Reading(4, 40, 4000));
  EXPECT_DOUBLE_EQ(m.rates().backends[2].conns, 0);
  EXPECT_DOUBLE_EQ(m.rates().vips[1].packets, 0);
  m.Observe(kT0 + absl::Seconds(2), Reading(8, 80, 8000));
  EXPECT_DOUBLE_EQ(m.rates().backends[2].conns, 4);
}

}  // namespace
}  // namespace dsrlb::api
