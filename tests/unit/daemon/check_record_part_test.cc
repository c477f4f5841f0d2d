// Every check result reaches the service model through dsrlb-control's
// health part, not only the results that change a server's state: a server
// that stays up still shows its last check and a growing count (the API's
// last_check_result used to stay empty for it). Real loopback port, real
// health thread.
#include <thread>

#include "controlplane/daemon/health_part.h"
#include "gtest/gtest.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::api {
namespace {

using health::testing::Listener;

RealServerState Server(const LbState& state) {
  return state.Snapshot().virtual_servers[0].real_servers[0];
}

TEST(HealthPartChecks, AServerThatStaysUpShowsEveryCheck) {
  Listener server;
  ASSERT_GT(server.port, 0);
  EventHub events;
  LbState state(&events);
  const config::Config cfg = health::testing::OneServer(
      server.port,
      {health::testing::TcpChecker(server.port, 0, absl::Seconds(1))},
      absl::Milliseconds(50));
  ASSERT_TRUE(state.ApplyConfig(cfg).ok());
  auto part = MakeHealthPart(&state);
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE((*part)->Apply(cfg).ok());
  // Polls for the outcome (no time limit on how fast checks run).
  for (int i = 0; i < 2000 && Server(state).checks.checks < 3; i++) {
    server.AcceptAll();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const RealServerState rs = Server(state);
  EXPECT_GE(rs.checks.checks, 3u);
  EXPECT_EQ(rs.checks.failures, 0u);
  EXPECT_TRUE(rs.checks.last_ok);
  EXPECT_EQ(rs.health, Health::kUp);  // never changed: no event carried it
  EXPECT_EQ(rs.checks.down_transitions, 0u);
  EXPECT_NE(rs.last_check_result.find("127.0.0.1"), std::string::npos)
      << rs.last_check_result;
  EXPECT_GT(rs.last_check_unix_ms, 0);
}

}  // namespace
}  // namespace dsrlb::api
