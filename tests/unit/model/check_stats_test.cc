// What the status page counts per real server: every check attempt, the
// failures, the up -> down changes and the time spent down; a reload keeps
// them; recording a check is not a state change.
#include <gtest/gtest.h>

#include "controlplane/model/lb_state.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }
const VsKey kVs{Ip("192.168.4.15"), 80, config::Protocol::kTcp};
const RsKey kWeb1{Ip("192.168.4.100"), 80};

config::Config OneServer() {
  config::Config c;
  config::VirtualServer vs;
  vs.address = kVs.address;
  vs.port = 80;
  config::RealServer r;
  r.address = kWeb1.address;
  r.port = 80;
  r.checkers.push_back(config::Checker{});
  vs.real_servers = {r};
  c.virtual_servers.push_back(vs);
  return c;
}

class CheckStatsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(state_.ApplyConfig(OneServer()).ok()); }
  RealServerState Web1() {
    return state_.Snapshot().virtual_servers[0].real_servers[0];
  }
  EventHub events_;
  LbState state_{&events_};
};

TEST_F(CheckStatsTest, EveryAttemptIsCountedAndIsTheLastCheck) {
  const uint64_t version = state_.Version();
  ASSERT_TRUE(state_
                  .RecordCheck(kVs, kWeb1,
                               {true, "TCP connect ok",
                                absl::Microseconds(1500), 1795000000000})
                  .ok());
  ASSERT_TRUE(state_
                  .RecordCheck(kVs, kWeb1,
                               {false, "connection refused",
                                absl::Milliseconds(3), 1795000010000})
                  .ok());
  RealServerState rs = Web1();
  EXPECT_EQ(rs.checks.checks, 2u);
  EXPECT_EQ(rs.checks.failures, 1u);
  EXPECT_FALSE(rs.checks.last_ok);
  EXPECT_EQ(rs.checks.last_duration_us, 3000);
  EXPECT_EQ(rs.last_check_result, "connection refused");
  EXPECT_EQ(rs.last_check_unix_ms, 1795000010000);
  EXPECT_EQ(rs.health, Health::kUp);     // a failed attempt is not a verdict
  EXPECT_EQ(state_.Version(), version);  // nothing to publish
}

TEST_F(CheckStatsTest, UnknownServerIsNotFound) {
  EXPECT_EQ(state_.RecordCheck(kVs, RsKey{Ip("10.0.0.9"), 80}, {}).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CheckStatsTest, DownTransitionsAndDowntimeAddUp) {
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb1, false, "refused").ok());
  const int64_t down_at = Web1().last_change_unix_ms;
  EXPECT_EQ(Web1().checks.down_transitions, 1u);
  // While down, the current spell counts up to the time asked about.
  EXPECT_EQ(Web1().DowntimeMs(down_at + 5000), 5000);
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb1, false, "refused again").ok());
  EXPECT_EQ(Web1().checks.down_transitions, 1u);  // still the same spell
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb1, true, "ok").ok());
  const int64_t up_at = Web1().last_change_unix_ms;
  const int64_t first_spell = up_at - down_at;
  EXPECT_EQ(Web1().checks.closed_downtime_ms, first_spell);
  EXPECT_EQ(Web1().DowntimeMs(up_at + 99999), first_spell);  // up: no more
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb1, false, "refused").ok());
  const int64_t down2 = Web1().last_change_unix_ms;
  EXPECT_EQ(Web1().checks.down_transitions, 2u);
  EXPECT_EQ(Web1().DowntimeMs(down2 + 1000), first_spell + 1000);
}

TEST_F(CheckStatsTest, ReloadKeepsTheCounts) {
  ASSERT_TRUE(state_.RecordCheck(kVs, kWeb1, {false, "x", {}, 1}).ok());
  ASSERT_TRUE(state_.SetHealth(kVs, kWeb1, false, "x").ok());
  ASSERT_TRUE(state_.ApplyConfig(OneServer()).ok());
  EXPECT_EQ(Web1().checks.checks, 1u);
  EXPECT_EQ(Web1().checks.failures, 1u);
  EXPECT_EQ(Web1().checks.down_transitions, 1u);
}

}  // namespace
}  // namespace dsrlb::api
