// Snapshot -> rows of cells, shared by the HTML page and the CSV export.
#include "controlplane/stats/status_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dsrlb::stats {

const std::vector<Column> kColumns = {
    {"vs", "Virtual server"},
    {"server", "Server"},
    {"status", "Status"},
    {"since_s", "Since"},
    {"vrrp", "VRRP/BGP"},
    {"check_status", "Chk"},
    {"check_result", "Last check"},
    {"check_duration_ms", "Dur"},
    {"check_age_s", "Age"},
    {"checks", "Checks"},
    {"check_failures", "Fail"},
    {"down_transitions", "Dwn"},
    {"downtime_s", "Dwntme"},
    {"weight", "Wght"},
    {"effective_weight", "Eff"},
    {"ring_slots", "Ring"},
    {"ring_share_pct", "Share"},
    {"active_conns", "Act"},
    {"inactive_conns", "Inact"},
    {"max_conns", "Max"},
    {"conns_total", "Conns"},
    {"conn_rate", "Conn/s"},
    {"max_conn_rate", "Max/s"},
    {"packets", "Pkts"},
    {"packet_rate", "Pkt/s"},
    {"bytes", "Bytes"},
    {"byte_rate", "B/s"},
    {"mac", "MAC"},
    {"reason", "Not in ring because"},
    // CSV only: the page shows them in the VRRP/BGP column.
    {"bgp", nullptr},
    {"bgp_reason", nullptr},
};

namespace {

Cell Text(std::string s) { return Cell{s, s, true}; }
Cell Empty() { return Cell{"", "", false}; }
Cell Count(uint64_t v) { return Cell{absl::StrCat(v), absl::StrCat(v), false}; }
Cell Volume(uint64_t v) { return Cell{absl::StrCat(v), BytesText(v), false}; }
Cell PerSecond(double v) {
  return Cell{absl::StrFormat("%.1f", v), absl::StrFormat("%.0f", v), false};
}
Cell Seconds(int64_t s) {
  return s < 0 ? Empty() : Cell{absl::StrCat(s), DurationText(s), false};
}
int64_t AgeSeconds(absl::Time now, int64_t unix_ms) {
  if (unix_ms <= 0) return -1;
  return std::max<int64_t>(
      0, absl::ToInt64Seconds(now - absl::FromUnixMillis(unix_ms)));
}

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

// Last check: ok/failed, the result, how long it took, how long ago.
void AppendCheck(absl::Time now, const v1::RealServer& rs,
                 std::vector<Cell>* c) {
  if (rs.last_check_unix_ms() <= 0) {
    for (int i = 0; i < 4; i++) c->push_back(Empty());
    return;
  }
  c->push_back(Text(rs.last_check_ok() ? "ok" : "failed"));
  c->push_back(Text(rs.last_check_result()));
  const double ms = rs.last_check_duration_us() / 1000.0;
  c->push_back(
      Cell{absl::StrFormat("%.3f", ms), absl::StrFormat("%.0fms", ms), false});
  c->push_back(Seconds(AgeSeconds(now, rs.last_check_unix_ms())));
}

std::vector<Cell> RealServerCells(const Snapshot& s,
                                  const v1::VirtualServer& vs,
                                  const v1::RealServer& rs,
                                  uint64_t ring_total) {
  std::vector<Cell> c;
  c.push_back(Text(VsName(vs)));
  c.push_back(Text(HostPort(rs.key().address(), rs.key().port())));
  c.push_back(Text(HealthText(rs)));
  c.push_back(Seconds(AgeSeconds(s.taken, rs.last_change_unix_ms())));
  c.push_back(Empty());
  AppendCheck(s.taken, rs, &c);
  c.push_back(Count(rs.checks()));
  c.push_back(Count(rs.check_failures()));
  c.push_back(Count(rs.down_transitions()));
  c.push_back(Seconds(rs.downtime_ms() / 1000));
  c.push_back(Count(rs.weight()));
  c.push_back(Count(rs.effective_weight()));
  c.push_back(Count(rs.ring_slots()));
  const double share = ring_total ? 100.0 * rs.ring_slots() / ring_total : 0;
  c.push_back(Cell{absl::StrFormat("%.2f", share),
                   absl::StrFormat("%.1f%%", share), false});
  c.push_back(Count(rs.active_connections()));
  c.push_back(Count(rs.inactive_connections()));
  c.push_back(Count(rs.max_connections()));
  c.push_back(Count(rs.connections()));
  c.push_back(PerSecond(rs.connections_per_second()));
  c.push_back(PerSecond(rs.max_connections_per_second()));
  c.push_back(Count(rs.packets()));
  c.push_back(PerSecond(rs.packets_per_second()));
  c.push_back(Volume(rs.bytes()));
  c.push_back(PerSecond(rs.bytes_per_second()));
  c.push_back(rs.mac().empty() ? Cell{"", "unresolved", true, true}
                               : Text(rs.mac()));
  c.push_back(Text(rs.reason()));
  c.push_back(Text(""));
  c.push_back(Text(""));
  return c;
}

// Since and VRRP/BGP: the VRRP instance of the address and its state, or
// the BGP route's state (the CSV has it in its own columns).
void AppendModeCells(const Snapshot& s, const v1::VirtualServer& vs,
                     std::vector<Cell>* c) {
  if (vs.has_bgp()) {
    c->push_back(Seconds(AgeSeconds(s.taken, vs.bgp().since_unix_ms())));
    c->push_back(Cell{"", BgpText(vs.bgp()), true});
    return;
  }
  const v1::VrrpInstance* vi = VrrpFor(s, vs.key().address());
  c->push_back(
      Seconds(vi ? AgeSeconds(s.taken, vi->last_transition_unix_ms()) : -1));
  c->push_back(vi ? Text(absl::StrCat(vi->name(), " ", VrrpText(vi->state())))
                  : Text(""));
}

// The virtual server's row: its own counters, its servers' sums.
std::vector<Cell> VirtualServerCells(const Snapshot& s,
                                     const v1::VirtualServer& vs,
                                     uint64_t ring_total) {
  uint64_t checks = 0, failures = 0, downs = 0, max_conns = 0, weight = 0,
           eff = 0;
  int64_t downtime_ms = 0;
  double max_rate = 0;
  for (const v1::RealServer& rs : vs.real_servers()) {
    checks += rs.checks();
    failures += rs.check_failures();
    downs += rs.down_transitions();
    downtime_ms += rs.downtime_ms();
    max_conns += rs.max_connections();
    max_rate += rs.max_connections_per_second();
    weight += rs.weight();
    eff += rs.effective_weight();
  }
  std::vector<Cell> c;
  c.push_back(Text(VsName(vs)));
  c.push_back(Text("TOTAL"));
  c.push_back(Text(vs.active() ? "ACTIVE" : "BACKUP"));
  AppendModeCells(s, vs, &c);
  for (int i = 0; i < 4; i++) c.push_back(Empty());
  for (uint64_t v : {checks, failures, downs}) c.push_back(Count(v));
  c.push_back(Seconds(downtime_ms / 1000));
  for (uint64_t v : {weight, eff, ring_total}) c.push_back(Count(v));
  c.push_back(Empty());
  for (uint64_t v : {vs.active_connections(), vs.inactive_connections(),
                     max_conns, vs.connections()})
    c.push_back(Count(v));
  c.push_back(PerSecond(vs.connections_per_second()));
  c.push_back(PerSecond(max_rate));
  c.push_back(Count(vs.packets()));
  c.push_back(PerSecond(vs.packets_per_second()));
  c.push_back(Volume(vs.bytes()));
  c.push_back(PerSecond(vs.bytes_per_second()));
  c.push_back(Text(""));
  c.push_back(Text(vs.quorum_up() ? "" : "quorum lost"));
  if (vs.has_bgp()) {
    c.push_back(Text(vs.bgp().announced() ? "announced" : "withdrawn"));
    c.push_back(Text(vs.bgp().reason()));
  } else {
    c.push_back(Text(""));
    c.push_back(Text(""));
  }
  return c;
}

}  // namespace

