// Region -> JSON -> text.
#include "controlplane/tables/region_decoder.h"

#include <netinet/in.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/ip_address.h"
#include "common/status_macros.h"

namespace dsrlb::tables {
namespace {

std::string AddrString(uint8_t family, const uint8_t addr[16]) {
  IpAddress a;
  a.family = family;
  std::copy(addr, addr + 16, a.bytes.begin());
  return a.ToString();
}

const char* ProtoName(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "TCP";
    case IPPROTO_UDP:
      return "UDP";
    default:
      return "?";
  }
}

const char* StateName(uint8_t state) {
  switch (state) {
    case DSRLB_BACKEND_UP:
      return "up";
    case DSRLB_BACKEND_DRAINING:
      return "draining";
    case DSRLB_BACKEND_DOWN:
      return "down";
    default:
      return "?";
  }
}

}  // namespace

absl::StatusOr<nlohmann::json> DecodeTable(const shm::TableRegion& region) {
  const dsrlb_table_header* h = region.header();
  nlohmann::json j;
  j["generation"] = region.LoadGeneration();
  j["active_slot"] = region.LoadGeneration() & 1;
  j["writer_pid"] = h->writer_pid;
  j["publish_time_ns"] = h->publish_time_ns;
  j["region_size"] = h->region_size;
  j["geometry"] = {{"max_vips", h->max_vips},
                   {"max_backends", h->max_backends},
                   {"vip_index_size", h->vip_index_size},
                   {"ring_pool_entries", h->ring_pool_entries}};
  j["vips"] = nlohmann::json::array();
  if (region.LoadGeneration() == 0) return j;
  ASSIGN_OR_RETURN(const shm::SlotView* slot, region.ValidatedCurrent());
  const dsrlb_slot_header* sh = slot->hdr;
  j["ring_size"] = sh->ring_size;
  j["hash_function"] = sh->hash_function;
  j["hash_seed"] = sh->hash_seed;
  j["checksum"] = absl::StrFormat("0x%016x", sh->checksum);
  j["port_mac"] = MacToString(sh->port_mac);
  j["tcp_timeout_s"] = sh->tcp_timeout_s;
  j["udp_timeout_s"] = sh->udp_timeout_s;
  // One pass over the backends and rings, not one per VIP: a table of
  // thousands of VIPs decodes in time linear in its size.
  std::vector<uint32_t> share(sh->num_backends, 0);
  std::vector<std::vector<uint32_t>> owned(sh->num_vips);
  for (uint32_t b = 1; b < sh->num_backends; b++)
    if (slot->backends[b].family != 0 && slot->backends[b].vip < sh->num_vips)
      owned[slot->backends[b].vip].push_back(b);
  for (uint32_t v = 0; v < sh->num_vips; v++) {
    const dsrlb_vip& vip = slot->vips[v];
    if (!(vip.flags & DSRLB_VIP_IN_USE)) continue;
    const uint16_t* ring = slot->Ring(static_cast<int>(v));
    uint32_t unassigned = 0;
    for (uint32_t i = 0; i < vip.ring_size; i++)
      ring[i] == 0 ? unassigned++ : share[ring[i]]++;
    nlohmann::json jv;
    jv["index"] = v;
    jv["ring_size"] = vip.ring_size;
    jv["address"] = AddrString(vip.family, vip.addr);
    jv["port"] = vip.port;
    jv["protocol"] = ProtoName(vip.proto);
    jv["active"] = (vip.flags & DSRLB_VIP_ACTIVE) != 0;
    jv["all_ports"] = (vip.flags & DSRLB_VIP_ALL_PORTS) != 0;
    jv["persistence_timeout_s"] = vip.persistence_timeout_s;
    jv["persistence_prefix_len"] = vip.persistence_prefix_len;
    jv["ring_unassigned"] = unassigned;
    jv["backends"] = nlohmann::json::array();
    for (uint32_t b : owned[v]) {
      const dsrlb_backend& be = slot->backends[b];
      jv["backends"].push_back(
          {{"index", b},
           {"address", AddrString(be.family, be.addr)},
           {"port", be.port},
           {"mac", MacToString(be.mac)},
           {"state", StateName(be.state)},
           {"weight", be.weight},
           {"ring_slots", share[b]},
           {"ring_share",
            vip.ring_size ? double(share[b]) / vip.ring_size : 0.0}});
    }
    j["vips"].push_back(jv);
  }
  return j;
}

nlohmann::json DecodeStats(const shm::StatsRegion& region) {
  const dsrlb_stats_header* h = region.header();
  nlohmann::json j;
  j["writer_pid"] = h->writer_pid;
  j["running"] = h->running != 0;
  uint64_t now = shm::MonotonicNs();
  j["heartbeat_age_ms"] =
      now > h->heartbeat_ns ? (now - h->heartbeat_ns) / 1000000 : 0;
  j["lcores"] = nlohmann::json::array();
  for (uint32_t l = 0; l < region.geometry().max_lcores; l++) {
    const dsrlb_lcore_stats* s = region.lcore(l);
    if (!(s->flags & DSRLB_LCORE_ACTIVE) && s->seen_generation == 0) continue;
    j["lcores"].push_back({{"block", l},
                           {"lcore_id", s->lcore_id},
                           {"active", (s->flags & DSRLB_LCORE_ACTIVE) != 0},
                           {"seen_generation", s->seen_generation},
                           {"heartbeat", s->heartbeat}});
  }
  shm::StatsTotals t = region.Sum();
  nlohmann::json counters = nlohmann::json::object();
  for (int c = 0; c < DSRLB_CTR_MAX; c++)
    counters[shm::CounterName(c)] = t.counters[c];
  for (int d = 0; d < DSRLB_DROP_MAX; d++)
    counters[shm::DropName(d)] = t.drops[d];
  j["counters"] = counters;
  nlohmann::json vips = nlohmann::json::object();
  for (size_t v = 0; v < t.vips.size(); v++)
    if (t.vips[v].packets)
      vips[std::to_string(v)] = {{"packets", t.vips[v].packets},
                                 {"bytes", t.vips[v].bytes}};
  j["vips"] = vips;
  nlohmann::json backends = nlohmann::json::object();
  for (size_t b = 0; b < t.backends.size(); b++) {
    const shm::ConnTotals& c = t.conns[b];
    if (t.backends[b].packets || c.new_conns || c.active || c.inactive)
      backends[std::to_string(b)] = {{"packets", t.backends[b].packets},
                                     {"bytes", t.backends[b].bytes},
                                     {"new_conns", c.new_conns},
                                     {"active_conns", c.active},
                                     {"inactive_conns", c.inactive}};
  }
  j["backends"] = backends;
  return j;
}

