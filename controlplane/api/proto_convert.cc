// Request validation and state rendering for the gRPC service.
#include "controlplane/api/proto_convert.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controlplane/model/effective_state.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::api {
namespace {

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::StatusOr<IpAddress> ParseAddress(const std::string& text,
                                       const std::string& field) {
  if (text.empty()) return Bad(field, "required (an IPv4 or IPv6 address)");
  auto a = IpAddress::Parse(text);
  if (!a.ok())
    return Bad(field,
               absl::StrCat("'", text, "' is not an IPv4 or IPv6 address"));
  return *a;
}

absl::Status CheckPort(uint32_t port, const std::string& field) {
  if (port > 65535)
    return Bad(field, absl::StrCat(port, " is not a port (0-65535)"));
  return absl::OkStatus();
}

pb::HealthState HealthToProto(Health h) {
  switch (h) {
    case Health::kUp:
      return pb::HEALTH_STATE_UP;
    case Health::kDown:
      return pb::HEALTH_STATE_DOWN;
    case Health::kUnchecked:
      return pb::HEALTH_STATE_UNCHECKED;
  }
  return pb::HEALTH_STATE_UNSPECIFIED;
}

pb::BackendState BackendStateToProto(uint8_t s) {
  switch (s) {
    case DSRLB_BACKEND_UP:
      return pb::BACKEND_STATE_UP;
    case DSRLB_BACKEND_DRAINING:
      return pb::BACKEND_STATE_DRAINING;
    default:
      return pb::BACKEND_STATE_DOWN;
  }
}

pb::Scheduler SchedulerToProto(config::LbAlgo a) {
  switch (a) {
    case config::LbAlgo::kRr:
      return pb::SCHEDULER_RR;
    case config::LbAlgo::kWrr:
      return pb::SCHEDULER_WRR;
    case config::LbAlgo::kMh:
      return pb::SCHEDULER_MH;
    case config::LbAlgo::kSh:
      return pb::SCHEDULER_SH;
  }
  return pb::SCHEDULER_UNSPECIFIED;
}

}  // namespace

namespace {

// Address and port: what a virtual-server key and a real-server key share.
absl::StatusOr<RsKey> ParseAddressPort(const std::string& address,
                                       uint32_t port,
                                       const std::string& field) {
  RsKey out;
  auto a = ParseAddress(address, field + ".address");
  if (!a.ok()) return a.status();
  out.address = *a;
  if (absl::Status st = CheckPort(port, field + ".port"); !st.ok()) return st;
  out.port = static_cast<uint16_t>(port);
  return out;
}

// A real server's counters and rates, from its backend record.
void SetCounters(const StatsReading& stats, uint32_t record,
                 pb::RealServer* out) {
  if (record < stats.totals.backends.size()) {
    out->set_packets(stats.totals.backends[record].packets);
    out->set_bytes(stats.totals.backends[record].bytes);
  }
  if (record < stats.totals.conns.size()) {
    const shm::ConnTotals& c = stats.totals.conns[record];
    out->set_active_connections(c.active);
    out->set_inactive_connections(c.inactive);
    out->set_connections(c.new_conns);
  }
  if (record < stats.rates.backends.size()) {
    const Rate& r = stats.rates.backends[record];
    out->set_connections_per_second(r.conns);
    out->set_packets_per_second(r.packets);
    out->set_bytes_per_second(r.bytes);
  }
  if (record < stats.rates.peaks.size()) {
    out->set_max_connections(stats.rates.peaks[record].connections);
    out->set_max_connections_per_second(
        stats.rates.peaks[record].conns_per_second);
  }
}

// What the health checks did, at `now_ms`.
void SetCheckStats(const RealServerState& rs, int64_t now_ms,
                   pb::RealServer* out) {
  out->set_checks(rs.checks.checks);
  out->set_check_failures(rs.checks.failures);
  out->set_down_transitions(rs.checks.down_transitions);
  out->set_downtime_ms(rs.DowntimeMs(now_ms));
  out->set_last_check_ok(rs.checks.last_ok);
  out->set_last_check_duration_us(rs.checks.last_duration_us);
}

// A virtual server's: packets and bytes from its VIP record, connections
// summed over its real servers (already in `out`), as ipvsadm sums a
// service's destinations.
void SetCounters(const StatsReading& stats, uint32_t record,
                 pb::VirtualServer* out) {
  if (record < stats.totals.vips.size()) {
    out->set_packets(stats.totals.vips[record].packets);
    out->set_bytes(stats.totals.vips[record].bytes);
  }
  if (record < stats.rates.vips.size()) {
    out->set_packets_per_second(stats.rates.vips[record].packets);
    out->set_bytes_per_second(stats.rates.vips[record].bytes);
  }
  uint64_t active = 0, inactive = 0, conns = 0;
  double cps = 0;
  for (const pb::RealServer& rs : out->real_servers()) {
    active += rs.active_connections();
    inactive += rs.inactive_connections();
    conns += rs.connections();
    cps += rs.connections_per_second();
  }
  out->set_active_connections(active);
  out->set_inactive_connections(inactive);
  out->set_connections(conns);
  out->set_connections_per_second(cps);
}

}  // namespace

