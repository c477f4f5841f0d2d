// dsrlbctl list --details: a BGP-mode virtual server's route state, and the
// health-check fields of each real server, from API messages written here.
#include "controlplane/ctl/ctl_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"

namespace dsrlb::api {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

// 2026-11-23T20:26:40Z
constexpr int64_t kSinceMs = 1795465600000;

v1::ListVirtualServersResponse OneVip(bool bgp, bool announced) {
  v1::ListVirtualServersResponse list;
  v1::VirtualServer* vs = list.add_virtual_servers();
  vs->mutable_key()->set_address("192.168.50.15");
  vs->mutable_key()->set_port(80);
  vs->mutable_key()->set_protocol(v1::PROTOCOL_TCP);
  vs->set_active(true);
  vs->set_ring_fingerprint(0xabc);
  if (bgp) {
    v1::BgpAnnouncement* b = vs->mutable_bgp();
    b->set_announced(announced);
    if (announced) b->set_next_hop("10.10.0.11");
    b->set_reason(announced ? "" : "dataplane down: heartbeat stale");
    b->set_since_unix_ms(kSinceMs);
    b->set_speaker("127.0.0.1:50051");
  }
  v1::RealServer* rs = vs->add_real_servers();
  rs->mutable_key()->set_address("10.10.0.101");
  rs->mutable_key()->set_port(80);
  rs->set_weight(1);
  rs->set_effective_weight(1);
  rs->set_state(v1::BACKEND_STATE_UP);
  rs->set_health(v1::HEALTH_STATE_DOWN);
  rs->set_mac("02:00:0a:0a:00:65");
  rs->set_ring_slots(0);
  rs->set_checks(120);
  rs->set_check_failures(7);
  rs->set_down_transitions(2);
  rs->set_downtime_ms(65400);
  rs->set_last_check_ok(false);
  rs->set_last_check_duration_us(1500);
  rs->set_last_check_unix_ms(kSinceMs + 2000);
  rs->set_last_check_result("TCP connect: connection refused");
  rs->set_max_connections(12);
  rs->set_max_connections_per_second(9.5);
  rs->set_reason("health check failed");
  return list;
}

std::vector<std::string> Listed(const v1::ListVirtualServersResponse& l) {
  return absl::StrSplit(FormatList(l, ListOptions{ListMode::kPlain, true}),
                        '\n');
}

TEST(ListDetails, BgpVipSaysAnnouncedWithItsNextHopAndSince) {
  EXPECT_THAT(Listed(OneVip(true, true))[3],
              EndsWith(" ring=0000000000000abc bgp=announced "
                       "next_hop=10.10.0.11 bgp_since=2026-11-23T20:26:40Z"));
}

TEST(ListDetails, BgpVipSaysWithdrawnAndWhy) {
  EXPECT_THAT(Listed(OneVip(true, false))[3],
              EndsWith(" ring=0000000000000abc bgp=withdrawn bgp_reason=\""
                       "dataplane down: heartbeat stale\" "
                       "bgp_since=2026-11-23T20:26:40Z"));
}

TEST(ListDetails, VrrpOrPlainVipHasNoBgpField) {
  EXPECT_THAT(Listed(OneVip(false, false))[3],
              EndsWith(" ring=0000000000000abc"));
  // Without --details neither ring nor BGP.
  EXPECT_THAT(FormatList(OneVip(true, true), ListOptions{}),
              Not(HasSubstr("bgp=")));
}

TEST(ListDetails, RealServerShowsItsHealthCheckCountsAndLastCheck) {
  EXPECT_THAT(
      Listed(OneVip(false, false))[4],
      EndsWith(" mac=02:00:0a:0a:00:65 health=down state=up slots=0 "
               "checks=120 check_failures=7 down_transitions=2 downtime=65s "
               "last_check=failed last_check_ms=1.500 "
               "last_check_at=2026-11-23T20:26:42Z "
               "last_check_result=\"TCP connect: connection refused\" "
               "max_conns=12 max_cps=9.5 reason=\"health check failed\""));
}

TEST(ListDetails, NeverCheckedServerHasNoLastCheck) {
  v1::ListVirtualServersResponse l = OneVip(false, false);
  v1::RealServer* rs = l.mutable_virtual_servers(0)->mutable_real_servers(0);
  rs->set_last_check_unix_ms(0);
  rs->clear_reason();
  EXPECT_THAT(Listed(l)[4], Not(HasSubstr("last_check")));
  EXPECT_THAT(Listed(l)[4], EndsWith(" max_conns=12 max_cps=9.5"));
}

}  // namespace
}  // namespace dsrlb::api
