// The CSV export and the rows the page shares with it, with every value
// written out by hand from tests/unit/stats/sample_snapshot.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "controlplane/stats/metrics.h"
#include "controlplane/stats/status_page.h"
#include "controlplane/stats/status_rows.h"
#include "tests/unit/stats/sample_snapshot.h"

namespace dsrlb::stats {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

std::vector<std::string> Lines(const std::string& csv) {
  return absl::StrSplit(csv, '\n', absl::SkipEmpty());
}

TEST(StatusCsv, HeaderNamesEveryColumnHaproxyStyle) {
  EXPECT_EQ(Lines(RenderCsv(SampleSnapshot(kNow, 1000)))[0],
            "# vs,server,status,since_s,vrrp,check_status,check_result,"
            "check_duration_ms,check_age_s,checks,check_failures,"
            "down_transitions,downtime_s,weight,effective_weight,ring_slots,"
            "ring_share_pct,active_conns,inactive_conns,max_conns,conns_total,"
            "conn_rate,max_conn_rate,packets,packet_rate,bytes,byte_rate,mac,"
            "reason,bgp,bgp_reason");
}

TEST(StatusCsv, VirtualServerRowSumsItsServersAndNamesItsVrrpInstance) {
  // checks 120+50, failures 3+20, downs 1+2, downtime 65+180 s, weights
  // 1+2+3+1, effective 1, ring 65537, max conns 12+4, max rate 9.
  EXPECT_EQ(Lines(RenderCsv(SampleSnapshot(kNow, 1000)))[1],
            "TCP 192.168.4.15:80,TOTAL,ACTIVE,,VI_1 MASTER,,,,,170,23,3,245,"
            "7,1,65537,,7,2,16,345,2.5,9.0,1500,150.0,123456,60000.0,,,,");
}

TEST(StatusCsv, RealServerRowsCarryCheckConnectionAndTrafficColumns) {
  std::vector<std::string> lines = Lines(RenderCsv(SampleSnapshot(kNow, 1000)));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[2],
            "TCP 192.168.4.15:80,192.168.4.100:80,UP,180,,ok,TCP connect ok,"
            "1.500,2,120,3,1,65,1,1,65537,100.00,7,2,12,345,2.5,9.0,1000,100.0,"
            "20480,51200.0,02:00:c0:a8:04:64,,,");
  EXPECT_EQ(lines[3],
            "TCP 192.168.4.15:80,192.168.4.200:80,DOWN,180,,failed,"
            "TCP connect to 192.168.4.200:80: connection refused <script>,"
            "3000.000,2,50,20,2,180,2,0,0,0.00,0,0,4,0,0.0,0.0,0,0.0,0,0.0,"
            "02:00:c0:a8:04:c8,health check failed,,");
  // A result with a comma and quotes is quoted, its quotes doubled.
  EXPECT_THAT(lines[4], HasSubstr(",DRAIN,180,,ok,\"HTTP 200, body "
                                  "\"\"ok\"\"\",0.000,2,"));
  // No MAC: empty in the CSV (the page says "unresolved").
  EXPECT_EQ(lines[5],
            "TCP 192.168.4.15:80,192.168.4.202:80,UP,180,,ok,TCP connect ok,"
            "0.000,2,0,0,0,0,1,0,0,0.00,0,0,0,0,0.0,0.0,0,0.0,0,0.0,,,,");
}

TEST(StatusRows, EveryRowHasEveryColumn) {
  for (const StatusRow& row : StatusRows(SampleSnapshot(kNow, 1000)))
    EXPECT_EQ(row.cells.size(), kColumns.size());
}

TEST(StatusPage, ShowsCheckCountsConnectionsAndShare) {
  std::string page = RenderStatusPage(SampleSnapshot(kNow, 1000));
  // web1: ok, 2 ms (1.5 rounded), 2 s ago; 120 checks, 3 failed, 1 down,
  // 1m05s down in all; 100% of the ring; 7 active, 2 inactive, max 12.
  EXPECT_THAT(page, HasSubstr("<td class=l>ok</td><td class=l>TCP connect "
                              "ok</td><td>2ms</td><td>2s</td><td>120</td>"
                              "<td>3</td><td>1</td><td>1m05s</td>"));
  EXPECT_THAT(page, HasSubstr("<td>65537</td><td>100.0%</td><td>7</td>"
                              "<td>2</td><td>12</td><td>345</td><td>2</td>"
                              "<td>9</td>"));
  EXPECT_THAT(page, HasSubstr("<td class=l>VI_1 MASTER</td>"));
  EXPECT_THAT(page, HasSubstr("<td class=l><i>unresolved</i></td>"));
  EXPECT_THAT(page, HasSubstr("<td class=l>health check failed</td>"));
}

TEST(StatusPage, ListsLcoresWithHeartbeatAgeAndGeneration) {
  std::string page = RenderStatusPage(SampleSnapshot(kNow, 1000));
  EXPECT_THAT(page, HasSubstr("<tr class=\"up\"><td>1</td><td>7</td>"
                              "<td>123456</td><td>3ms</td><td>5000</td>"
                              "<td>3</td></tr>"));
  EXPECT_THAT(page, HasSubstr("(heartbeat 40ms ago)"));
  EXPECT_THAT(page, HasSubstr("<a href=\"/;csv\">CSV</a>"));
}

TEST(StatusPage, RefreshesAsConfiguredWithoutScripts) {
  EXPECT_THAT(RenderStatusPage(SampleSnapshot(kNow, 1000), 7),
              HasSubstr("<meta http-equiv=\"refresh\" content=\"7\">"));
  EXPECT_THAT(RenderStatusPage(SampleSnapshot(kNow, 1000), 0),
              ::testing::Not(HasSubstr("http-equiv=\"refresh\"")));
  EXPECT_THAT(RenderStatusPage(SampleSnapshot(kNow, 1000)),
              ::testing::Not(HasSubstr("<script")));
}

TEST(Metrics, NewSeriesFollowPrometheusNaming) {
  std::string m = RenderMetrics(SampleSnapshot(kNow, 1000));
  const std::string web1 =
      "{vip=\"192.168.4.15\",port=\"80\",protocol=\"tcp\",server=\""
      "192.168.4.100:80\"} ";
  const char* expected[][2] = {
      {"dsrlb_real_server_checks_total", "120"},
      {"dsrlb_real_server_check_failures_total", "3"},
      {"dsrlb_real_server_down_transitions_total", "1"},
      {"dsrlb_real_server_downtime_seconds_total", "65"},
      {"dsrlb_real_server_last_check_success", "1"},
      {"dsrlb_real_server_last_check_duration_seconds", "0.0015"},
      {"dsrlb_real_server_last_check_timestamp_seconds", "1794999998"},
      {"dsrlb_real_server_last_change_timestamp_seconds", "1794999820"},
      {"dsrlb_real_server_max_connections", "12"},
      {"dsrlb_real_server_max_connections_per_second", "9"},
  };
  for (const auto& [name, value] : expected)
    EXPECT_THAT(m, HasSubstr(std::string(name) + web1 + value + "\n"));
  EXPECT_THAT(m, HasSubstr("# TYPE dsrlb_real_server_checks_total counter\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_virtual_server_active_connections{vip=\""
                           "192.168.4.15\",port=\"80\",protocol=\"tcp\"} 7\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_lcore_generation{lcore=\"1\"} 7\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_lcore_heartbeat_age_seconds{lcore=\"1\"} "
                           "0.003\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_lcore_drops_total{lcore=\"1\"} 3\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_dataplane_heartbeat_age_seconds 0.04\n"));
}

}  // namespace
}  // namespace dsrlb::stats
