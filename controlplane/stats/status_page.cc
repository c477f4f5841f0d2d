// Snapshot -> one self-contained HTML page (HAProxy's stats page layout:
// a table per virtual server, a row per real server, colour by state).
#include "controlplane/stats/status_page.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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
.legend span{display:inline-block;padding:1px 6px;margin-right:4px;border:1px solid #999}
)";

std::string HealthText(const v1::RealServer& rs) {
  if (rs.draining()) return "DRAIN";
  switch (rs.health()) {
    case v1::HEALTH_STATE_UP:
      return "UP";
    case v1::HEALTH_STATE_DOWN:
      return "DOWN";
    case v1::HEALTH_STATE_UNCHECKED:
      return "no check";
    default:
      return "?";
  }
}

std::string RowClass(const v1::RealServer& rs) {
  if (rs.health() == v1::HEALTH_STATE_DOWN) return "down";
  if (rs.draining() || rs.weight() == 0) return "drain";
  if (rs.mac().empty()) return "nomac";
  return "up";
}

std::string VrrpText(v1::VrrpState s) {
  switch (s) {
    case v1::VRRP_STATE_INIT:
      return "INIT";
    case v1::VRRP_STATE_BACKUP:
      return "BACKUP";
    case v1::VRRP_STATE_MASTER:
      return "MASTER";
    case v1::VRRP_STATE_FAULT:
      return "FAULT";
    default:
      return "?";
  }
}

std::string Age(absl::Time now, int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  absl::Duration d = now - absl::FromUnixMillis(unix_ms);
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  int64_t s = absl::ToInt64Seconds(d);
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  if (s < 86400) return absl::StrFormat("%dh%02dm", s / 3600, s % 3600 / 60);
  return absl::StrFormat("%dd%02dh", s / 86400, s % 86400 / 3600);
}

std::string Bytes(uint64_t b) {
  if (b < 10240) return absl::StrCat(b);
  if (b < 10ull << 20) return absl::StrFormat("%.1fK", b / 1024.0);
  if (b < 10ull << 30) return absl::StrFormat("%.1fM", b / 1048576.0);
  return absl::StrFormat("%.1fG", b / 1073741824.0);
}

std::string Key(const v1::VirtualServerKey& vs, const v1::RealServerKey* rs) {
  return absl::StrCat(vs.address(), "|", vs.port(), "|", vs.protocol(), "|",
                      rs ? rs->address() : "", "|", rs ? rs->port() : 0);
}

std::string HostPort(const std::string& addr, uint32_t port) {
  bool v6 = addr.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", addr, v6 ? "]" : "", ":",
                      port == 0 ? std::string("*") : absl::StrCat(port));
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

// Packet counts of the previous snapshot, for rates.
class Rates {
 public:
  Rates(const Snapshot& now, const Snapshot* previous) {
    if (previous == nullptr) return;
    interval_s_ = absl::ToDoubleSeconds(now.taken - previous->taken);
    for (const auto& vs : previous->servers.virtual_servers()) {
      before_[Key(vs.key(), nullptr)] = vs.packets();
      for (const auto& rs : vs.real_servers())
        before_[Key(vs.key(), &rs.key())] = rs.packets();
    }
  }

  // Packets per second since the previous snapshot, or "-".
  std::string Of(const std::string& key, uint64_t packets) const {
    auto it = before_.find(key);
    if (interval_s_ <= 0 || it == before_.end() || packets < it->second)
      return "-";
    return absl::StrFormat("%.0f", (packets - it->second) / interval_s_);
  }

 private:
  absl::flat_hash_map<std::string, uint64_t> before_;
  double interval_s_ = 0;
};

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
      "</p>\n<p class=\"legend\"><span style=\"background:#c0ffc0\">up</span>"
      "<span style=\"background:#ff9090\">down</span>"
      "<span style=\"background:#fff080\">drain / weight 0</span>"
      "<span style=\"background:#e0e0e0\">MAC unknown</span></p>\n");
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
        cls, HtmlEscape(i.name()), VrrpText(i.state()), i.virtual_router_id(),
        i.effective_priority(), i.priority(), HtmlEscape(i.interface()),
        HtmlEscape(i.master_address()), vips, i.adverts_received(),
        i.adverts_sent(), i.bad_packets(),
        Age(now.taken, i.last_transition_unix_ms()));
  }
  *h += "</table>\n";
}

// A virtual server's table: a total row, then a row per real server.
void AppendVirtualServer(const Snapshot& now, const v1::VirtualServer& vs,
                         const Rates& rates, std::string* h) {
  std::string proto = vs.key().protocol() == v1::PROTOCOL_UDP ? "UDP" : "TCP";
  absl::StrAppend(h, "<h2>", proto, " ",
                  HtmlEscape(HostPort(vs.key().address(), vs.key().port())),
                  vs.active() ? "" : " (backup: not forwarding)",
                  vs.persistence_timeout_s()
                      ? absl::StrCat(" &middot; persistent ",
                                     vs.persistence_timeout_s(), "s")
                      : "",
                  "</h2>\n");
  *h +=
      "<table><tr><th>Server</th><th>Status</th><th>Last "
      "check</th><th>LastChk</th>"
      "<th>Wght</th><th>Eff</th><th>Ring</th><th>Pkts</th><th>Pkt/s</th>"
      "<th>Bytes</th><th>Last chg</th><th>MAC</th></tr>\n";
  absl::StrAppendFormat(h,
                        "<tr class=vs><td class=l>Total</td><td "
                        "class=l>%s</td><td></td><td></td>"
                        "<td></td><td></td><td></td><td>%d</td><td>%s</"
                        "td><td>%s</td><td></td><td></td></tr>\n",
                        vs.active() ? "ACTIVE" : "BACKUP", vs.packets(),
                        rates.Of(Key(vs.key(), nullptr), vs.packets()),
                        Bytes(vs.bytes()));
  for (const auto& rs : vs.real_servers()) {
    std::string last_change = Age(now.taken, rs.last_change_unix_ms());
    if (rs.health() == v1::HEALTH_STATE_DOWN && last_change != "-")
      last_change = "down " + last_change;
    absl::StrAppendFormat(
        h,
        "<tr class=\"%s\"><td class=l>%s</td><td class=l>%s</td><td "
        "class=l>%s</td>"
        "<td>%s</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td>"
        "<td>%s</td><td>%s</td><td class=l>%s</td></tr>\n",
        RowClass(rs), HtmlEscape(HostPort(rs.key().address(), rs.key().port())),
        HealthText(rs), HtmlEscape(rs.last_check_result()),
        Age(now.taken, rs.last_check_unix_ms()), rs.weight(),
        rs.effective_weight(), rs.ring_slots(), rs.packets(),
        rates.Of(Key(vs.key(), &rs.key()), rs.packets()), Bytes(rs.bytes()),
        last_change,
        rs.mac().empty() ? "<i>unresolved</i>" : HtmlEscape(rs.mac()));
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

std::string RenderStatusPage(const Snapshot& now, const Snapshot* previous,
                             int refresh_s) {
  const Rates rates(now, previous);
  std::string h;
  AppendHeader(now, refresh_s, &h);
  AppendVrrpTable(now, &h);
  for (const auto& vs : now.servers.virtual_servers()) {
    AppendVirtualServer(now, vs, rates, &h);
  }
  AppendCounters(now, &h);
  return h;
}

}  // namespace dsrlb::stats