std::string FormatTable(const nlohmann::json& t) {
  std::string out = absl::StrFormat(
      "table region: generation %d (slot %d), writer pid %d, %d bytes\n",
      t["generation"].get<uint64_t>(), t["active_slot"].get<uint64_t>(),
      t["writer_pid"].get<uint64_t>(), t["region_size"].get<uint64_t>());
  const auto& g = t["geometry"];
  absl::StrAppendFormat(
      &out,
      "geometry: max_vips %d, max_backends %d, vip_index %d, ring pool %d\n",
      g["max_vips"].get<uint32_t>(), g["max_backends"].get<uint32_t>(),
      g["vip_index_size"].get<uint32_t>(),
      g["ring_pool_entries"].get<uint32_t>());
  if (t["generation"].get<uint64_t>() == 0)
    return out + "(nothing published)\n";
  absl::StrAppendFormat(
      &out,
      "ring size %d, hash %d seed 0x%x, checksum %s (ok), port mac %s, "
      "timeouts tcp %ds udp %ds\n",
      t["ring_size"].get<uint32_t>(), t["hash_function"].get<uint32_t>(),
      t["hash_seed"].get<uint64_t>(), t["checksum"].get<std::string>(),
      t["port_mac"].get<std::string>(), t["tcp_timeout_s"].get<uint32_t>(),
      t["udp_timeout_s"].get<uint32_t>());
  for (const auto& v : t["vips"]) {
    std::string addr = v["address"].get<std::string>();
    if (addr.find(':') != std::string::npos) addr = "[" + addr + "]";
    absl::StrAppendFormat(
        &out, "\nVIP %d  %s %s:%s  %s%s, ring %d\n", v["index"].get<int>(),
        v["protocol"].get<std::string>(), addr,
        v["all_ports"].get<bool>() ? "*" : std::to_string(v["port"].get<int>()),
        v["active"].get<bool>() ? "active" : "inactive (backup)",
        v["persistence_timeout_s"].get<uint32_t>()
            ? absl::StrCat(
                  ", persistent ", v["persistence_timeout_s"].get<uint32_t>(),
                  "s",
                  v.value("persistence_prefix_len", 0) != 0
                      ? absl::StrCat(" per /",
                                     v.value("persistence_prefix_len", 0))
                      : "")
            : "",
        v["ring_size"].get<uint32_t>());
    if (v["ring_unassigned"].get<uint32_t>() > 0)
      absl::StrAppendFormat(&out, "  %d ring slots without a backend\n",
                            v["ring_unassigned"].get<uint32_t>());
    for (const auto& b : v["backends"]) {
      absl::StrAppendFormat(
          &out, "  -> %-4d %-39s mac %s  %-8s weight %-5d ring %6d (%5.2f%%)\n",
          b["index"].get<int>(),
          absl::StrCat(b["address"].get<std::string>(), ":",
                       b["port"].get<int>()),
          b["mac"].get<std::string>(), b["state"].get<std::string>(),
          b["weight"].get<uint32_t>(), b["ring_slots"].get<uint32_t>(),
          100.0 * b["ring_share"].get<double>());
    }
  }
  return out;
}

std::string FormatStats(const nlohmann::json& s) {
  std::string out =
      absl::StrFormat("stats region: writer pid %d, %s, heartbeat %d ms ago\n",
                      s["writer_pid"].get<uint64_t>(),
                      s["running"].get<bool>() ? "running" : "stopped",
                      s["heartbeat_age_ms"].get<uint64_t>());
  for (const auto& l : s["lcores"])
    absl::StrAppendFormat(&out, "lcore %d: %s, generation %d, heartbeat %d\n",
                          l["lcore_id"].get<uint32_t>(),
                          l["active"].get<bool>() ? "active" : "stopped",
                          l["seen_generation"].get<uint64_t>(),
                          l["heartbeat"].get<uint64_t>());
  for (const auto& [name, value] : s["counters"].items())
    if (value.get<uint64_t>() != 0)
      absl::StrAppendFormat(&out, "  %-22s %d\n", name, value.get<uint64_t>());
  for (const auto& [vip, pb] : s["vips"].items())
    absl::StrAppendFormat(&out, "  vip %-4s packets %d bytes %d\n", vip,
                          pb["packets"].get<uint64_t>(),
                          pb["bytes"].get<uint64_t>());
  for (const auto& [be, pb] : s["backends"].items())
    absl::StrAppendFormat(
        &out,
        "  backend %-4s packets %d bytes %d conns %d active %d inactive %d\n",
        be, pb["packets"].get<uint64_t>(), pb["bytes"].get<uint64_t>(),
        pb["new_conns"].get<uint64_t>(), pb["active_conns"].get<uint64_t>(),
        pb["inactive_conns"].get<uint64_t>());
  return out;
}

}  // namespace dsrlb::tables