absl::StatusOr<VsKey> ParseVsKey(bool present, const pb::VirtualServerKey& key,
                                 const std::string& field) {
  if (!present) return Bad(field, "required");
  auto ap = ParseAddressPort(key.address(), key.port(), field);
  if (!ap.ok()) return ap.status();
  VsKey out{ap->address, ap->port};
  switch (key.protocol()) {
    case pb::PROTOCOL_TCP:
      out.protocol = config::Protocol::kTcp;
      break;
    case pb::PROTOCOL_UDP:
      out.protocol = config::Protocol::kUdp;
      break;
    default:
      return Bad(field + ".protocol", "must be PROTOCOL_TCP or PROTOCOL_UDP");
  }
  return out;
}

absl::StatusOr<RsKey> ParseRsKey(bool present, const pb::RealServerKey& key,
                                 const std::string& field) {
  if (!present) return Bad(field, "required");
  return ParseAddressPort(key.address(), key.port(), field);
}

absl::StatusOr<config::LbAlgo> ParseScheduler(pb::Scheduler s) {
  switch (s) {
    case pb::SCHEDULER_UNSPECIFIED:
    case pb::SCHEDULER_WRR:
      return config::LbAlgo::kWrr;
    case pb::SCHEDULER_RR:
      return config::LbAlgo::kRr;
    case pb::SCHEDULER_MH:
      return config::LbAlgo::kMh;
    case pb::SCHEDULER_SH:
      return config::LbAlgo::kSh;
    default:
      return Bad("scheduler", absl::StrCat(s, " is not a scheduler"));
  }
}

pb::VirtualServerKey ToProto(const VsKey& key) {
  pb::VirtualServerKey k;
  k.set_address(key.address.ToString());
  k.set_port(key.port);
  k.set_protocol(key.protocol == config::Protocol::kUdp ? pb::PROTOCOL_UDP
                                                        : pb::PROTOCOL_TCP);
  return k;
}

pb::RealServerKey ToProto(const RsKey& key) {
  pb::RealServerKey k;
  k.set_address(key.address.ToString());
  k.set_port(key.port);
  return k;
}

pb::RealServer ToProto(const VirtualServerState& vs, const RealServerState& rs,
                       const ViewContext& ctx) {
  pb::RealServer out;
  *out.mutable_key() = ToProto(rs.key);
  out.set_weight(rs.weight);
  out.set_health(HealthToProto(rs.health));
  out.set_draining(rs.draining);
  out.set_inhibit_on_failure(rs.inhibit_on_failure);
  out.set_last_check_result(rs.last_check_result);
  out.set_last_check_unix_ms(rs.last_check_unix_ms);
  out.set_last_change_unix_ms(rs.last_change_unix_ms);
  SetCheckStats(rs, absl::ToUnixMillis(absl::Now()), &out);
  const NeighborState* n = nullptr;
  if (ctx.snapshot != nullptr) {
    auto it = ctx.snapshot->neighbors.find(rs.key.address);
    if (it != ctx.snapshot->neighbors.end()) n = &it->second;
  }
  if (n != nullptr && n->mac.has_value())
    out.set_mac(MacToString(n->mac->data()));
  out.set_sorry_server(rs.sorry);
  if (rs.check_weight.has_value()) out.set_check_weight(*rs.check_weight);
  Effective e = EffectiveOf(vs, rs, n);
  out.set_effective_weight(e.state == DSRLB_BACKEND_UP ? e.ring_weight : 0);
  out.set_state(BackendStateToProto(e.state));
  out.set_reason(e.reason);
  if (ctx.published != nullptr) {
    auto it = ctx.published->backends.find({vs.key, rs.key});
    if (it != ctx.published->backends.end()) {
      out.set_ring_slots(it->second.ring_slots);
      if (ctx.stats != nullptr) SetCounters(*ctx.stats, it->second.index, &out);
    }
  }
  return out;
}

