// Snapshot -> Prometheus text. Label values are escaped per the format.
#include "controlplane/stats/metrics.h"

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace dsrlb::stats {
namespace {

std::string Label(absl::string_view v) {
  return absl::StrReplaceAll(v,
                             {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

std::string ProtoName(v1::Protocol p) {
  return p == v1::PROTOCOL_UDP ? "udp" : "tcp";
}

std::string VsLabels(const v1::VirtualServerKey& k) {
  return absl::StrCat("vip=\"", Label(k.address()), "\",port=\"", k.port(),
                      "\",protocol=\"", ProtoName(k.protocol()), "\"");
}

void Help(std::string& out, absl::string_view name, absl::string_view type,
          absl::string_view help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                  type, "\n");
}

// State and FAULT (with its reason) per VRRP instance.
void RenderVrrp(std::string& out, const v1::GetVrrpStateResponse& vrrp) {
  Help(out, "dsrlb_vrrp_state", "gauge",
       "VRRP state: 1 init, 2 backup, 3 master, 4 fault.");
  for (const auto& i : vrrp.instances())
    absl::StrAppend(&out, "dsrlb_vrrp_state{instance=\"", Label(i.name()),
                    "\",vrid=\"", i.virtual_router_id(), "\"} ",
                    static_cast<int>(i.state()), "\n");
  Help(out, "dsrlb_vrrp_fault", "gauge",
       "1 while the instance is in FAULT (reason label: what failed).");
  for (const auto& i : vrrp.instances())
    absl::StrAppend(&out, "dsrlb_vrrp_fault{instance=\"", Label(i.name()),
                    "\",reason=\"", Label(i.fault_reason()), "\"} ",
                    i.state() == v1::VRRP_STATE_FAULT ? 1 : 0, "\n");
}

// Integers print exactly; other values with enough digits to round-trip.
std::string Num(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 9e15 &&
      v > -9e15)
    return absl::StrCat(static_cast<int64_t>(v));
  // The shortest of %.15g..%.17g that reads back as `v`.
  std::string s;
  for (int digits = 15; digits <= 17; digits++) {
    s = absl::StrFormat("%.*g", digits, v);
    if (std::strtod(s.c_str(), nullptr) == v) break;
  }
  return s;
}

// BGP mode: per VIP (once, however many virtual servers share it) whether
// its route is announced, why not (reason label, as dsrlb_vrrp_fault's),
// and when that last changed. Nothing without BGP-mode VIPs.
void RenderBgp(std::string& out, const v1::ListVirtualServersResponse& list) {
  std::map<std::string, const v1::BgpAnnouncement*> vips;
  for (const auto& vs : list.virtual_servers())
    if (vs.has_bgp()) vips.emplace(vs.key().address(), &vs.bgp());
  if (vips.empty()) return;
  Help(out, "dsrlb_bgp_announced", "gauge",
       "1 while the VIP's route is announced to the BGP speaker (reason "
       "label: why not).");
  for (const auto& [vip, b] : vips)
    absl::StrAppend(&out, "dsrlb_bgp_announced{vip=\"", Label(vip),
                    "\",reason=\"", Label(b->reason()), "\"} ",
                    b->announced() ? 1 : 0, "\n");
  Help(out, "dsrlb_bgp_last_change_timestamp_seconds", "gauge",
       "When the VIP's route was last announced or withdrawn (Unix time).");
  for (const auto& [vip, b] : vips)
    absl::StrAppend(&out, "dsrlb_bgp_last_change_timestamp_seconds{vip=\"",
                    Label(vip), "\"} ", Num(b->since_unix_ms() / 1e3), "\n");
}

// Each part's health (issue 9).
void RenderPartsHealth(std::string& out, const v1::GetCountersResponse& c) {
  const struct {
    const char* name;
    const char* type;
    const char* help;
    uint64_t value;
  } rows[] = {
      {"dsrlb_tables_stale", "gauge",
       "1 while the live dataplane stays behind the published table (2 s+).",
       c.tables_stale()},
      {"dsrlb_dataplane_generation", "gauge",
       "Table generation of the dataplane's oldest lcore.",
       c.dataplane_generation()},
      {"dsrlb_publish_failing", "gauge", "1 while the last publish failed.",
       c.publish_failing()},
      {"dsrlb_publish_failures_total", "counter", "Failed table publishes.",
       c.publish_failures_total()},
      {"dsrlb_kernel_guard", "gauge",
       "1 while the nftables table inet dsrlb guards the VIPs.",
       c.kernel_guard()},
      {"dsrlb_kernel_vip_drops_total", "counter",
       "VIP packets the kernel dropped while no dataplane forwarded.",
       c.kernel_vip_drops()},
  };
  for (const auto& r : rows) {
    Help(out, r.name, r.type, r.help);
    absl::StrAppend(&out, r.name, " ", r.value, "\n");
  }
}

struct RsMetric {
  const char* name;
  const char* type;
  const char* help;
  double (*get)(const v1::RealServer&);
};
const RsMetric kRsMetrics[] = {
    {"dsrlb_real_server_up", "gauge", "1 if the health checks pass.",
     [](const v1::RealServer& r) -> double {
       return r.health() != v1::HEALTH_STATE_DOWN;
     }},
    {"dsrlb_real_server_weight", "gauge", "Configured weight.",
     [](const v1::RealServer& r) -> double { return r.weight(); }},
    {"dsrlb_real_server_effective_weight", "gauge",
     "Weight in the ring now (0 while down, drained or MAC unknown).",
     [](const v1::RealServer& r) -> double { return r.effective_weight(); }},
    {"dsrlb_real_server_ring_slots", "gauge",
     "Maglev ring entries the server owns.",
     [](const v1::RealServer& r) -> double { return r.ring_slots(); }},
    {"dsrlb_real_server_packets_total", "counter",
     "Packets forwarded to the server.",
     [](const v1::RealServer& r) -> double { return r.packets(); }},
    {"dsrlb_real_server_bytes_total", "counter",
     "Bytes forwarded to the server.",
     [](const v1::RealServer& r) -> double { return r.bytes(); }},
    {"dsrlb_real_server_active_connections", "gauge",
     "TCP connections in ESTABLISHED (ipvsadm ActiveConn).",
     [](const v1::RealServer& r) -> double { return r.active_connections(); }},
    {"dsrlb_real_server_inactive_connections", "gauge",
     "Other connections: SYN_RECV, closing, UDP (ipvsadm InActConn).",
     [](const v1::RealServer& r) -> double {
       return r.inactive_connections();
     }},
    {"dsrlb_real_server_connections_total", "counter",
     "Connections begun (SYN, new UDP flow) (ipvsadm Conns).",
     [](const v1::RealServer& r) -> double { return r.connections(); }},
    {"dsrlb_real_server_max_connections", "gauge",
     "Most connections (active + inactive) seen at once.",
     [](const v1::RealServer& r) -> double { return r.max_connections(); }},
    {"dsrlb_real_server_max_connections_per_second", "gauge",
     "Highest new-connection rate seen (over about a second).",
     [](const v1::RealServer& r) -> double {
       return r.max_connections_per_second();
     }},
    {"dsrlb_real_server_checks_total", "counter",
     "Health-check attempts finished, retries included.",
     [](const v1::RealServer& r) -> double { return r.checks(); }},
    {"dsrlb_real_server_check_failures_total", "counter",
     "Health-check attempts that failed.",
     [](const v1::RealServer& r) -> double { return r.check_failures(); }},
    {"dsrlb_real_server_down_transitions_total", "counter",
     "Times the server went from up to down.",
     [](const v1::RealServer& r) -> double { return r.down_transitions(); }},
    {"dsrlb_real_server_downtime_seconds_total", "counter",
     "Time spent down, the current spell included.",
     [](const v1::RealServer& r) -> double { return r.downtime_ms() / 1e3; }},
    {"dsrlb_real_server_last_check_success", "gauge",
     "1 if the last health-check attempt passed.",
     [](const v1::RealServer& r) -> double { return r.last_check_ok(); }},
    {"dsrlb_real_server_last_check_duration_seconds", "gauge",
     "How long the last health-check attempt took.",
     [](const v1::RealServer& r) -> double {
       return r.last_check_duration_us() / 1e6;
     }},
    {"dsrlb_real_server_last_check_timestamp_seconds", "gauge",
     "When the last health-check attempt ended (Unix time; 0: never).",
     [](const v1::RealServer& r) -> double {
       return r.last_check_unix_ms() / 1e3;
     }},
    {"dsrlb_real_server_last_change_timestamp_seconds", "gauge",
     "When the server's health last changed (Unix time).",
     [](const v1::RealServer& r) -> double {
       return r.last_change_unix_ms() / 1e3;
     }},
};

// Per virtual server: the sums of its real servers' connections.
struct VsMetric {
  const char* name;
  const char* type;
  const char* help;
  double (*get)(const v1::VirtualServer&);
};
const VsMetric kVsMetrics[] = {
    {"dsrlb_virtual_server_active_connections", "gauge",
     "TCP connections in ESTABLISHED, summed over its real servers.",
     [](const v1::VirtualServer& v) -> double {
       return v.active_connections();
     }},
    {"dsrlb_virtual_server_inactive_connections", "gauge",
     "Other connections, summed over its real servers.",
     [](const v1::VirtualServer& v) -> double {
       return v.inactive_connections();
     }},
    {"dsrlb_virtual_server_connections_total", "counter",
     "Connections begun, summed over its real servers.",
     [](const v1::VirtualServer& v) -> double { return v.connections(); }},
};

// The dataplane's worker lcores.
void RenderLcores(std::string& out, const v1::GetCountersResponse& c) {
  if (c.dataplane_heartbeat_age_ms() >= 0) {
    Help(out, "dsrlb_dataplane_heartbeat_age_seconds", "gauge",
         "Since the dataplane's main lcore last bumped its heartbeat.");
    absl::StrAppend(&out, "dsrlb_dataplane_heartbeat_age_seconds ",
                    Num(c.dataplane_heartbeat_age_ms() / 1e3), "\n");
  }
  const struct {
    const char* name;
    const char* type;
    const char* help;
    double (*get)(const v1::Lcore&);
  } rows[] = {
      {"dsrlb_lcore_generation", "gauge", "Table generation the lcore uses.",
       [](const v1::Lcore& l) -> double { return l.generation(); }},
      {"dsrlb_lcore_heartbeat_age_seconds", "gauge",
       "Since dsrlb-control saw the lcore's loop counter move.",
       [](const v1::Lcore& l) -> double { return l.heartbeat_age_ms() / 1e3; }},
      {"dsrlb_lcore_rx_packets_total", "counter", "Packets the lcore received.",
       [](const v1::Lcore& l) -> double { return l.rx_packets(); }},
      {"dsrlb_lcore_drops_total", "counter",
       "Packets the lcore dropped, all reasons.",
       [](const v1::Lcore& l) -> double { return l.drops(); }},
  };
  if (c.lcores_size() == 0) return;
  for (const auto& r : rows) {
    Help(out, r.name, r.type, r.help);
    for (const v1::Lcore& l : c.lcores())
      absl::StrAppend(&out, r.name, "{lcore=\"", l.lcore_id(), "\"} ",
                      Num(r.get(l)), "\n");
  }
}

}  // namespace

std::string RenderMetrics(const Snapshot& s) {
  std::string out;
  Help(out, "dsrlb_virtual_server_packets_total", "counter",
       "Packets forwarded for the virtual server.");
  for (const auto& vs : s.servers.virtual_servers())
    absl::StrAppend(&out, "dsrlb_virtual_server_packets_total{",
                    VsLabels(vs.key()), "} ", vs.packets(), "\n");
  Help(out, "dsrlb_virtual_server_bytes_total", "counter",
       "Bytes forwarded for the virtual server.");
  for (const auto& vs : s.servers.virtual_servers())
    absl::StrAppend(&out, "dsrlb_virtual_server_bytes_total{",
                    VsLabels(vs.key()), "} ", vs.bytes(), "\n");
  Help(out, "dsrlb_virtual_server_active", "gauge",
       "1 while this host forwards for the VIP (VRRP master).");
  for (const auto& vs : s.servers.virtual_servers())
    absl::StrAppend(&out, "dsrlb_virtual_server_active{", VsLabels(vs.key()),
                    "} ", vs.active() ? 1 : 0, "\n");

  for (const RsMetric& m : kRsMetrics) {
    Help(out, m.name, m.type, m.help);
    for (const auto& vs : s.servers.virtual_servers())
      for (const auto& rs : vs.real_servers())
        absl::StrAppend(&out, m.name, "{", VsLabels(vs.key()), ",server=\"",
                        Label(rs.key().address()), ":", rs.key().port(), "\"} ",
                        Num(m.get(rs)), "\n");
  }
  for (const VsMetric& m : kVsMetrics) {
    Help(out, m.name, m.type, m.help);
    for (const auto& vs : s.servers.virtual_servers())
      absl::StrAppend(&out, m.name, "{", VsLabels(vs.key()), "} ",
                      Num(m.get(vs)), "\n");
  }

  RenderVrrp(out, s.vrrp);
  RenderBgp(out, s.servers);
  RenderPartsHealth(out, s.counters);
  Help(out, "dsrlb_dataplane_alive", "gauge",
       "1 while the dataplane's heartbeat moves.");
  absl::StrAppend(&out, "dsrlb_dataplane_alive ",
                  s.counters.dataplane_alive() ? 1 : 0, "\n");
  Help(out, "dsrlb_table_generation", "gauge", "Published table generation.");
  absl::StrAppend(&out, "dsrlb_table_generation ",
                  s.counters.table_generation(), "\n");
  RenderLcores(out, s.counters);
  Help(out, "dsrlb_dataplane_total", "counter",
       "Dataplane counters and drops by reason, summed over lcores.");
  for (const auto& c : s.counters.counters())
    absl::StrAppend(&out, "dsrlb_dataplane_total{counter=\"", Label(c.name()),
                    "\"} ", c.value(), "\n");
  return out;
}

}  // namespace dsrlb::stats
