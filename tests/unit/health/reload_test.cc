// Reload (SIGHUP / API): unchanged servers keep state, counters and
// schedule; changed ones start over; removed ones stop being checked.
#include <gtest/gtest.h>

#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::AdvanceTo;
using testing::ClosedPort;
using testing::Listener;
using testing::OneServer;
using testing::Settle;
using testing::TcpChecker;
using testing::TheRs;
using testing::TheVs;

class ReloadTest : public testing::CheckFixture {
 protected:
  // Moves fake time straight to t0 + d (not in CheckFixture::At's steps).
  void At(absl::Duration d) { AdvanceTo(clock_, loop_, t0_ + d); }
  RealServerState State(uint16_t port) {
    return *monitor_.State(TheVs(), TheRs(port));
  }
};

TEST_F(ReloadTest, UnchangedServerKeepsItsStateAndSchedule) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);  // down at t0
  At(absl::Seconds(5));
  // Same checking; other settings change (weight, scripts, smtp_alert).
  cfg.virtual_servers[0].real_servers[0].weight = 9;
  cfg.virtual_servers[0].real_servers[0].notify_up = "true";
  cfg.virtual_servers[0].real_servers[0].checkers[0].where.line = 42;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_EQ(events_.size(), 1u);
  EXPECT_FALSE(State(port).up);
  EXPECT_EQ(State(port).weight, 9u);
  EXPECT_EQ(State(port).last_check_time, t0_) << "no new attempt on reload";
  EXPECT_EQ(State(port).last_change_time, t0_);
  At(absl::Seconds(10));  // the old schedule goes on
  EXPECT_EQ(State(port).last_check_time, t0_ + absl::Seconds(10));
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(ReloadTest, UnchangedServerKeepsItsRetryCounter) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 2, absl::Seconds(3))});
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  At(absl::Seconds(3));  // two failed attempts of three
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(6));  // the third: down exactly as without the reload
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(6));
}

TEST_F(ReloadTest, ChangedCheckerStartsTheServerOver) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);
  At(absl::Seconds(5));
  cfg.virtual_servers[0].real_servers[0].checkers[0].retry = 1;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  // Restarted up (no alpha): the owner hears of it at once.
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_TRUE(events_[1].up);
  EXPECT_NE(events_[1].reason.find("configuration changed"), std::string::npos);
  Settle(loop_);
  EXPECT_EQ(State(port).last_check_time, t0_ + absl::Seconds(5))
      << "checked at once";
  EXPECT_EQ(events_.size(), 2u) << "the new retry applies";
  At(absl::Seconds(6));
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_FALSE(events_[2].up);
}

TEST_F(ReloadTest, ChangedDelayLoopStartsTheServerOver) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  At(absl::Seconds(5));
  cfg.virtual_servers[0].delay_loop = absl::Seconds(20);
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_EQ(State(port).last_check_time, t0_ + absl::Seconds(5));
}

TEST_F(ReloadTest, RemovedServerStopsBeingChecked) {
  Listener server;
  ASSERT_TRUE(monitor_
                  .Apply(OneServer(server.port, {TcpChecker(server.port, 0,
                                                            absl::Seconds(1))}))
                  .ok());
  Settle(loop_);
  EXPECT_EQ(server.AcceptAll(), 1);
  ASSERT_TRUE(monitor_.Apply(config::Config{}).ok());
  EXPECT_FALSE(monitor_.State(TheVs(), TheRs(server.port)).has_value());
  At(absl::Seconds(100));
  EXPECT_EQ(server.AcceptAll(), 0);
  EXPECT_EQ(loop_.pending_timers(), 0u);
  EXPECT_TRUE(events_.empty());
}

TEST_F(ReloadTest, AddedServerIsCheckedWhileOthersContinue) {
  Listener a;
  Listener b;
  config::Config cfg =
      OneServer(a.port, {TcpChecker(a.port, 0, absl::Seconds(1))});
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  At(absl::Seconds(4));
  config::RealServer second = cfg.virtual_servers[0].real_servers[0];
  second.port = b.port;
  second.checkers = {TcpChecker(b.port, 0, absl::Seconds(1))};
  cfg.virtual_servers[0].real_servers.push_back(second);
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_EQ(State(b.port).last_check_time, t0_ + absl::Seconds(4));
  EXPECT_EQ(State(a.port).last_check_time, t0_);
  EXPECT_EQ(monitor_.States().size(), 2u);
}

TEST_F(ReloadTest, DuplicateRealServerIsReportedAndCheckedOnce) {
  Listener a;
  config::Config cfg =
      OneServer(a.port, {TcpChecker(a.port, 0, absl::Seconds(1))});
  cfg.virtual_servers[0].real_servers.push_back(
      cfg.virtual_servers[0].real_servers[0]);
  absl::Status status = monitor_.Apply(cfg);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("duplicate real server"), std::string::npos);
  Settle(loop_);
  EXPECT_EQ(a.AcceptAll(), 1);
}

}  // namespace
}  // namespace dsrlb::health