pb::VirtualServer ToProto(const VirtualServerState& vs,
                          const ViewContext& ctx) {
  pb::VirtualServer out;
  *out.mutable_key() = ToProto(vs.key);
  out.set_scheduler(SchedulerToProto(vs.algo));
  out.set_persistence_timeout_s(vs.persistence_timeout_s);
  out.set_quorum(vs.quorum);
  out.set_quorum_up(vs.quorum_up);
  out.set_hysteresis(vs.hysteresis);
  out.set_live_weight(vs.live_weight);
  bool active = true;
  if (ctx.snapshot != nullptr) {
    auto it = ctx.snapshot->vip_active.find(vs.key.address);
    if (it != ctx.snapshot->vip_active.end()) active = it->second;
  }
  out.set_active(active);
  if (ctx.snapshot != nullptr) {
    auto it = ctx.snapshot->bgp.find(vs.key.address);
    if (it != ctx.snapshot->bgp.end()) *out.mutable_bgp() = ToProto(it->second);
  }
  for (const RealServerState& rs : vs.real_servers)
    *out.add_real_servers() = ToProto(vs, rs, ctx);
  if (ctx.published != nullptr) {
    auto fp = ctx.published->ring_fingerprint.find(vs.key);
    if (fp != ctx.published->ring_fingerprint.end())
      out.set_ring_fingerprint(fp->second);
  }
  if (ctx.published != nullptr && ctx.stats != nullptr) {
    auto it = ctx.published->vip_index.find(vs.key);
    if (it != ctx.published->vip_index.end())
      SetCounters(*ctx.stats, it->second, &out);
  }
  return out;
}

pb::BgpAnnouncement ToProto(const BgpStatus& b) {
  pb::BgpAnnouncement out;
  out.set_announced(b.announced);
  if (b.announced) out.set_next_hop(b.next_hop.ToString());
  out.set_reason(b.reason);
  out.set_since_unix_ms(b.since_unix_ms);
  out.set_speaker(b.speaker);
  return out;
}

pb::VrrpInstance ToProto(const VrrpStatus& v) {
  pb::VrrpInstance out;
  out.set_name(v.name);
  pb::VrrpState state = pb::VRRP_STATE_UNSPECIFIED;
  pb::VrrpState_Parse("VRRP_STATE_" + v.state, &state);
  out.set_state(state);
  out.set_virtual_router_id(v.virtual_router_id);
  out.set_priority(v.priority);
  out.set_effective_priority(v.effective_priority);
  out.set_interface(v.interface);
  out.set_master_address(v.master_address);
  for (const std::string& a : v.virtual_addresses) out.add_virtual_addresses(a);
  out.set_version(v.version);
  out.set_adverts_received(v.adverts_received);
  out.set_adverts_sent(v.adverts_sent);
  out.set_bad_packets(v.bad_packets);
  out.set_last_transition_unix_ms(v.last_transition_unix_ms);
  out.set_fault_reason(v.fault_reason);
  out.set_tracks_dataplane(v.tracks_dataplane);
  return out;
}

pb::Event ToProto(const Event& e) {
  pb::Event out;
  out.set_unix_ms(e.unix_ms);
  switch (e.kind) {
    case Event::Kind::kRealServer: {
      pb::RealServerEvent* r = out.mutable_real_server();
      *r->mutable_virtual_server() = ToProto(e.virtual_server);
      *r->mutable_real_server() = ToProto(e.real_server);
      r->set_health(HealthToProto(e.health));
      r->set_reason(e.reason);
      break;
    }
    case Event::Kind::kVrrp: {
      pb::VrrpEvent* v = out.mutable_vrrp();
      v->set_instance(e.instance);
      v->set_reason(e.reason);
      pb::VrrpState from, to;
      if (pb::VrrpState_Parse("VRRP_STATE_" + e.vrrp_from, &from))
        v->set_from(from);
      if (pb::VrrpState_Parse("VRRP_STATE_" + e.vrrp_to, &to)) v->set_to(to);
      break;
    }
    case Event::Kind::kTable:
      out.mutable_table()->set_generation(e.generation);
      break;
    case Event::Kind::kQuorum: {
      pb::QuorumEvent* q = out.mutable_quorum();
      *q->mutable_virtual_server() = ToProto(e.virtual_server);
      q->set_up(e.quorum_up);
      q->set_reason(e.reason);
      break;
    }
  }
  return out;
}

}  // namespace dsrlb::api
