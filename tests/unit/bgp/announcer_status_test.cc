// The announcer's status (what the API and the status page show per VIP)
// against a real gobgpd on a fake clock: announced with its next hop,
// withdrawn with the decision's reason, the speaker unreachable, a graceful
// stop; `since` moves only when the state or the reason does. Each
// expectation is checked against the speaker's RIB read with GoBGP's own
// CLI and the times the test itself set.
#include <unistd.h>

#include <map>
#include <string>

#include "controlplane/bgp/announcer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/bgp/gobgpd_fixture.h"

namespace dsrlb::bgp {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }
RouteDecision Announce(const char* hop) { return {true, Ip(hop), ""}; }
RouteDecision DoNot(const char* why) { return {false, {}, why}; }

constexpr int64_t kT0 = 1795000000000;  // Unix ms

class AnnouncerStatusTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(speaker_.error(), ""); }

  Announcer Make() {
    return Announcer(
        std::make_unique<GobgpClient>(speaker_.target()),
        {Ip("10.0.0.11"), Ip("fd00::11")}, [](const std::string&) {},
        [this] { return absl::FromUnixMillis(now_ms_); });
  }
  const api::BgpStatus& Of(const Announcer& a, const char* vip) {
    static const api::BgpStatus kNone;
    auto it = a.status().find(Ip(vip));
    return it == a.status().end() ? kNone : it->second;
  }

  testing::Gobgpd speaker_;
  int64_t now_ms_ = kT0;
};

TEST_F(AnnouncerStatusTest, AnnouncedVipReadsAnnouncedWithItsNextHop) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")},
          {Ip("2001:db8::1"), Announce("fd00::11")}},
         true);
  ASSERT_THAT(speaker_.Rib("ipv4"), ElementsAre(Pair("192.0.2.1/32", _)));
  const api::BgpStatus& v4 = Of(a, "192.0.2.1");
  EXPECT_TRUE(v4.announced);
  EXPECT_EQ(v4.next_hop, Ip("10.0.0.11"));
  EXPECT_EQ(v4.reason, "");
  EXPECT_EQ(v4.since_unix_ms, kT0);
  EXPECT_EQ(v4.speaker, speaker_.target());
  EXPECT_EQ(Of(a, "2001:db8::1").next_hop, Ip("fd00::11"));
  // Still announced a second later: since stays.
  now_ms_ = kT0 + 1000;
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")}}, true);
  EXPECT_TRUE(Of(a, "192.0.2.1").announced);
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0);
  // Not a decision any more: not in the status.
  EXPECT_EQ(a.status().count(Ip("2001:db8::1")), 0u);
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerStatusTest, WithdrawnVipCarriesTheReasonAndWhenItChanged) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")}}, false);
  now_ms_ = kT0 + 2500;
  a.Sync({{Ip("192.0.2.1"), DoNot("dataplane down: heartbeat stale")}}, false);
  ASSERT_THAT(speaker_.Rib("ipv4"), IsEmpty());
  EXPECT_FALSE(Of(a, "192.0.2.1").announced);
  EXPECT_EQ(Of(a, "192.0.2.1").reason, "dataplane down: heartbeat stale");
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0 + 2500);
  // The same reason later: since stays; another reason: since moves.
  now_ms_ = kT0 + 4000;
  a.Sync({{Ip("192.0.2.1"), DoNot("dataplane down: heartbeat stale")}}, true);
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0 + 2500);
  now_ms_ = kT0 + 5000;
  a.Sync({{Ip("192.0.2.1"), DoNot("no real server can take new connections")}},
         true);
  EXPECT_EQ(Of(a, "192.0.2.1").reason,
            "no real server can take new connections");
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0 + 5000);
  // Announced again.
  now_ms_ = kT0 + 6000;
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")}}, true);
  ASSERT_THAT(speaker_.Rib("ipv4"), ElementsAre(Pair("192.0.2.1/32", _)));
  EXPECT_TRUE(Of(a, "192.0.2.1").announced);
  EXPECT_EQ(Of(a, "192.0.2.1").reason, "");
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0 + 6000);
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerStatusTest, NeverAnnouncedVipSaysWhy) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), DoNot("VIP inactive")}}, true);
  EXPECT_THAT(speaker_.Rib("ipv4"), IsEmpty());
  EXPECT_FALSE(Of(a, "192.0.2.1").announced);
  EXPECT_EQ(Of(a, "192.0.2.1").reason, "VIP inactive");
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0);
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerStatusTest, UnreachableSpeakerReadsWithdrawnUntilItAnswers) {
  Announcer a = Make();
  const std::map<IpAddress, RouteDecision> want = {
      {Ip("192.0.2.1"), Announce("10.0.0.11")},
      {Ip("192.0.2.2"), DoNot("no real server can take new connections")}};
  a.Sync(want, true);
  speaker_.Kill();
  now_ms_ = kT0 + 1000;
  a.Sync(want, true);
  EXPECT_FALSE(Of(a, "192.0.2.1").announced);
  EXPECT_THAT(Of(a, "192.0.2.1").reason,
              StartsWith("speaker " + speaker_.target() + " unreachable: "));
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0 + 1000);
  // A VIP not to be announced anyway keeps its own reason.
  EXPECT_EQ(Of(a, "192.0.2.2").reason,
            "no real server can take new connections");
  EXPECT_EQ(Of(a, "192.0.2.2").since_unix_ms, kT0);
  speaker_.Restart();
  ASSERT_EQ(speaker_.error(), "");
  now_ms_ = kT0 + 2000;
  for (int i = 0; i < 50 && !a.speaker_up(); i++) {
    a.Sync(want, true);
    if (!a.speaker_up()) usleep(100 * 1000);
  }
  ASSERT_THAT(speaker_.Rib("ipv4"), ElementsAre(Pair("192.0.2.1/32", _)));
  EXPECT_TRUE(Of(a, "192.0.2.1").announced);
  EXPECT_EQ(Of(a, "192.0.2.1").since_unix_ms, kT0 + 2000);
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerStatusTest, GracefulStopReadsWithdrawnWithItsReason) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")},
          {Ip("2001:db8::1"), Announce("fd00::11")},
          {Ip("192.0.2.2"), DoNot("VIP inactive")}},
         true);
  now_ms_ = kT0 + 3000;
  a.WithdrawAll("stopping");
  EXPECT_THAT(speaker_.Rib("ipv4"), IsEmpty());
  EXPECT_THAT(speaker_.Rib("ipv6"), IsEmpty());
  for (const char* vip : {"192.0.2.1", "2001:db8::1"}) {
    EXPECT_FALSE(Of(a, vip).announced) << vip;
    EXPECT_EQ(Of(a, vip).reason, "stopping") << vip;
    EXPECT_EQ(Of(a, vip).since_unix_ms, kT0 + 3000) << vip;
  }
  EXPECT_EQ(Of(a, "192.0.2.2").reason, "VIP inactive");
  EXPECT_EQ(Of(a, "192.0.2.2").since_unix_ms, kT0);
  EXPECT_EQ(speaker_.error(), "");
}

}  // namespace
}  // namespace dsrlb::bgp
