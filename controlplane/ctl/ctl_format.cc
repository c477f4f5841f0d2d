// Output formats of dsrlbctl. The list shapes follow ipvsadm(8) column for
// column so scripts written for `ipvsadm -Ln` keep working: the dataplane
// forwards by direct routing ("Route"); replies bypass it, so OutPkts,
// OutBytes, OutPPS and OutBPS are 0 as under LVS-DR. Connections
// (ActiveConn, InActConn, Conns, CPS) are the dataplane's flow-table
// counts; rates are dsrlb-control's, or the difference of two listings.
#include "controlplane/ctl/ctl_format.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace dsrlb::api {
namespace {

// Where ipvsadm names the kernel's IPVS version: what answers instead.
#ifndef DSRLB_VERSION
#define DSRLB_VERSION "unknown"
#endif
const char* kBanner =
    "dsrlb " DSRLB_VERSION
    " (direct routing: DPDK dataplane, Maglev, keepalived.conf)\n";

std::string SchedName(v1::Scheduler s) {
  switch (s) {
    case v1::SCHEDULER_RR:
      return "rr";
    case v1::SCHEDULER_MH:
      return "mh";
    case v1::SCHEDULER_SH:
      return "sh";
    default:
      return "wrr";
  }
}

std::string ProtoName(v1::Protocol p) {
  return p == v1::PROTOCOL_UDP ? "UDP" : "TCP";
}

std::string HealthName(v1::HealthState h) {
  switch (h) {
    case v1::HEALTH_STATE_UP:
      return "up";
    case v1::HEALTH_STATE_DOWN:
      return "down";
    case v1::HEALTH_STATE_UNCHECKED:
      return "unchecked";
    default:
      return "?";
  }
}

std::string StateName(v1::BackendState s) {
  switch (s) {
    case v1::BACKEND_STATE_UP:
      return "up";
    case v1::BACKEND_STATE_DRAINING:
      return "draining";
    case v1::BACKEND_STATE_DOWN:
      return "down";
    default:
      return "?";
  }
}

// The weight the ring gives new connections (0 while down with
// inhibit_on_failure, drained, quiesced; 1 for every server under rr, which
// ignores weights as LVS's rr does).
uint32_t ShownWeight(const v1::RealServer& rs) {
  return rs.state() == v1::BACKEND_STATE_UP ? rs.effective_weight() : 0;
}

// What --stats shows and --rate differentiates: new connections, packets,
// bytes; with dsrlb-control's own rates of them.
struct Totals {
  uint64_t conns = 0, packets = 0, bytes = 0;
  double cps = 0, pps = 0, bps = 0;
};
template <typename Server>
Totals TotalsOf(const Server& s) {
  return {s.connections(),
          s.packets(),
          s.bytes(),
          s.connections_per_second(),
          s.packets_per_second(),
          s.bytes_per_second()};
}

std::map<std::string, Totals> Index(const v1::ListVirtualServersResponse& l) {
  std::map<std::string, Totals> out;
  for (const v1::VirtualServer& vs : l.virtual_servers()) {
    std::string k = FormatVsKey(vs.key());
    out[k] = TotalsOf(vs);
    for (const v1::RealServer& rs : vs.real_servers())
      out[k + " " + FormatHostPort(rs.key().address(), rs.key().port())] =
          TotalsOf(rs);
  }
  return out;
}

std::string UtcTime(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

// --details of a virtual server: its ring's fingerprint; in BGP mode its
// route's state at the speaker and since when.
std::string VsDetails(const v1::VirtualServer& vs) {
  std::string out = absl::StrCat(
      " ring=", absl::Hex(vs.ring_fingerprint(), absl::kZeroPad16));
  if (!vs.has_bgp()) return out;
  const v1::BgpAnnouncement& b = vs.bgp();
  if (b.announced())
    absl::StrAppend(&out, " bgp=announced next_hop=", b.next_hop());
  else
    absl::StrAppend(&out, " bgp=withdrawn bgp_reason=\"", b.reason(), "\"");
  if (b.since_unix_ms() > 0)
    absl::StrAppend(&out, " bgp_since=", UtcTime(b.since_unix_ms()));
  return out;
}

// --details of a real server: MAC, health, table state, ring slots; its
// health checks' counts and last attempt (HAProxy's Chk / Dwn / Dwntme /
// LastChk); its peaks; why it is not in the ring.
std::string RsDetails(const v1::RealServer& rs) {
  std::string out = absl::StrCat(" mac=", rs.mac().empty() ? "-" : rs.mac(),
                                 " health=", HealthName(rs.health()),
                                 " state=", StateName(rs.state()),
                                 " slots=", rs.ring_slots());
  absl::StrAppend(&out, " checks=", rs.checks(),
                  " check_failures=", rs.check_failures(),
                  " down_transitions=", rs.down_transitions(),
                  " downtime=", rs.downtime_ms() / 1000, "s");
  if (rs.last_check_unix_ms() > 0)
    absl::StrAppend(&out, " last_check=", rs.last_check_ok() ? "ok" : "failed",
                    absl::StrFormat(" last_check_ms=%.3f",
                                    rs.last_check_duration_us() / 1000.0),
                    " last_check_at=", UtcTime(rs.last_check_unix_ms()),
                    " last_check_result=\"", rs.last_check_result(), "\"");
  absl::StrAppend(
      &out, " max_conns=", rs.max_connections(),
      absl::StrFormat(" max_cps=%.1f", rs.max_connections_per_second()));
  if (!rs.reason().empty())
    absl::StrAppend(&out, " reason=\"", rs.reason(), "\"");
  return out;
}

uint64_t Round(double v) { return v > 0 ? static_cast<uint64_t>(v + 0.5) : 0; }

// --stats: the counters. --rate: dsrlb-control's rates (`before` null, as
// `rates`), or the difference to `before` over `seconds`.
std::string Counts(ListMode mode, const std::string& key, const Totals& now,
                   const std::map<std::string, Totals>* before,
                   double seconds) {
  if (mode == ListMode::kStats)
    return absl::StrFormat("%8u %8u %8u %8u %8u", now.conns, now.packets, 0,
                           now.bytes, 0);
  if (before == nullptr)
    return absl::StrFormat("%8u %8u %8u %8u %8u", Round(now.cps),
                           Round(now.pps), 0, Round(now.bps), 0);
  Totals b;
  if (auto it = before->find(key); it != before->end()) b = it->second;
  auto rate = [seconds](uint64_t n, uint64_t o) {
    return n >= o && seconds > 0 ? Round((n - o) / seconds) : 0;
  };
  return absl::StrFormat("%8u %8u %8u %8u %8u", rate(now.conns, b.conns),
                         rate(now.packets, b.packets), 0,
                         rate(now.bytes, b.bytes), 0);
}

}  // namespace

std::string FormatHostPort(const std::string& address, uint32_t port) {
  if (address.find(':') != std::string::npos)
    return absl::StrCat("[", address, "]:", port);
  return absl::StrCat(address, ":", port);
}

std::string FormatVsKey(const v1::VirtualServerKey& key) {
  return absl::StrCat(ProtoName(key.protocol()), " ",
                      FormatHostPort(key.address(), key.port()));
}

std::string FormatList(const v1::ListVirtualServersResponse& list,
                       const ListOptions& options,
                       const v1::ListVirtualServersResponse* before,
                       double seconds) {
  std::string out = kBanner;
  std::map<std::string, Totals> prev;
  const std::map<std::string, Totals>* prev_ptr = nullptr;
  switch (options.mode) {
    case ListMode::kPlain:
      out +=
          "Prot LocalAddress:Port Scheduler Flags\n"
          "  -> RemoteAddress:Port           Forward Weight ActiveConn "
          "InActConn\n";
      break;
    case ListMode::kStats:
      out += absl::StrFormat(
          "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
          "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
          "OutBytes");
      break;
    case ListMode::kRate:
      out += absl::StrFormat(
          "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
          "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS",
          "OutBPS");
      if (before != nullptr) {
        prev = Index(*before);
        prev_ptr = &prev;
      }
      break;
  }
  for (const v1::VirtualServer& vs : list.virtual_servers()) {
    std::string vkey = FormatVsKey(vs.key());
    std::string name = FormatHostPort(vs.key().address(), vs.key().port());
    std::string proto = ProtoName(vs.key().protocol());
    if (options.mode == ListMode::kPlain) {
      out += absl::StrCat(proto, "  ", name, " ", SchedName(vs.scheduler()));
      if (vs.persistence_timeout_s() > 0)
        absl::StrAppend(&out, " persistent ", vs.persistence_timeout_s());
      if (!vs.active()) out += " inactive";
      if (options.details) out += VsDetails(vs);
      out += "\n";
    } else {
      out += absl::StrFormat(
          "%s  %-30s %s\n", proto, name,
          Counts(options.mode, vkey, TotalsOf(vs), prev_ptr, seconds));
    }
    for (const v1::RealServer& rs : vs.real_servers()) {
      std::string rname = FormatHostPort(rs.key().address(), rs.key().port());
      if (options.mode == ListMode::kPlain) {
        out += absl::StrFormat(
            "  -> %-28s %-7s %-6d %-10u %-10u", rname, "Route", ShownWeight(rs),
            rs.active_connections(), rs.inactive_connections());
      } else {
        out += absl::StrFormat("  -> %-28s %s", rname,
                               Counts(options.mode, vkey + " " + rname,
                                      TotalsOf(rs), prev_ptr, seconds));
      }
      if (options.details) out += RsDetails(rs);
      out += "\n";
    }
  }
  return out;
}

std::string FormatRings(
    const std::vector<std::string>& names,
    const std::vector<v1::ListVirtualServersResponse>& lists,
    std::vector<std::string>* differ) {
  std::string out;
  for (size_t i = 0; i < names.size(); i++)
    absl::StrAppend(&out, "[", i + 1, "] ", names[i], "\n");
  // Virtual servers in first-seen order, each with one fingerprint per list.
  std::vector<std::string> keys;
  std::map<std::string, std::vector<std::string>> prints;
  for (size_t i = 0; i < lists.size(); i++) {
    for (const v1::VirtualServer& vs : lists[i].virtual_servers()) {
      std::string key = FormatVsKey(vs.key());
      auto [it, added] =
          prints.try_emplace(key, std::vector<std::string>(lists.size(), "-"));
      if (added) keys.push_back(key);
      it->second[i] =
          absl::StrCat(absl::Hex(vs.ring_fingerprint(), absl::kZeroPad16));
    }
  }
  for (const std::string& key : keys) {
    const std::vector<std::string>& p = prints[key];
    const bool same =
        std::all_of(p.begin(), p.end(),
                    [&](const std::string& f) { return f == p[0]; }) &&
        p[0] != "-";
    absl::StrAppend(&out, absl::StrFormat("%-33s ", key),
                    same ? "same " + p[0] : "DIFFER");
    if (!same) {
      differ->push_back(key);
      for (size_t i = 0; i < p.size(); i++)
        absl::StrAppend(&out, " [", i + 1, "] ", p[i]);
    }
    out += "\n";
  }
  return out;
}

std::string FormatEvent(const v1::Event& e) {
  std::string out =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                       absl::FromUnixMillis(e.unix_ms()), absl::UTCTimeZone());
  if (e.lost_before() > 0)
    absl::StrAppend(&out, " (", e.lost_before(), " events lost)");
  switch (e.kind_case()) {
    case v1::Event::kRealServer: {
      const v1::RealServerEvent& r = e.real_server();
      absl::StrAppend(
          &out, " real_server ", FormatVsKey(r.virtual_server()), " -> ",
          FormatHostPort(r.real_server().address(), r.real_server().port()),
          " ", HealthName(r.health()));
      if (!r.reason().empty()) absl::StrAppend(&out, ": ", r.reason());
      break;
    }
    case v1::Event::kVrrp:
      absl::StrAppend(&out, " vrrp ", e.vrrp().instance(), " ",
                      v1::VrrpState_Name(e.vrrp().from()), " -> ",
                      v1::VrrpState_Name(e.vrrp().to()));
      if (!e.vrrp().reason().empty())
        absl::StrAppend(&out, ": ", e.vrrp().reason());
      break;
    case v1::Event::kTable:
      absl::StrAppend(&out, " table generation ", e.table().generation());
      break;
    case v1::Event::kQuorum:
      absl::StrAppend(&out, " quorum ",
                      FormatVsKey(e.quorum().virtual_server()),
                      e.quorum().up() ? " UP" : " DOWN");
      if (!e.quorum().reason().empty())
        absl::StrAppend(&out, ": ", e.quorum().reason());
      break;
    default:
      out += " ?";
  }
  return out + "\n";
}

