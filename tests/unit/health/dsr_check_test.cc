// DSR_CHECK through the HealthMonitor, for what needs no namespace: a real
// server that is this host's own address fails with that reason (the kernel
// route says so before any frame is sent), and a port-0 virtual server
// without connect_port is refused. The frames themselves: dsr_frame_test;
// the path on the wire: the namespace test dsr_check (tests/e2e).
#include <gtest/gtest.h>

#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::OneServer;
using testing::Settle;
using testing::TheRs;
using testing::TheVs;

config::Checker DsrChecker() {
  config::Checker c;
  c.kind = config::CheckerKind::kDsr;
  c.where = {"k.conf", 7, 5};
  c.connect_timeout = absl::Seconds(1);
  c.retry = 0;
  return c;
}

using DsrCheckTest = testing::CheckFixture;

TEST_F(DsrCheckTest, RealServerOnThisHostsOwnAddressIsDownSayingSo) {
  // OneServer: VIP 10.255.0.1:80, real server 127.0.0.1:8080.
  ASSERT_TRUE(monitor_.Apply(OneServer(8080, {DsrChecker()})).ok());
  Settle(loop_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].rs, TheRs(8080));
  EXPECT_EQ(events_[0].reason,
            "DSR path to VIP 10.255.0.1:8080 through 127.0.0.1: it is an "
            "address of this host");
  EXPECT_FALSE(monitor_.State(TheVs(), TheRs(8080))->up);
}

TEST_F(DsrCheckTest, PortZeroVirtualServerNeedsConnectPort) {
  config::Config cfg = OneServer(0, {DsrChecker()});
  cfg.virtual_servers[0].port = 0;
  absl::Status st = monitor_.Apply(cfg);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "k.conf:7: DSR_CHECK on a port-0 virtual server needs "
            "connect_port");
}

}  // namespace
}  // namespace dsrlb::health