std::vector<StatusRow> StatusRows(const Snapshot& s) {
  std::vector<StatusRow> rows;
  for (const v1::VirtualServer& vs : s.servers.virtual_servers()) {
    uint64_t ring_total = 0;
    for (const v1::RealServer& rs : vs.real_servers())
      ring_total += rs.ring_slots();
    rows.push_back(
        StatusRow{true, "vs", VirtualServerCells(s, vs, ring_total)});
    for (const v1::RealServer& rs : vs.real_servers())
      rows.push_back(StatusRow{false, RowClass(rs),
                               RealServerCells(s, vs, rs, ring_total)});
  }
  return rows;
}

std::string HostPort(const std::string& addr, uint32_t port) {
  bool v6 = addr.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", addr, v6 ? "]" : "", ":",
                      port == 0 ? std::string("*") : absl::StrCat(port));
}

std::string VsName(const v1::VirtualServer& vs) {
  return absl::StrCat(vs.key().protocol() == v1::PROTOCOL_UDP ? "UDP " : "TCP ",
                      HostPort(vs.key().address(), vs.key().port()));
}

std::string DurationText(int64_t s) {
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  if (s < 86400) return absl::StrFormat("%dh%02dm", s / 3600, s % 3600 / 60);
  return absl::StrFormat("%dd%02dh", s / 86400, s % 86400 / 3600);
}

std::string BytesText(uint64_t b) {
  if (b < 10240) return absl::StrCat(b);
  if (b < 10ull << 20) return absl::StrFormat("%.1fK", b / 1024.0);
  if (b < 10ull << 30) return absl::StrFormat("%.1fM", b / 1048576.0);
  return absl::StrFormat("%.1fG", b / 1073741824.0);
}

const v1::VrrpInstance* VrrpFor(const Snapshot& s, const std::string& address) {
  for (const v1::VrrpInstance& i : s.vrrp.instances())
    for (const std::string& a : i.virtual_addresses())
      if (a == address) return &i;
  return nullptr;
}

std::string BgpText(const v1::BgpAnnouncement& bgp) {
  if (bgp.announced()) return "BGP announced";
  return absl::StrCat("BGP withdrawn: ",
                      bgp.reason().empty() ? "?" : bgp.reason());
}

std::string VrrpText(v1::VrrpState state) {
  switch (state) {
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

}  // namespace dsrlb::stats
