// Every finished attempt reaches the check callback (the status page's last
// check and counts), not only those that change a server's state; each
// carries how long it took on the monitor's clock.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"
#include "tests/unit/health/udp_test_server.h"

namespace dsrlb::health {
namespace {

using testing::ClosedPort;
using testing::Listener;
using testing::OneServer;
using testing::TcpChecker;
using testing::TheRs;
using testing::TheVs;
using testing::UdpTestServer;

class CheckReports : public testing::CheckFixture {
 protected:
  CheckReports() {
    monitor_.SetCheckCallback(
        [this](const CheckReport& r) { reports_.push_back(r); });
  }
  std::vector<CheckReport> reports_;
};

TEST_F(CheckReports, RetriesAndUnchangedResultsAreReportedToo) {
  const uint16_t port = ClosedPort();
  // retry 2, 3 s apart: attempts at 0, 3 and 6 s, one change (down at 6 s).
  ASSERT_TRUE(
      monitor_.Apply(OneServer(port, {TcpChecker(port, 2, absl::Seconds(3))}))
          .ok());
  At(absl::Seconds(6));
  ASSERT_EQ(reports_.size(), 3u);
  ASSERT_EQ(events_.size(), 1u);
  for (const CheckReport& r : reports_) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.vs, TheVs());
    EXPECT_EQ(r.rs, TheRs(port));
    EXPECT_EQ(r.text, "TCP connect to 127.0.0.1:" + std::to_string(port) +
                          ": connection refused");
    EXPECT_EQ(r.duration, absl::ZeroDuration());  // refused at once
  }
}

TEST_F(CheckReports, PassingServerIsReportedEveryDelayLoopWithoutEvents) {
  Listener server;
  ASSERT_TRUE(monitor_
                  .Apply(OneServer(server.port, {TcpChecker(server.port, 1,
                                                            absl::Seconds(1))}))
                  .ok());
  At(absl::Seconds(30));  // attempts at 0, 10, 20 and 30 s
  ASSERT_EQ(reports_.size(), 4u);
  EXPECT_TRUE(events_.empty());
  for (const CheckReport& r : reports_) EXPECT_TRUE(r.ok);
}

TEST_F(CheckReports, DurationIsTheAttemptsTimeOnTheMonitorClock) {
  UdpTestServer server(&loop_);  // silent: the check passes at the timeout
  config::Checker c;
  c.kind = config::CheckerKind::kUdp;
  c.connect_port = server.port();
  c.connect_timeout = absl::Seconds(2);
  c.retry = 0;
  ASSERT_TRUE(monitor_.Apply(OneServer(server.port(), {c})).ok());
  At(absl::Seconds(2));
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_TRUE(reports_[0].ok);
  EXPECT_EQ(reports_[0].duration, absl::Seconds(2));
}

}  // namespace
}  // namespace dsrlb::health