std::string FormatCounters(const v1::GetCountersResponse& c) {
  std::string out = absl::StrFormat(
      "table_generation %u\ndataplane %s\n", c.table_generation(),
      !c.stats_region_present() ? "absent (no stats region)"
      : c.dataplane_alive()     ? "alive"
                                : "not running");
  if (!c.dataplane_reason().empty())
    absl::StrAppend(&out, "dataplane_reason ", c.dataplane_reason(), "\n");
  absl::StrAppend(&out, "tables_stale ", c.tables_stale() ? "yes" : "no",
                  " (dataplane generation ", c.dataplane_generation(), ")\n");
  absl::StrAppend(
      &out, "publish_failing ", c.publish_failing() ? "yes" : "no", " (",
      c.publish_failures_total(), " failures",
      c.publish_error().empty() ? "" : ", last: ", c.publish_error(), ")\n");
  absl::StrAppend(&out, "kernel_guard ", c.kernel_guard() ? "on" : "off",
                  ", kernel_vip_drops ", c.kernel_vip_drops(), "\n");
  for (size_t i = 0; i < static_cast<size_t>(c.lcore_generations_size()); i++)
    absl::StrAppend(&out, "lcore[", i, "] generation ", c.lcore_generations(i),
                    "\n");
  for (const v1::Counter& k : c.counters())
    out += absl::StrFormat("%-24s %u\n", k.name(), k.value());
  return out;
}

std::string FormatVrrp(const v1::GetVrrpStateResponse& v) {
  std::string out = absl::StrFormat("%-16s %-7s %4s %4s %4s %-10s %-16s %s\n",
                                    "Name", "State", "VRID", "Prio", "Eff",
                                    "Interface", "Master", "VIPs");
  for (const v1::VrrpInstance& i : v.instances()) {
    std::string state = v1::VrrpState_Name(i.state());
    if (state.rfind("VRRP_STATE_", 0) == 0) state = state.substr(11);
    std::string vips;
    for (const std::string& a : i.virtual_addresses())
      absl::StrAppend(&vips, vips.empty() ? "" : ",", a);
    out += absl::StrFormat(
        "%-16s %-7s %4u %4u %4u %-10s %-16s %s%s\n", i.name(), state,
        i.virtual_router_id(), i.priority(), i.effective_priority(),
        i.interface(), i.master_address(), vips,
        i.fault_reason().empty() ? "" : "  (" + i.fault_reason() + ")");
  }
  return out;
}

}  // namespace dsrlb::api
