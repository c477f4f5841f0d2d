// The status page and /metrics render what an operator needs to see.
#include "controlplane/stats/status_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controlplane/stats/metrics.h"
#include "tests/unit/stats/sample_snapshot.h"

namespace dsrlb::stats {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

TEST(StatusPage, ShowsEveryServerWithItsState) {
  std::string page = RenderStatusPage(SampleSnapshot(kNow, 1000));
  EXPECT_THAT(page, HasSubstr("<title>dsrlb status - lvs1</title>"));
  EXPECT_THAT(page, HasSubstr("TCP 192.168.4.15:80"));
  EXPECT_THAT(page,
              HasSubstr("<tr class=\"up\"><td class=l>192.168.4.100:80</td><td "
                        "class=l>UP</td>"));
  EXPECT_THAT(page,
              HasSubstr("<tr class=\"down\"><td "
                        "class=l>192.168.4.200:80</td><td class=l>DOWN</td>"));
  EXPECT_THAT(page,
              HasSubstr("<tr class=\"drain\"><td "
                        "class=l>192.168.4.201:80</td><td class=l>DRAIN</td>"));
  EXPECT_THAT(
      page, HasSubstr("<tr class=\"nomac\"><td class=l>192.168.4.202:80</td>"));
  EXPECT_THAT(page, HasSubstr("<i>unresolved</i>"));
  EXPECT_THAT(page, HasSubstr("<td class=l>DOWN</td><td>3m00s</td>"));
  EXPECT_THAT(page, HasSubstr("<td class=l>VI_1</td><td class=l>MASTER</td>"));
  EXPECT_THAT(page, HasSubstr("table generation 7"));
}

TEST(StatusPage, EscapesWhatServersAndChecksReport) {
  std::string page = RenderStatusPage(SampleSnapshot(kNow, 1000));
  EXPECT_THAT(page, Not(HasSubstr("<script>")));
  EXPECT_THAT(page, HasSubstr("connection refused &lt;script&gt;"));
  EXPECT_EQ(HtmlEscape("a&b\"'<>"), "a&amp;b&quot;&#39;&lt;&gt;");
}

TEST(StatusPage, RatesAreTheApisNotRecomputed) {
  std::string page = RenderStatusPage(SampleSnapshot(kNow, 6000));
  // web1: packets 6000 at 100/s, bytes 20480 (20.0K) at 51200/s.
  EXPECT_THAT(
      page, HasSubstr("<td>6000</td><td>100</td><td>20.0K</td><td>51200</td>"));
}

TEST(StatusPage, HidesZeroDropsButShowsNonZeroOnes) {
  std::string page = RenderStatusPage(SampleSnapshot(kNow, 1));
  EXPECT_THAT(page, HasSubstr("drop_no_vip</td><td>3"));
  EXPECT_THAT(page, Not(HasSubstr("drop_truncated")));
}

// Issue 9: a failing part is visible on the page and in /metrics.
Snapshot FailingParts() {
  Snapshot s = SampleSnapshot(kNow, 1000);
  s.counters.set_dataplane_alive(false);
  s.counters.set_dataplane_reason("dataplane down: heartbeat stopped");
  s.counters.set_tables_stale(true);
  s.counters.set_dataplane_generation(6);
  s.counters.set_publish_failing(true);
  s.counters.set_publish_error("slot <busy>");
  s.counters.set_publish_failures_total(3);
  s.counters.set_kernel_guard(true);
  s.counters.set_kernel_vip_drops(42);
  auto* vi = s.vrrp.mutable_instances(0);
  vi->set_state(v1::VRRP_STATE_FAULT);
  vi->set_fault_reason("dataplane down: heartbeat stopped");
  return s;
}

TEST(StatusPage, ShowsEachFailingPartAndTheFaultReason) {
  std::string page = RenderStatusPage(FailingParts());
  EXPECT_THAT(page, HasSubstr("<b>dataplane down: heartbeat stopped</b>"));
  EXPECT_THAT(page, HasSubstr("<b>tables stale</b>: the dataplane uses "
                              "generation 6, published 7"));
  EXPECT_THAT(page, HasSubstr("<b>publish failing</b>: slot &lt;busy&gt; "
                              "(3 failures)"));
  EXPECT_THAT(page, HasSubstr("kernel dropped 42 VIP packets"));
  EXPECT_THAT(page, HasSubstr("FAULT (dataplane down: heartbeat stopped)"));
  EXPECT_THAT(RenderStatusPage(SampleSnapshot(kNow, 1000)),
              Not(HasSubstr("class=\"fault\"><b>")));
}

TEST(Metrics, ExportsEachPartsHealth) {
  std::string m = RenderMetrics(FailingParts());
  EXPECT_THAT(m, HasSubstr("dsrlb_vrrp_fault{instance=\"VI_1\",reason="
                           "\"dataplane down: heartbeat stopped\"} 1\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_tables_stale 1\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_dataplane_generation 6\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_publish_failing 1\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_publish_failures_total 3\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_kernel_guard 1\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_kernel_vip_drops_total 42\n"));
  EXPECT_THAT(RenderMetrics(SampleSnapshot(kNow, 1000)),
              HasSubstr("dsrlb_vrrp_fault{instance=\"VI_1\",reason=\"\"} 0\n"));
}

TEST(Metrics, ExposesServersVrrpAndCountersInPrometheusFormat) {
  std::string m = RenderMetrics(SampleSnapshot(kNow, 1000));
  EXPECT_THAT(m, HasSubstr("# TYPE dsrlb_real_server_up gauge\n"));
  EXPECT_THAT(m,
              HasSubstr("dsrlb_real_server_up{vip=\"192.168.4.15\",port=\"80\","
                        "protocol=\"tcp\",server=\"192.168.4.200:80\"} 0\n"));
  EXPECT_THAT(
      m,
      HasSubstr("dsrlb_real_server_packets_total{vip=\"192.168.4.15\",port="
                "\"80\",protocol=\"tcp\",server=\"192.168.4.100:80\"} 1000\n"));
  EXPECT_THAT(
      m,
      HasSubstr("dsrlb_real_server_effective_weight{vip=\"192.168.4.15\",port="
                "\"80\",protocol=\"tcp\",server=\"192.168.4.201:80\"} 0\n"));
  EXPECT_THAT(m,
              HasSubstr("dsrlb_vrrp_state{instance=\"VI_1\",vrid=\"51\"} 3\n"));
  EXPECT_THAT(m,
              HasSubstr("dsrlb_dataplane_total{counter=\"drop_no_vip\"} 3\n"));
  EXPECT_THAT(m, HasSubstr("dsrlb_table_generation 7\n"));
}

}  // namespace
}  // namespace dsrlb::stats
