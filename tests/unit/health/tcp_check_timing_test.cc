// TCP_CHECK against real loopback sockets with fake time: keepalived's
// delay_loop / retry / delay_before_retry, rise / fall, alpha, and the event.
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

class TcpTiming : public testing::CheckFixture {
 protected:
  // Moves fake time straight to t0 + d (not in CheckFixture::At's steps).
  void At(absl::Duration since_start) {
    AdvanceTo(clock_, loop_, t0_ + since_start);
  }
  bool Up(uint16_t port) { return monitor_.State(TheVs(), TheRs(port))->up; }
};

TEST_F(TcpTiming,
       RefusedServerGoesDownAfterExactlyRetryRetriesAndComesBackAtNextLoop) {
  const uint16_t port = ClosedPort();
  // retry 2, 3 s apart: attempts at 0, 3, 6 s; down at 6 s, not before.
  ASSERT_TRUE(
      monitor_.Apply(OneServer(port, {TcpChecker(port, 2, absl::Seconds(3))}))
          .ok());
  Settle(loop_);
  EXPECT_TRUE(Up(port));
  At(absl::Milliseconds(2999));
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(3));
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(Up(port));
  At(absl::Milliseconds(5999));
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(6));
  ASSERT_EQ(events_.size(), 1u);
  const HealthEvent& down = events_[0];
  EXPECT_FALSE(down.up);
  EXPECT_EQ(down.time, t0_ + absl::Seconds(6));
  EXPECT_EQ(down.vs, TheVs());
  EXPECT_EQ(down.rs, TheRs(port));
  EXPECT_EQ(down.reason, "TCP connect to 127.0.0.1:" + std::to_string(port) +
                             ": connection refused");
  EXPECT_EQ(down.weight, 3u);
  EXPECT_FALSE(Up(port));

  // The server starts listening; the next attempt is delay_loop (10 s) after
  // the failure that took it down.
  Listener server(16, port);
  ASSERT_GE(server.fd, 0);
  At(absl::Milliseconds(15999));
  EXPECT_EQ(events_.size(), 1u);
  At(absl::Seconds(16));
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_TRUE(events_[1].up);
  EXPECT_EQ(events_[1].time, t0_ + absl::Seconds(16));
  auto state = monitor_.State(TheVs(), TheRs(port));
  EXPECT_TRUE(state->up);
  EXPECT_TRUE(state->last_check_ok);
  EXPECT_EQ(state->last_change_time, t0_ + absl::Seconds(16));
}

TEST_F(TcpTiming, DownServerIsNotRetriedOnlyCheckedEveryDelayLoop) {
  const uint16_t port = ClosedPort();
  ASSERT_TRUE(
      monitor_.Apply(OneServer(port, {TcpChecker(port, 1, absl::Seconds(2))}))
          .ok());
  Settle(loop_);
  At(absl::Seconds(2));  // second attempt fails: down
  ASSERT_EQ(events_.size(), 1u);
  At(absl::Seconds(12));  // down: one attempt per delay_loop
  auto s12 = monitor_.State(TheVs(), TheRs(port));
  EXPECT_EQ(s12->last_check_time, t0_ + absl::Seconds(12));
  At(absl::Seconds(14));  // a retry would have run here
  EXPECT_EQ(monitor_.State(TheVs(), TheRs(port))->last_check_time,
            t0_ + absl::Seconds(12));
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(TcpTiming, FallAndRiseNeedConsecutiveVerdicts) {
  auto server = std::make_unique<Listener>();
  const uint16_t port = server->port;
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.virtual_servers[0].real_servers[0].fall = 2;
  cfg.virtual_servers[0].real_servers[0].rise = 3;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_TRUE(events_.empty());
  server.reset();  // port closed: failures from t=10
  At(absl::Seconds(10));
  EXPECT_TRUE(events_.empty()) << "one failed verdict of fall 2";
  At(absl::Seconds(20));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(20));

  Listener back(16, port);
  ASSERT_GE(back.fd, 0);
  At(absl::Seconds(30));
  At(absl::Seconds(40));
  EXPECT_EQ(events_.size(), 1u) << "two good verdicts of rise 3";
  EXPECT_FALSE(Up(port));
  At(absl::Seconds(50));
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_TRUE(events_[1].up);
  EXPECT_EQ(events_[1].time, t0_ + absl::Seconds(50));
}

