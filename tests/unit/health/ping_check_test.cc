// PING_CHECK against real ICMP in a network namespace of the test's own:
// loopback answers, 10.97.0.0/24 is routed into lo where nothing answers,
// and there is no default route. Fake time drives the timers.
#include <gtest/gtest.h>

#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::AdvanceTo;
using testing::Ip;
using testing::OneServer;
using testing::RunUntil;
using testing::Settle;
using testing::TheRs;
using testing::TheVs;

// Gives or takes CAP_NET_RAW from this thread's effective set.
bool SetNetRaw(bool on) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  if (on)
    data[0].effective |= 1u << CAP_NET_RAW;
  else
    data[0].effective &= ~(1u << CAP_NET_RAW);
  return syscall(SYS_capset, &header, data) == 0;
}

// Which groups may open ping sockets, in this namespace only.
void PingGroupRange(const char* range) {
  std::ofstream("/proc/sys/net/ipv4/ping_group_range") << range;
}

config::Checker Ping(const char* address, int retry = 0) {
  config::Checker c;
  c.kind = config::CheckerKind::kPing;
  c.connect_ip = Ip(address);
  c.connect_timeout = absl::Seconds(2);
  c.retry = retry;
  c.delay_before_retry = absl::Seconds(3);
  return c;
}

class PingCheckTest : public testing::CheckFixture {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(unshare(CLONE_NEWNET), 0)
        << "unshare(CLONE_NEWNET): " << strerror(errno) << " (run as root)";
    ASSERT_EQ(system("ip link set lo up && ip route add 10.97.0.0/24 dev lo"),
              0);
  }
  ~PingCheckTest() override { SetNetRaw(true); }

  // Starts checking with the real server down (alpha), so that a passing
  // attempt shows as an event.
  void ApplyAlpha(config::Checker c) { Apply(80, std::move(c), true); }
};

TEST_F(PingCheckTest, LoopbackAnswersAPingSocketWithoutCapNetRaw) {
  PingGroupRange("0 2147483647");
  ASSERT_TRUE(SetNetRaw(false));
  ApplyAlpha(Ping("127.0.0.1"));
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(events_[0].reason, "ICMP echo to 127.0.0.1: echo reply");
  EXPECT_EQ(events_[0].time, t0_);
}

TEST_F(PingCheckTest, LoopbackAnswersARawSocketOutsidePingGroupRange) {
  PingGroupRange("1 0");  // nobody may open ping sockets
  ApplyAlpha(Ping("127.0.0.1"));
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(events_[0].reason, "ICMP echo to 127.0.0.1: echo reply");
}

TEST_F(PingCheckTest, Ipv6LoopbackAnswers) {
  PingGroupRange("0 2147483647");
  ApplyAlpha(Ping("::1"));
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(events_[0].reason, "ICMPv6 echo to ::1: echo reply");
}

TEST_F(PingCheckTest, Ipv6LoopbackAnswersARawSocket) {
  PingGroupRange("1 0");
  ApplyAlpha(Ping("::1"));
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
}

TEST_F(PingCheckTest, SilentAddressIsDownAfterTimeoutThenRetry) {
  PingGroupRange("0 2147483647");
  // connect_timeout 2, retry 1, delay_before_retry 3: the first attempt
  // times out at 2 s, the retry starts at 5 s and times out at 7 s.
  ASSERT_TRUE(monitor_.Apply(OneServer(80, {Ping("10.97.0.1", 1)})).ok());
  At(absl::Milliseconds(6999));
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(monitor_.State(TheVs(), TheRs(80))->up);
  At(absl::Seconds(7));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(7));
  EXPECT_EQ(events_[0].reason, "ICMP echo to 10.97.0.1: no reply within 2s");
}

TEST_F(PingCheckTest, UnroutableAddressFailsAtOnce) {
  PingGroupRange("0 2147483647");
  ASSERT_TRUE(monitor_.Apply(OneServer(80, {Ping("203.0.113.1")})).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_);
  EXPECT_EQ(events_[0].reason,
            "ICMP echo to 203.0.113.1: send: network is unreachable");
}

TEST_F(PingCheckTest, NoIcmpSocketAtAllSaysWhatToFix) {
  PingGroupRange("1 0");
  ASSERT_TRUE(SetNetRaw(false));
  ASSERT_TRUE(monitor_.Apply(OneServer(80, {Ping("127.0.0.1")})).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason,
            "ICMP echo to 127.0.0.1: cannot open an ICMP socket (operation "
            "not permitted): admit the daemon's group in "
            "net.ipv4.ping_group_range or give it CAP_NET_RAW");
}

TEST_F(PingCheckTest, BindtoSetsTheSourceAddress) {
  PingGroupRange("0 2147483647");
  config::Checker c = Ping("127.0.0.1");
  c.bindto = Ip("10.97.0.1");  // not an address of this namespace
  ASSERT_TRUE(monitor_.Apply(OneServer(80, {c})).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason,
            "ICMP echo to 127.0.0.1: bind to 10.97.0.1: cannot assign "
            "requested address");
}

}  // namespace
}  // namespace dsrlb::health
