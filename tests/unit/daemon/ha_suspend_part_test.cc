// ha_suspend through dsrlb-control's health part: VRRP's word on the VIP
// (LbState::SetVipActive) suspends and resumes the checks of a virtual
// server with ha_suspend. Real loopback port, real health thread.
#include <thread>

#include "controlplane/daemon/health_part.h"
#include "gtest/gtest.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::api {
namespace {

using health::testing::ClosedPort;
using health::testing::Ip;

// A VIP that vrrp_instance VI_1 lists (so inactive until VRRP says MASTER),
// served by one real server on a closed loopback port: any check fails.
config::Config BackupConfig(uint16_t port, bool ha_suspend) {
  config::Config cfg;
  config::VrrpInstance vi;
  vi.name = "VI_1";
  vi.interface = "lo";
  vi.virtual_router_id = 51;
  config::VirtualIpAddress vip;
  vip.address = Ip("10.255.0.1");
  vi.virtual_ipaddress.push_back(vip);
  cfg.vrrp_instances.push_back(vi);
  config::VirtualServer vs;
  vs.address = Ip("10.255.0.1");
  vs.port = 80;
  vs.delay_loop = absl::Hours(1);  // one attempt per start or resume
  vs.ha_suspend = ha_suspend;
  config::RealServer rs;
  rs.address = Ip("127.0.0.1");
  rs.port = port;
  rs.checkers.push_back(health::testing::TcpChecker(port, 0, absl::Seconds(1)));
  vs.real_servers.push_back(rs);
  cfg.virtual_servers.push_back(vs);
  return cfg;
}

Health HealthOf(const LbState& state) {
  return state.Snapshot().virtual_servers[0].real_servers[0].health;
}

bool WaitForHealth(const LbState& state, Health want) {
  for (int i = 0; i < 1000 && HealthOf(state) != want; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return HealthOf(state) == want;
}

TEST(HealthPartHaSuspend, ABackupChecksOnlyOnceVrrpMakesItMaster) {
  EventHub events;
  LbState state(&events);
  const config::Config cfg = BackupConfig(ClosedPort(), true);
  ASSERT_TRUE(state.ApplyConfig(cfg).ok());
  auto part = MakeHealthPart(&state);
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE((*part)->Apply(cfg).ok());
  // A check would fail at once (closed port); none runs while backup.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(HealthOf(state), Health::kUp);
  state.SetVipActive(Ip("10.255.0.1"), true);  // VRRP: MASTER
  ASSERT_TRUE(WaitForHealth(state, Health::kDown));
  EXPECT_NE(state.Snapshot()
                .virtual_servers[0]
                .real_servers[0]
                .last_check_result.find("127.0.0.1"),
            std::string::npos);
}

TEST(HealthPartHaSuspend, WithoutItABackupChecksAtOnce) {
  EventHub events;
  LbState state(&events);
  const config::Config cfg = BackupConfig(ClosedPort(), false);
  ASSERT_TRUE(state.ApplyConfig(cfg).ok());
  auto part = MakeHealthPart(&state);
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE((*part)->Apply(cfg).ok());
  EXPECT_TRUE(WaitForHealth(state, Health::kDown));
}

}  // namespace
}  // namespace dsrlb::api
