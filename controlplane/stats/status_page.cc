// Snapshot -> one self-contained HTML page (HAProxy's stats page layout:
// a table per virtual server, a row per real server, colour by state).
#include "controlplane/stats/status_page.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controlplane/stats/status_rows.h"

namespace dsrlb::stats {
namespace {

constexpr char kStyle[] = R"(
body{font-family:Verdana,Arial,sans-serif;font-size:12px;margin:8px;background:#fff;color:#000}
h1{font-size:16px;background:#20408f;color:#fff;padding:6px;margin:0 0 8px 0}
h2{font-size:13px;margin:14px 0 4px 0}
table{border-collapse:collapse;margin-bottom:6px}
th{background:#b0b8d0;padding:2px 6px;border:1px solid #777;font-weight:bold}
td{padding:2px 6px;border:1px solid #999;text-align:right}
td.l{text-align:left}
tr.vs td{background:#c0c8e8;font-weight:bold}
tr.up td{background:#c0ffc0} tr.down td{background:#ff9090}
tr.drain td{background:#fff080} tr.nomac td{background:#e0e0e0}
tr.master td{background:#c0ffc0} tr.backup td{background:#e0e0e0}
tr.fault td{background:#ff9090}
p.fault{background:#ff9090;padding:4px}
.legend span{display:inline-block;padding:1px 6px;margin-right:4px;border:1px solid #999}
)";

// What a dead dataplane does to the VIPs: VRRP instances in FAULT, BGP
// routes withdrawn, or both.
std::string DataplaneDownEffect(const Snapshot& now) {
  bool bgp = false, vrrp = now.servers.virtual_servers_size() == 0;
  for (const v1::VirtualServer& vs : now.servers.virtual_servers()) {
    if (vs.has_bgp()) bgp = true;
    if (VrrpFor(now, vs.key().address()) != nullptr) vrrp = true;
  }
  if (bgp && vrrp)
    return "VRRP instances of its VIPs are in FAULT, BGP routes withdrawn";
  return bgp ? "BGP routes of its VIPs withdrawn"
             : "VRRP instances of its VIPs are in FAULT";
}

// A failing part (issue 9), one line each; nothing while all is well.
std::string PartsHealth(const Snapshot& now) {
  const v1::GetCountersResponse& c = now.counters;
  std::string out;
  if (!c.dataplane_alive())
    absl::StrAppend(
        &out, "<p class=\"fault\"><b>",
        HtmlEscape(c.dataplane_reason().empty() ? "dataplane down"
                                                : c.dataplane_reason()),
        "</b>: ", DataplaneDownEffect(now), "</p>\n");
  if (c.tables_stale())
    absl::StrAppend(&out, "<p class=\"fault\"><b>tables stale</b>: the ",
                    "dataplane uses generation ", c.dataplane_generation(),
                    ", published ", c.table_generation(), "</p>\n");
  if (c.publish_failing())
    absl::StrAppend(&out, "<p class=\"fault\"><b>publish failing</b>: ",
                    HtmlEscape(c.publish_error()), " (",
                    c.publish_failures_total(), " failures)</p>\n");
  if (c.kernel_vip_drops() > 0)
    absl::StrAppend(&out, "<p>kernel dropped ", c.kernel_vip_drops(),
                    " VIP packets while no dataplane forwarded</p>\n");
  return out;
}

std::string Age(absl::Time now, int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  absl::Duration d = now - absl::FromUnixMillis(unix_ms);
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  return DurationText(absl::ToInt64Seconds(d));
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Head, title, generation, dataplane liveness and the colour legend.
void AppendHeader(const Snapshot& now, int refresh_s, std::string* h) {
  *h += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">";
  if (refresh_s > 0)
    absl::StrAppend(h, "<meta http-equiv=\"refresh\" content=\"", refresh_s,
                    "\">");
  absl::StrAppend(h, "<title>dsrlb status", now.router_id.empty() ? "" : " - ",
                  HtmlEscape(now.router_id), "</title><style>", kStyle,
                  "</style></head><body>\n");
  absl::StrAppend(h, "<h1>dsrlb status",
                  now.router_id.empty() ? "" : " &mdash; ",
                  HtmlEscape(now.router_id), "</h1>\n");
  absl::StrAppend(
      h, "<p>",
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", now.taken, absl::UTCTimeZone()),
      " &middot; table generation ", now.counters.table_generation(),
      " &middot; dataplane ",
      now.counters.dataplane_alive() ? "alive" : "<b>NOT RUNNING</b>",
      now.counters.dataplane_heartbeat_age_ms() >= 0
          ? absl::StrCat(" (heartbeat ",
                         now.counters.dataplane_heartbeat_age_ms(), "ms ago)")
          : "",
      " &middot; <a href=\"/;csv\">CSV</a> &middot; "
      "<a href=\"/metrics\">metrics</a>",
      "</p>\n<p class=\"legend\"><span style=\"background:#c0ffc0\">up</span>"
      "<span style=\"background:#ff9090\">down</span>"
      "<span style=\"background:#fff080\">drain / weight 0</span>"
      "<span style=\"background:#e0e0e0\">MAC unknown</span></p>\n");
  *h += PartsHealth(now);
}

// One row per VRRP instance, when there are any.
void AppendVrrpTable(const Snapshot& now, std::string* h) {
  if (now.vrrp.instances_size() == 0) return;
  *h +=
      "<h2>VRRP</h2>\n<table><tr><th>Instance</th><th>State</th><th>VRID</th>"
      "<th>Priority</th><th>Interface</th><th>Master</th><th>VIPs</th>"
      "<th>Adverts in/out</th><th>Bad</th><th>Since</th></tr>\n";
  for (const auto& i : now.vrrp.instances()) {
    std::string cls = i.state() == v1::VRRP_STATE_MASTER  ? "master"
                      : i.state() == v1::VRRP_STATE_FAULT ? "fault"
                                                          : "backup";
    std::string vips;
    for (const auto& v : i.virtual_addresses())
      absl::StrAppend(&vips, vips.empty() ? "" : " ", HtmlEscape(v));
    absl::StrAppendFormat(
        h,
        "<tr class=\"%s\"><td class=l>%s</td><td class=l>%s</td><td>%d</td>"
        "<td>%d (%d)</td><td class=l>%s</td><td class=l>%s</td><td "
        "class=l>%s</td>"
        "<td>%d / %d</td><td>%d</td><td>%s</td></tr>\n",
        cls, HtmlEscape(i.name()),
        VrrpText(i.state()) + (i.fault_reason().empty()
                                   ? ""
                                   : " (" + HtmlEscape(i.fault_reason()) + ")"),
        i.virtual_router_id(), i.effective_priority(), i.priority(),
        HtmlEscape(i.interface()), HtmlEscape(i.master_address()), vips,
        i.adverts_received(), i.adverts_sent(), i.bad_packets(),
        Age(now.taken, i.last_transition_unix_ms()));
  }
  *h += "</table>\n";
}

// The header row: every column but the virtual server's (its heading).
void AppendColumnHeads(std::string* h) {
  *h += "<tr>";
  for (size_t i = 1; i < kColumns.size(); i++)
    if (kColumns[i].html != nullptr)
      absl::StrAppend(h, "<th title=\"", kColumns[i].csv, "\">",
                      HtmlEscape(kColumns[i].html), "</th>");
  *h += "</tr>\n";
}

void AppendRow(const StatusRow& row, std::string* h) {
  absl::StrAppend(h, "<tr class=\"", row.css, "\">");
  for (size_t i = 1; i < row.cells.size(); i++) {
    if (kColumns[i].html == nullptr) continue;
    const Cell& c = row.cells[i];
    absl::StrAppend(h, c.left ? "<td class=l>" : "<td>", c.em ? "<i>" : "",
                    HtmlEscape(c.shown), c.em ? "</i>" : "", "</td>");
  }
  *h += "</tr>\n";
}

// A table per virtual server: its total row, then a row per real server.
void AppendServers(const Snapshot& now, std::string* h) {
  const std::vector<StatusRow> rows = StatusRows(now);
  int vs_index = 0;
  for (size_t r = 0; r < rows.size(); r++) {
    if (rows[r].total) {
      if (r > 0) *h += "</table>\n";
      const v1::VirtualServer& vs = now.servers.virtual_servers(vs_index++);
      absl::StrAppend(h, "<h2>", HtmlEscape(VsName(vs)),
                      vs.active() ? "" : " (backup: not forwarding)",
                      vs.persistence_timeout_s()
                          ? absl::StrCat(" &middot; persistent ",
                                         vs.persistence_timeout_s(), "s")
                          : "",
                      "</h2>\n<table>");
      AppendColumnHeads(h);
    }
    AppendRow(rows[r], h);
  }
  if (!rows.empty()) *h += "</table>\n";
}

// The dataplane's worker lcores: generation, heartbeat age, packets, drops.
void AppendLcores(const Snapshot& now, std::string* h) {
  const auto& c = now.counters;
  if (c.lcores_size() == 0) return;
  *h +=
      "<h2>Lcores</h2>\n<table><tr><th>Lcore</th><th>Generation</th>"
      "<th>Heartbeat</th><th>Heartbeat age</th><th>Rx pkts</th>"
      "<th>Drops</th></tr>\n";
  for (const v1::Lcore& l : c.lcores()) {
    const bool stale = l.generation() != c.table_generation();
    absl::StrAppendFormat(
        h,
        "<tr class=\"%s\"><td>%d</td><td>%d</td><td>%d</td><td>%dms</td>"
        "<td>%d</td><td>%d</td></tr>\n",
        stale ? "drain" : "up", l.lcore_id(), l.generation(), l.heartbeat(),
        l.heartbeat_age_ms(), l.rx_packets(), l.drops());
  }
  *h += "</table>\n";
}

// The dataplane's counters, leaving out drop counters that are zero.
void AppendCounters(const Snapshot& now, std::string* h) {
  *h += "<h2>Dataplane</h2>\n<table><tr><th>Counter</th><th>Value</th></tr>\n";
  for (const auto& c : now.counters.counters())
    if (c.value() != 0 || c.name().rfind("drop_", 0) != 0)
      absl::StrAppendFormat(h, "<tr><td class=l>%s</td><td>%d</td></tr>\n",
                            HtmlEscape(c.name()), c.value());
  *h +=
      "</table>\n<p>Drop counters that are zero are not "
      "shown.</p>\n</body></html>\n";
}

}  // namespace

std::string RenderStatusPage(const Snapshot& now, int refresh_s) {
  std::string h;
  AppendHeader(now, refresh_s, &h);
  AppendVrrpTable(now, &h);
  AppendServers(now, &h);
  AppendLcores(now, &h);
  AppendCounters(now, &h);
  return h;
}

}  // namespace dsrlb::stats
