// Each part's health from stats-region readings and publish results, on a
// fake clock: dead dataplane, stale tables, failing publishes.
#include "controlplane/tables/plane_monitor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

StatsReading Live(std::vector<uint64_t> generations) {
  StatsReading r;
  r.present = true;
  r.alive = true;
  r.lcore_generations = std::move(generations);
  return r;
}

TEST(PlaneMonitor, ReportsTheDataplaneDownOnceWithWhy) {
  PlaneMonitor m;
  const absl::Time t0 = absl::UnixEpoch();
  EXPECT_THAT(m.Observe(StatsReading{}, 1, t0),
              ElementsAre("dataplane down: no stats region"));
  EXPECT_FALSE(m.Get().dataplane_alive);
  EXPECT_THAT(m.Observe(StatsReading{}, 1, t0), IsEmpty());
  EXPECT_THAT(m.Observe(Live({1}), 1, t0),
              ElementsAre("dataplane up (heartbeat moving)"));
  StatsReading stopped;
  stopped.present = true;
  EXPECT_THAT(m.Observe(stopped, 1, t0),
              ElementsAre("dataplane down: heartbeat stopped"));
  EXPECT_EQ(m.Get().dataplane_reason, "dataplane down: heartbeat stopped");
}

TEST(PlaneMonitor, TablesAreStaleOnlyAfterALcoreStaysBehindForTwoSeconds) {
  PlaneMonitor m;
  const absl::Time t0 = absl::UnixEpoch();
  m.Observe(Live({4, 5}), 5, t0);
  EXPECT_FALSE(m.Get().tables_stale);
  EXPECT_EQ(m.Get().dataplane_generation, 4u);
  m.Observe(Live({4, 5}), 5, t0 + absl::Milliseconds(1999));
  EXPECT_FALSE(m.Get().tables_stale);
  EXPECT_THAT(m.Observe(Live({4, 5}), 5, t0 + absl::Seconds(2)),
              ElementsAre(HasSubstr("tables stale: the dataplane uses "
                                    "generation 4, published 5")));
  EXPECT_TRUE(m.Get().tables_stale);
  EXPECT_THAT(m.Observe(Live({5, 5}), 5, t0 + absl::Seconds(3)),
              ElementsAre("tables current: the dataplane caught up"));
  // A lcore that catches up in time never counts as stale.
  m.Observe(Live({5}), 6, t0 + absl::Seconds(4));
  m.Observe(Live({6}), 6, t0 + absl::Seconds(5));
  m.Observe(Live({6}), 6, t0 + absl::Seconds(9));
  EXPECT_FALSE(m.Get().tables_stale);
}

TEST(PlaneMonitor, CountsPublishFailuresAndSaysWhenPublishingWorksAgain) {
  PlaneMonitor m;
  EXPECT_THAT(m.PublishResult(absl::OkStatus()), IsEmpty());
  EXPECT_THAT(m.PublishResult(absl::UnavailableError("reader stuck")),
              ElementsAre("publish failing: reader stuck"));
  EXPECT_THAT(m.PublishResult(absl::UnavailableError("reader stuck")),
              IsEmpty());
  PlaneHealth h = m.Get();
  EXPECT_TRUE(h.publish_failing);
  EXPECT_EQ(h.publish_failures_total, 2u);
  EXPECT_EQ(h.publish_error, "reader stuck");
  EXPECT_THAT(m.PublishResult(absl::OkStatus()),
              ElementsAre("publishing again"));
  EXPECT_FALSE(m.Get().publish_failing);
  EXPECT_EQ(m.Get().publish_failures_total, 2u);
}

}  // namespace
}  // namespace dsrlb::api
