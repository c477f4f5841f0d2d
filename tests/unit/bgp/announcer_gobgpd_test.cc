// The announcer against a real gobgpd: host routes of both families with
// origin IGP, withdrawal, re-announcement after the speaker restarts, and
// routes an earlier run left behind. The RIB is read with GoBGP's own CLI.
#include "controlplane/bgp/announcer.h"

#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/bgp/gobgpd_fixture.h"

namespace dsrlb::bgp {
namespace {

using ::testing::_;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using RibMap = std::map<std::string, std::string>;

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

RouteDecision Announce(const char* hop) { return {true, Ip(hop), ""}; }
RouteDecision DoNot(const char* why) { return {false, {}, why}; }

class AnnouncerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(speaker_.error(), ""); }

  Announcer Make() {
    return Announcer(std::make_unique<GobgpClient>(speaker_.target()),
                     {Ip("10.0.0.11"), Ip("fd00::11")},
                     [this](const std::string& l) { log_.push_back(l); });
  }

  testing::Gobgpd speaker_;
  std::vector<std::string> log_;
};

TEST_F(AnnouncerTest, AnnouncesHostRoutesOfBothFamiliesWithOriginIgp) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")},
          {Ip("192.0.2.2"), DoNot("no real server can take new connections")},
          {Ip("2001:db8::1"), Announce("fd00::11")}},
         true);
  EXPECT_EQ(speaker_.Rib("ipv4"),
            (RibMap{{"192.0.2.1/32", "10.0.0.11 origin 0"}}));
  EXPECT_EQ(speaker_.Rib("ipv6"),
            (RibMap{{"2001:db8::1/128", "fd00::11 origin 0"}}));
  EXPECT_THAT(log_, Contains("bgp: announced 192.0.2.1/32 via 10.0.0.11 to " +
                             speaker_.target()));
  EXPECT_THAT(log_, Contains("bgp: not announcing 192.0.2.2: no real server "
                             "can take new connections"));
  EXPECT_TRUE(a.speaker_up());
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerTest, WithdrawsAVipThatCanNoLongerBeServed) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")}}, false);
  ASSERT_THAT(speaker_.Rib("ipv4"), ElementsAre(Pair("192.0.2.1/32", _)));
  a.Sync({{Ip("192.0.2.1"), DoNot("dataplane down: heartbeat stale")}}, false);
  EXPECT_THAT(speaker_.Rib("ipv4"), IsEmpty());
  EXPECT_THAT(log_, Contains("bgp: withdrew 192.0.2.1/32 via 10.0.0.11: "
                             "dataplane down: heartbeat stale"));
  // A VIP gone from the configuration goes too.
  a.Sync({{Ip("2001:db8::1"), Announce("fd00::11")}}, false);
  a.Sync({}, false);
  EXPECT_THAT(speaker_.Rib("ipv6"), IsEmpty());
  EXPECT_THAT(log_, Contains("bgp: withdrew 2001:db8::1/128 via fd00::11: no "
                             "longer a virtual server in BGP mode"));
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerTest, AnnouncesAgainAfterTheSpeakerRestarts) {
  Announcer a = Make();
  const std::map<IpAddress, RouteDecision> want = {
      {Ip("192.0.2.1"), Announce("10.0.0.11")}};
  a.Sync(want, true);
  speaker_.Kill();
  a.Sync(want, true);  // unreachable: said once, nothing else tried
  a.Sync(want, false);
  EXPECT_FALSE(a.speaker_up());
  EXPECT_THAT(log_, Contains(HasSubstr("trying again every second")));
  speaker_.Restart();
  ASSERT_EQ(speaker_.error(), "");
  ASSERT_THAT(speaker_.Rib("ipv4"), IsEmpty());  // a restart forgets
  // The channel reconnects within its 1 s backoff.
  for (int i = 0; i < 50 && !a.speaker_up(); i++) {
    a.Sync(want, true);
    if (!a.speaker_up()) usleep(100 * 1000);
  }
  EXPECT_TRUE(a.speaker_up());
  EXPECT_EQ(speaker_.Rib("ipv4"),
            (RibMap{{"192.0.2.1/32", "10.0.0.11 origin 0"}}));
  EXPECT_THAT(log_,
              Contains("bgp: speaker " + speaker_.target() + " answers again"));
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerTest, WithdrawsHostRoutesAnEarlierRunLeftWithItsNextHop) {
  speaker_.Add("ipv4", "192.0.2.9/32", "10.0.0.11");     // ours, stale
  speaker_.Add("ipv4", "192.0.2.10/32", "10.0.0.99");    // someone else's
  speaker_.Add("ipv4", "198.51.100.0/24", "10.0.0.11");  // not a host route
  Announcer a = Make();
  a.Sync({}, true);
  EXPECT_EQ(speaker_.Rib("ipv4"),
            (RibMap{{"192.0.2.10/32", "10.0.0.99 origin 0"},
                    {"198.51.100.0/24", "10.0.0.11 origin 0"}}));
  EXPECT_THAT(log_, Contains("bgp: withdrew 192.0.2.9/32 via 10.0.0.11: no "
                             "longer a virtual server in BGP mode"));
  EXPECT_EQ(speaker_.error(), "");
}

TEST_F(AnnouncerTest, WithdrawAllLeavesNothing) {
  Announcer a = Make();
  a.Sync({{Ip("192.0.2.1"), Announce("10.0.0.11")},
          {Ip("2001:db8::1"), Announce("fd00::11")}},
         false);
  a.WithdrawAll("stopping");
  EXPECT_THAT(speaker_.Rib("ipv4"), IsEmpty());
  EXPECT_THAT(speaker_.Rib("ipv6"), IsEmpty());
  EXPECT_THAT(log_, Contains("bgp: withdrew 192.0.2.1/32 via 10.0.0.11: "
                             "stopping"));
  EXPECT_EQ(speaker_.error(), "");
}

}  // namespace
}  // namespace dsrlb::bgp
