// UDP_CHECK against a real UDP server on loopback with fake time:
// keepalived's payload, ICMP port unreachable, require_reply and its hex.
#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"
#include "tests/unit/health/udp_test_server.h"

namespace dsrlb::health {
namespace {

using testing::AdvanceTo;
using testing::Bytes;
using testing::ClosedUdpPort;
using testing::OneServer;
using testing::RunUntil;
using testing::Settle;
using testing::TheRs;
using testing::TheVs;
using testing::UdpTestServer;

config::Checker Udp(uint16_t port) {
  config::Checker c;
  c.kind = config::CheckerKind::kUdp;
  c.connect_port = port;
  c.connect_timeout = absl::Seconds(2);
  c.retry = 0;
  return c;
}

UdpTestServer::Answer Reply(Bytes bytes) {
  return [bytes](const Bytes&) { return std::vector<Bytes>{bytes}; };
}

class UdpCheckTest : public testing::CheckFixture {
 protected:
  std::string Prefix(uint16_t port) {
    return "UDP to 127.0.0.1:" + std::to_string(port) + ": ";
  }
};

TEST_F(UdpCheckTest, ClosedPortIsDownAtOnceByIcmpPortUnreachable) {
  const uint16_t port = ClosedUdpPort();
  Apply(port, Udp(port), false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_);
  EXPECT_EQ(events_[0].reason, Prefix(port) + "ICMP port unreachable");
}

TEST_F(UdpCheckTest, SilentServerPassesAtConnectTimeoutWithKeepalivedsFiller) {
  UdpTestServer server(&loop_);
  Apply(server.port(), Udp(server.port()), true);
  Settle(loop_);
  ASSERT_EQ(server.received().size(), 1u);
  // keepalived's set_buf(): "keepalived check - " over UDP_BUFSIZE (32).
  const std::string sent(server.received()[0].begin(),
                         server.received()[0].end());
  EXPECT_EQ(sent, "keepalived check - keepalived ch");
  At(absl::Milliseconds(1999));
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(2));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(
      events_[0].reason,
      Prefix(server.port()) + "no ICMP error within 2s (no reply required)");
}

TEST_F(UdpCheckTest, SilentServerFailsAtConnectTimeoutWithRequireReply) {
  UdpTestServer server(&loop_);
  config::Checker c = Udp(server.port());
  c.require_reply = true;
  Apply(server.port(), c, false);
  At(absl::Milliseconds(1999));
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(2));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason, Prefix(server.port()) + "no reply within 2s");
}

TEST_F(UdpCheckTest, PayloadIsSentAndAnyReplyPassesRequireReply) {
  UdpTestServer server(&loop_, Reply({'p', 'o', 'n', 'g'}));
  config::Checker c = Udp(server.port());
  c.udp_payload = {0xde, 0xad, 0xbe, 0xef};
  c.require_reply = true;
  Apply(server.port(), c, true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_);
  EXPECT_EQ(events_[0].reason, Prefix(server.port()) + "reply of 4 bytes");
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0], (Bytes{0xde, 0xad, 0xbe, 0xef}));
}

TEST_F(UdpCheckTest, ReplyMatchingTheHexUpToTheShorterLengthWithWildcards) {
  // require_reply "0a Xb": byte 0 must be 0a, byte 1's high nibble is free.
  UdpTestServer server(&loop_, Reply({0x0a, 0x7b, 0x99}));
  config::Checker c = Udp(server.port());
  c.require_reply = true;
  c.reply_data = {0x0a, 0x0b};
  c.reply_mask = {0x00, 0xf0};
  Apply(server.port(), c, true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up) << events_[0].reason;
}

TEST_F(UdpCheckTest, ReplyThatDiffersFromTheHexIsDown) {
  UdpTestServer server(&loop_, Reply({0x0a, 0x7c}));
  config::Checker c = Udp(server.port());
  c.require_reply = true;
  c.reply_data = {0x0a, 0x0b};
  c.reply_mask = {0x00, 0xf0};
  Apply(server.port(), c, false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(
      events_[0].reason,
      Prefix(server.port()) + "reply differs from require_reply at byte 1");
}

TEST_F(UdpCheckTest, ReplyLengthOutsideMinAndMaxIsDown) {
  UdpTestServer server(&loop_, Reply({0x0a, 0x0b, 0x0c}));
  config::Checker c = Udp(server.port());
  c.require_reply = true;
  c.reply_data = {0x0a};
  c.max_reply_length = 2;
  Apply(server.port(), c, false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason,
            Prefix(server.port()) + "reply of 3 bytes, expected 0 to 2");
}

TEST_F(UdpCheckTest, ServerThatStopsIsDownAfterRetries) {
  auto server = std::make_unique<UdpTestServer>(&loop_, Reply({1}));
  const uint16_t port = server->port();
  config::Checker c = Udp(port);
  c.require_reply = true;
  c.retry = 2;
  c.delay_before_retry = absl::Seconds(3);
  Apply(port, c, false);
  Settle(loop_);
  EXPECT_TRUE(events_.empty());
  server.reset();  // ICMP port unreachable from now on
  // Next attempt at delay_loop (10 s), retries at 13 and 16 s: down at 16 s.
  At(absl::Seconds(15));
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(monitor_.State(TheVs(), TheRs(port))->up);
  At(absl::Seconds(16));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(16));
}

}  // namespace
}  // namespace dsrlb::health
