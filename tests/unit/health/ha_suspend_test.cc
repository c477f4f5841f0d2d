// ha_suspend (keepalived.conf(5): "If VS IP address is not set, suspend
// healthchecker's activity"): no check runs while this host does not hold
// the VIP; checking resumes when it does. Real loopback sockets, fake time.
// Also: a virtual_server_group's members are checked once, together.
#include <gtest/gtest.h>

#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::AdvanceTo;
using testing::ClosedPort;
using testing::Ip;
using testing::Listener;
using testing::OneServer;
using testing::Settle;
using testing::TcpChecker;
using testing::TheRs;
using testing::TheVs;

class HaSuspendTest : public testing::CheckFixture {
 protected:
  // Moves fake time straight to t0 + d (not in CheckFixture::At's steps).
  void At(absl::Duration d) { AdvanceTo(clock_, loop_, t0_ + d); }
  RealServerState State(uint16_t port) {
    return *monitor_.State(TheVs(), TheRs(port));
  }
  // OneServer with delay_loop 10 s, a TCP_CHECK without retries.
  config::Config Config(uint16_t port, bool ha_suspend) {
    config::Config cfg =
        OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
    cfg.virtual_servers[0].ha_suspend = ha_suspend;
    return cfg;
  }
};

TEST_F(HaSuspendTest, BackupForTheVipRunsNoCheckUntilItBecomesMaster) {
  Listener server;
  monitor_.SetVipHeld(TheVs().address, false);  // VRRP backup
  ASSERT_TRUE(monitor_.Apply(Config(server.port, true)).ok());
  Settle(loop_);
  At(absl::Seconds(35));  // three and a half delay_loops
  EXPECT_EQ(server.AcceptAll(), 0) << "a suspended server was checked";
  EXPECT_TRUE(State(server.port).suspended);
  EXPECT_FALSE(State(server.port).checked);

  monitor_.SetVipHeld(TheVs().address, true);  // MASTER: checks at once
  Settle(loop_);
  EXPECT_EQ(server.AcceptAll(), 1);
  EXPECT_FALSE(State(server.port).suspended);
  EXPECT_EQ(State(server.port).last_check_time, t0_ + absl::Seconds(35));
  At(absl::Seconds(45));  // then every delay_loop
  EXPECT_EQ(server.AcceptAll(), 1);
}

TEST_F(HaSuspendTest, LosingTheVipStopsChecksAndFreezesTheState) {
  const uint16_t port = ClosedPort();
  ASSERT_TRUE(monitor_.Apply(Config(port, true)).ok());  // held by default
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);  // down at t0: nothing listens
  EXPECT_FALSE(events_[0].up);
  Listener server(16, port);  // the server comes back...
  ASSERT_GE(server.fd, 0);
  At(absl::Seconds(5));
  monitor_.SetVipHeld(TheVs().address, false);  // ...but we are backup now
  At(absl::Seconds(40));
  EXPECT_EQ(server.AcceptAll(), 0);
  EXPECT_EQ(events_.size(), 1u) << "no verdict while suspended";
  EXPECT_FALSE(State(port).up);
  EXPECT_EQ(State(port).last_check_time, t0_);

  monitor_.SetVipHeld(TheVs().address, true);
  Settle(loop_);
  EXPECT_EQ(server.AcceptAll(), 1);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_TRUE(events_[1].up);
  EXPECT_EQ(events_[1].time, t0_ + absl::Seconds(40));
}

TEST_F(HaSuspendTest, WithoutHaSuspendABackupKeepsChecking) {
  Listener server;
  monitor_.SetVipHeld(TheVs().address, false);
  ASSERT_TRUE(monitor_.Apply(Config(server.port, false)).ok());
  Settle(loop_);
  At(absl::Seconds(10));
  At(absl::Seconds(20));
  EXPECT_EQ(server.AcceptAll(), 3);  // t0, 10 s, 20 s
  EXPECT_FALSE(State(server.port).suspended);
}

TEST_F(HaSuspendTest, AnotherVipsChangeLeavesTheChecksAlone) {
  Listener server;
  ASSERT_TRUE(monitor_.Apply(Config(server.port, true)).ok());
  Settle(loop_);
  EXPECT_EQ(server.AcceptAll(), 1);
  monitor_.SetVipHeld(Ip("10.255.0.2"), false);
  At(absl::Seconds(10));
  EXPECT_EQ(server.AcceptAll(), 1);
}

TEST_F(HaSuspendTest, ReloadAddingHaSuspendSuspendsABackup) {
  Listener server;
  monitor_.SetVipHeld(TheVs().address, false);
  ASSERT_TRUE(monitor_.Apply(Config(server.port, false)).ok());
  Settle(loop_);
  EXPECT_EQ(server.AcceptAll(), 1);
  ASSERT_TRUE(monitor_.Apply(Config(server.port, true)).ok());
  At(absl::Seconds(30));
  EXPECT_EQ(server.AcceptAll(), 0);
  EXPECT_TRUE(State(server.port).suspended);
}

// Two members of one virtual_server_group (as the parser expands it): one
// check per real server, and each member hears of every change.
config::Config Group(uint16_t port) {
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  config::VirtualServer& first = cfg.virtual_servers[0];
  first.group = "G";
  first.group_member = 0;
  config::VirtualServer second = first;
  second.address = Ip("10.255.0.2");
  second.group_member = 1;
  cfg.virtual_servers.push_back(second);
  return cfg;
}

TEST_F(HaSuspendTest, GroupMembersShareOneCheckAndEachGetsTheEvent) {
  const uint16_t port = ClosedPort();
  ASSERT_TRUE(monitor_.Apply(Group(port)).ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].vs, TheVs());
  EXPECT_EQ(events_[1].vs,
            (VsKey{Ip("10.255.0.2"), 80, config::Protocol::kTcp}));
  EXPECT_FALSE(events_[1].up);
  EXPECT_EQ(monitor_.States().size(), 2u);
  Listener server(16, port);
  ASSERT_GE(server.fd, 0);
  At(absl::Seconds(10));
  EXPECT_EQ(server.AcceptAll(), 1) << "one attempt for the whole group";
  ASSERT_EQ(events_.size(), 4u);
  EXPECT_TRUE(events_[3].up);
}

TEST_F(HaSuspendTest, GroupIsCheckedWhileAnyOfItsAddressesIsHeld) {
  Listener server;
  config::Config cfg = Group(server.port);
  for (config::VirtualServer& vs : cfg.virtual_servers) vs.ha_suspend = true;
  monitor_.SetVipHeld(Ip("10.255.0.1"), false);
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  Settle(loop_);
  EXPECT_EQ(server.AcceptAll(), 1) << "10.255.0.2 is held";
  monitor_.SetVipHeld(Ip("10.255.0.2"), false);
  At(absl::Seconds(20));
  EXPECT_EQ(server.AcceptAll(), 0);
}

}  // namespace
}  // namespace dsrlb::health
