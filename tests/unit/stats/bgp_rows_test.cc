// A BGP-mode VIP on the status page, in the CSV and in /metrics: the
// sample snapshot's VIP without its VRRP instance, once announced and once
// withdrawn, every expected value written out by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "controlplane/stats/metrics.h"
#include "controlplane/stats/status_page.h"
#include "controlplane/stats/status_rows.h"
#include "tests/unit/stats/sample_snapshot.h"

namespace dsrlb::stats {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

// The sample's VIP in BGP mode, its route changed 75 s before kNow; a
// second virtual server on the same address (port 443) shares it.
Snapshot BgpSnapshot(bool announced) {
  Snapshot s = SampleSnapshot(kNow, 1000);
  s.vrrp.clear_instances();
  v1::BgpAnnouncement b;
  b.set_announced(announced);
  if (announced) b.set_next_hop("10.0.0.11");
  b.set_reason(announced ? "" : "dataplane down: heartbeat stale (1.2 s)");
  b.set_since_unix_ms(absl::ToUnixMillis(kNow - absl::Seconds(75)));
  b.set_speaker("127.0.0.1:50051");
  *s.servers.mutable_virtual_servers(0)->mutable_bgp() = b;
  v1::VirtualServer* tls = s.servers.add_virtual_servers();
  tls->mutable_key()->set_address("192.168.4.15");
  tls->mutable_key()->set_port(443);
  tls->mutable_key()->set_protocol(v1::PROTOCOL_TCP);
  tls->set_active(true);
  tls->set_quorum_up(true);
  *tls->mutable_bgp() = b;
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(BgpStatusRows, CsvTotalRowHasTheRouteStateInItsOwnColumns) {
  std::vector<std::string> up = Lines(RenderCsv(BgpSnapshot(true)));
  EXPECT_THAT(up[0], EndsWith(",mac,reason,bgp,bgp_reason"));
  // since_s: 75 s since the route changed; vrrp empty (no instance).
  EXPECT_EQ(up[1],
            "TCP 192.168.4.15:80,TOTAL,ACTIVE,75,,,,,,170,23,3,245,"
            "7,1,65537,,7,2,16,345,2.5,9.0,1500,150.0,123456,60000.0,,,"
            "announced,");
  std::vector<std::string> down = Lines(RenderCsv(BgpSnapshot(false)));
  EXPECT_THAT(down[1], StartsWith("TCP 192.168.4.15:80,TOTAL,ACTIVE,75,,"));
  EXPECT_THAT(down[1],
              EndsWith(",withdrawn,dataplane down: heartbeat stale (1.2 s)"));
  // Real-server rows leave the BGP columns empty.
  EXPECT_THAT(down[2], EndsWith("02:00:c0:a8:04:64,,,"));
}

TEST(BgpStatusRows, PageShowsTheRouteStateWhereVrrpWouldBe) {
  const std::string up = RenderStatusPage(BgpSnapshot(true));
  EXPECT_THAT(up, HasSubstr("<td class=l>TOTAL</td><td class=l>ACTIVE</td>"
                            "<td>1m15s</td><td class=l>BGP announced</td>"));
  EXPECT_THAT(up, HasSubstr("<th title=\"vrrp\">VRRP/BGP</th>"));
  // The CSV-only columns are not on the page.
  EXPECT_THAT(up, Not(HasSubstr("title=\"bgp\"")));
  EXPECT_THAT(up, Not(HasSubstr("<td class=l>announced</td>")));
  const std::string down = RenderStatusPage(BgpSnapshot(false));
  EXPECT_THAT(down, HasSubstr("<td class=l>BGP withdrawn: dataplane down: "
                              "heartbeat stale (1.2 s)</td>"));
  for (const StatusRow& row : StatusRows(BgpSnapshot(false)))
    EXPECT_EQ(row.cells.size(), kColumns.size());
}

TEST(BgpStatusRows, DeadDataplaneBannerSaysTheRoutesAreWithdrawn) {
  Snapshot s = BgpSnapshot(false);
  s.counters.set_dataplane_alive(false);
  s.counters.set_dataplane_reason("dataplane down: heartbeat stale");
  EXPECT_THAT(RenderStatusPage(s),
              HasSubstr("<p class=\"fault\"><b>dataplane down: heartbeat "
                        "stale</b>: BGP routes of its VIPs withdrawn</p>"));
  // A VRRP VIP too: the sample's instance, on another address.
  s.vrrp = SampleSnapshot(kNow, 1000).vrrp;
  s.vrrp.mutable_instances(0)->set_virtual_addresses(0, "192.168.4.16");
  v1::VirtualServer* other = s.servers.add_virtual_servers();
  other->mutable_key()->set_address("192.168.4.16");
  other->mutable_key()->set_port(80);
  EXPECT_THAT(RenderStatusPage(s),
              HasSubstr("</b>: VRRP instances of its VIPs are in FAULT, BGP "
                        "routes withdrawn</p>"));
}

TEST(BgpStatusRows, MetricsSayAnnouncedOncePerVipWithTheReason) {
  const std::string up = RenderMetrics(BgpSnapshot(true));
  EXPECT_THAT(up, HasSubstr("# TYPE dsrlb_bgp_announced gauge\n"
                            "dsrlb_bgp_announced{vip=\"192.168.4.15\","
                            "reason=\"\"} 1\n# HELP"));
  EXPECT_THAT(up, HasSubstr("dsrlb_bgp_last_change_timestamp_seconds{vip=\""
                            "192.168.4.15\"} 1794999925\n"));
  EXPECT_THAT(RenderMetrics(BgpSnapshot(false)),
              HasSubstr("dsrlb_bgp_announced{vip=\"192.168.4.15\",reason=\""
                        "dataplane down: heartbeat stale (1.2 s)\"} 0\n"));
  // Without BGP-mode VIPs: no BGP series at all.
  EXPECT_THAT(RenderMetrics(SampleSnapshot(kNow, 1000)),
              Not(HasSubstr("dsrlb_bgp_")));
}

}  // namespace
}  // namespace dsrlb::stats