TEST_F(TcpTiming, FlapInsideFallWindowResetsTheCount) {
  auto server = std::make_unique<Listener>();
  const uint16_t port = server->port;
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.virtual_servers[0].real_servers[0].fall = 2;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  server.reset();
  At(absl::Seconds(10));  // fail 1
  server = std::make_unique<Listener>(16, port);
  At(absl::Seconds(20));  // success: count reset
  server.reset();
  At(absl::Seconds(30));  // fail 1 again
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(40));  // fail 2: down
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
}

TEST_F(TcpTiming, AlphaStartsDownUntilTheFirstSuccess) {
  Listener server;
  config::Config cfg =
      OneServer(server.port, {TcpChecker(server.port, 1, absl::Seconds(1))});
  cfg.virtual_servers[0].alpha = true;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  EXPECT_FALSE(Up(server.port));  // before any check ran
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_);
}

TEST_F(TcpTiming, AlphaServerThatFailsStaysDownWithoutEvent) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 3, absl::Seconds(1))});
  cfg.virtual_servers[0].alpha = true;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  At(absl::Seconds(30));
  EXPECT_TRUE(events_.empty());
  EXPECT_FALSE(Up(port));
  EXPECT_TRUE(monitor_.State(TheVs(), TheRs(port))->checked);
}

TEST_F(TcpTiming, EveryCheckerMustPass) {
  Listener good;
  const uint16_t bad = ClosedPort();
  ASSERT_TRUE(monitor_
                  .Apply(OneServer(good.port,
                                   {TcpChecker(good.port, 0, absl::Seconds(1)),
                                    TcpChecker(bad, 0, absl::Seconds(1))}))
                  .ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_NE(events_[0].reason.find(std::to_string(bad)), std::string::npos);
}

TEST_F(TcpTiming, EventCarriesWeightAndInhibitOnFailure) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.virtual_servers[0].real_servers[0].inhibit_on_failure = true;
  cfg.virtual_servers[0].real_servers[0].weight = 7;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_TRUE(events_[0].inhibit_on_failure);
  EXPECT_EQ(events_[0].weight, 7u);
}

TEST_F(TcpTiming, ConnectThatNeverCompletesFailsAtConnectTimeout) {
  // A listener with a full accept queue drops further SYNs: the connect
  // hangs in SYN_SENT, on loopback.
  Listener full(0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; i++) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(full.port);
    connect(c, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    fillers.push_back(c);
  }
  Settle(loop_);
  ASSERT_TRUE(monitor_
                  .Apply(OneServer(
                      full.port, {TcpChecker(full.port, 0, absl::Seconds(1))}))
                  .ok());
  Settle(loop_);
  EXPECT_TRUE(events_.empty());
  At(absl::Milliseconds(1999));  // connect_timeout is 2 s
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(2));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].reason.find("timed out after 2s"), std::string::npos)
      << events_[0].reason;
  for (int c : fillers) close(c);
}

TEST_F(TcpTiming, BindtoSetsTheSourceAddress) {
  Listener server;
  config::Checker c = TcpChecker(server.port, 0, absl::Seconds(1));
  c.bindto = testing::Ip("127.0.0.2");
  ASSERT_TRUE(monitor_.Apply(OneServer(server.port, {c})).ok());
  Settle(loop_);
  sockaddr_in peer{};
  socklen_t len = sizeof(peer);
  int conn = accept(server.fd, reinterpret_cast<sockaddr*>(&peer), &len);
  ASSERT_GE(conn, 0);
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text));
  EXPECT_STREQ(text, "127.0.0.2");
  close(conn);
  EXPECT_TRUE(events_.empty());
}

TEST_F(TcpTiming, Ipv6RealServerIsCheckedOverIpv6) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.virtual_servers[0].real_servers[0].address = testing::Ip("::1");
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].reason, "TCP connect to [::1]:" + std::to_string(port) +
                                   ": connection refused");
}

TEST_F(TcpTiming, ZeroDelaysDoNotSpinTheLoop) {
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(
      port, {TcpChecker(port, 3, absl::ZeroDuration())}, absl::ZeroDuration());
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_EQ(monitor_.State(TheVs(), TheRs(port))->last_check_time, t0_)
      << "one attempt per fake-time step, not a busy loop";
}

TEST_F(TcpTiming, ServerWithoutCheckersIsUpAndNeverChecked) {
  ASSERT_TRUE(monitor_.Apply(OneServer(1, {})).ok());
  At(absl::Seconds(100));
  auto state = monitor_.State(TheVs(), TheRs(1));
  ASSERT_TRUE(state.has_value());
  EXPECT_TRUE(state->up);
  EXPECT_FALSE(state->checked);
  EXPECT_EQ(loop_.pending_timers(), 0u);
}

}  // namespace
}  // namespace dsrlb::health
