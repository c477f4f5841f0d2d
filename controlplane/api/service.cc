// dsrlb.v1.Dsrlb: each RPC validates the whole request before it changes
// anything, so a rejected call leaves the state as it was.
#include "controlplane/api/service.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/api/grpc_status.h"
#include "controlplane/api/proto_convert.h"
#include "controlplane/config/server_rules.h"

namespace dsrlb::api {
namespace {

// 30 days: longer is a typo, not a persistence policy.

struct View {
  StateSnapshot snapshot;
  PublishedTable published;
  StatsReading stats;
  ViewContext ctx() const { return {&snapshot, &published, &stats}; }
};

View TakeView(const ServiceDeps& deps) {
  View v;
  v.snapshot = deps.state->Snapshot();
  if (deps.publisher != nullptr) {
    v.published = deps.publisher->Published();
    v.stats = deps.publisher->ReadStats();
  }
  return v;
}

// The virtual server a request names: every request calls it virtual_server.
template <typename Request>
absl::StatusOr<VsKey> VsOf(const Request& req) {
  return ParseVsKey(req.has_virtual_server(), req.virtual_server(),
                    "virtual_server");
}

// The real server a request names, under its virtual server.
struct ServerKeys {
  VsKey vs;
  RsKey rs;
};
template <typename Request>
absl::StatusOr<ServerKeys> KeysOf(const Request& req) {
  ASSIGN_OR_RETURN(VsKey vs, VsOf(req));
  ASSIGN_OR_RETURN(RsKey rs, ParseRsKey(req.has_real_server(),
                                        req.real_server(), "real_server"));
  return ServerKeys{vs, rs};
}

const VirtualServerState* Find(const StateSnapshot& s, const VsKey& key) {
  for (const VirtualServerState& vs : s.virtual_servers)
    if (vs.key == key) return &vs;
  return nullptr;
}

}  // namespace

absl::Status DsrlbService::DoList(v1::ListVirtualServersResponse* out) {
  View v = TakeView(deps_);
  for (const VirtualServerState& vs : v.snapshot.virtual_servers)
    *out->add_virtual_servers() = ToProto(vs, v.ctx());
  out->set_table_generation(v.published.generation);
  out->set_state_version(v.snapshot.version);
  out->set_published_version(v.published.state_version);
  return absl::OkStatus();
}

absl::Status DsrlbService::DoGet(const v1::GetVirtualServerRequest& req,
                                 v1::VirtualServer* out) {
  ASSIGN_OR_RETURN(VsKey key, VsOf(req));
  View v = TakeView(deps_);
  const VirtualServerState* vs = Find(v.snapshot, key);
  if (vs == nullptr)
    return absl::NotFoundError(
        absl::StrCat("virtual_server: ", ToString(key), " does not exist"));
  *out = ToProto(*vs, v.ctx());
  return absl::OkStatus();
}

absl::Status DsrlbService::Record(
    absl::FunctionRef<absl::Status(OperatorState*)> record) {
  if (deps_.operator_state == nullptr) return absl::OkStatus();
  absl::Status st = record(deps_.operator_state);
  if (st.ok()) return st;
  return absl::InternalError(absl::StrCat(
      "the change is in force but will not survive a restart: ", st.message()));
}

absl::Status DsrlbService::DoAddVs(const v1::AddVirtualServerRequest& req,
                                   v1::VirtualServer* out) {
  ASSIGN_OR_RETURN(VsKey key, VsOf(req));
  ASSIGN_OR_RETURN(config::LbAlgo algo, ParseScheduler(req.scheduler()));
  RETURN_IF_ERROR(config::ForField(
      "persistence_timeout_s",
      config::CheckPersistenceTimeout(req.persistence_timeout_s())));
  ASSIGN_OR_RETURN(
      VirtualServerState vs,
      deps_.state->AddVirtualServer(key, algo, req.persistence_timeout_s()));
  RETURN_IF_ERROR(Record([&](OperatorState* o) {
    return o->AddVs(key, algo, req.persistence_timeout_s());
  }));
  StateSnapshot s = deps_.state->Snapshot();
  *out = ToProto(vs, ViewContext{&s, nullptr, nullptr});
  return absl::OkStatus();
}

absl::Status DsrlbService::DoEditVs(const v1::EditVirtualServerRequest& req,
                                    v1::VirtualServer* out) {
  ASSIGN_OR_RETURN(VsKey key, VsOf(req));
  std::optional<config::LbAlgo> algo;
  if (req.scheduler() != v1::SCHEDULER_UNSPECIFIED) {
    ASSIGN_OR_RETURN(algo, ParseScheduler(req.scheduler()));
  }
  std::optional<uint32_t> persistence;
  if (req.has_persistence_timeout_s())
    persistence = req.persistence_timeout_s();
  if (!algo.has_value() && !persistence.has_value())
    return absl::InvalidArgumentError(
        "nothing to change: set scheduler and/or persistence_timeout_s");
  ASSIGN_OR_RETURN(VirtualServerState vs,
                   deps_.state->EditVirtualServer(key, algo, persistence));
  RETURN_IF_ERROR(Record(
      [&](OperatorState* o) { return o->EditVs(key, algo, persistence); }));
  StateSnapshot s = deps_.state->Snapshot();
  *out = ToProto(vs, ViewContext{&s, nullptr, nullptr});
  return absl::OkStatus();
}

absl::Status DsrlbService::DoRemoveVs(const v1::RemoveVirtualServerRequest& req,
                                      v1::VirtualServer* out) {
  ASSIGN_OR_RETURN(VsKey key, VsOf(req));
  ASSIGN_OR_RETURN(VirtualServerState vs,
                   deps_.state->RemoveVirtualServer(key));
  RETURN_IF_ERROR(Record([&](OperatorState* o) { return o->RemoveVs(key); }));
  StateSnapshot s = deps_.state->Snapshot();
  *out = ToProto(vs, ViewContext{&s, nullptr, nullptr});
  return absl::OkStatus();
}

absl::Status DsrlbService::RenderRs(const VsKey& vs_key, const RsKey& rs_key,
                                    v1::RealServer* out) {
  View v = TakeView(deps_);
  const VirtualServerState* vs = Find(v.snapshot, vs_key);
  if (vs != nullptr) {
    for (const RealServerState& rs : vs->real_servers) {
      if (rs.key != rs_key) continue;
      *out = ToProto(*vs, rs, v.ctx());
      return absl::OkStatus();
    }
  }
  // Changed again between the call and this read: report the key alone.
  *out->mutable_key() = ToProto(rs_key);
  return absl::OkStatus();
}

absl::Status DsrlbService::DoAddRs(const v1::AddRealServerRequest& req,
                                   v1::RealServer* out) {
  ASSIGN_OR_RETURN(ServerKeys k, KeysOf(req));
  RETURN_IF_ERROR(
      deps_.state->AddRealServer(k.vs, k.rs, req.weight()).status());
  RETURN_IF_ERROR(Record(
      [&](OperatorState* o) { return o->AddRs(k.vs, k.rs, req.weight()); }));
  return RenderRs(k.vs, k.rs, out);
}

absl::Status DsrlbService::DoRemoveRs(const v1::RemoveRealServerRequest& req,
                                      v1::RealServer* out) {
  ASSIGN_OR_RETURN(ServerKeys k, KeysOf(req));
  StateSnapshot before = deps_.state->Snapshot();
  ASSIGN_OR_RETURN(RealServerState removed,
                   deps_.state->RemoveRealServer(k.vs, k.rs));
  RETURN_IF_ERROR(
      Record([&](OperatorState* o) { return o->RemoveRs(k.vs, k.rs); }));
  VirtualServerState owner;
  owner.key = k.vs;
  if (const VirtualServerState* v = Find(before, k.vs)) owner.algo = v->algo;
  *out = ToProto(owner, removed, ViewContext{&before, nullptr, nullptr});
  return absl::OkStatus();
}

absl::Status DsrlbService::DoSetWeight(const v1::SetWeightRequest& req,
                                       v1::RealServer* out) {
  ASSIGN_OR_RETURN(ServerKeys k, KeysOf(req));
  RETURN_IF_ERROR(deps_.state->SetWeight(k.vs, k.rs, req.weight()).status());
  RETURN_IF_ERROR(Record([&](OperatorState* o) {
    return o->SetWeight(k.vs, k.rs, req.weight());
  }));
  return RenderRs(k.vs, k.rs, out);
}

absl::Status DsrlbService::DoDrain(const v1::DrainRequest& req,
                                   v1::RealServer* out) {
  ASSIGN_OR_RETURN(ServerKeys k, KeysOf(req));
  RETURN_IF_ERROR(deps_.state->SetDrain(k.vs, k.rs, req.drain()).status());
  RETURN_IF_ERROR(Record(
      [&](OperatorState* o) { return o->SetDrain(k.vs, k.rs, req.drain()); }));
  return RenderRs(k.vs, k.rs, out);
}

absl::Status DsrlbService::DoReload(v1::ReloadConfigResponse* out) {
  if (!deps_.reload)
    return absl::FailedPreconditionError(
        "dsrlb-control was started without --config: nothing to reload");
  ASSIGN_OR_RETURN(ReloadSummary s, deps_.reload());
  out->set_virtual_servers(s.virtual_servers);
  out->set_real_servers(s.real_servers);
  return absl::OkStatus();
}

absl::Status DsrlbService::DoVrrp(v1::GetVrrpStateResponse* out) {
  StateSnapshot s = deps_.state->Snapshot();
  for (const VrrpStatus& v : s.vrrp) *out->add_instances() = ToProto(v);
  return absl::OkStatus();
}

absl::Status DsrlbService::DoCounters(v1::GetCountersResponse* out) {
  if (deps_.publisher == nullptr) return absl::OkStatus();
  StatsReading r = deps_.publisher->ReadStats();
  out->set_table_generation(deps_.publisher->PublishedGeneration());
  out->set_stats_region_present(r.present);
  out->set_dataplane_alive(r.alive);
  for (uint64_t g : r.lcore_generations) out->add_lcore_generations(g);
  out->set_dataplane_heartbeat_age_ms(r.heartbeat_age_ms);
  for (const LcoreReading& l : r.lcores) {
    v1::Lcore* x = out->add_lcores();
    x->set_lcore_id(l.lcore_id);
    x->set_generation(l.generation);
    x->set_heartbeat(l.heartbeat);
    x->set_heartbeat_age_ms(l.heartbeat_age_ms);
    x->set_rx_packets(l.rx_packets);
    x->set_drops(l.drops);
  }
  if (deps_.monitor != nullptr) {
    const PlaneHealth h = deps_.monitor->Get();
    out->set_tables_stale(h.tables_stale);
    out->set_dataplane_generation(h.dataplane_generation);
    out->set_publish_failing(h.publish_failing);
    out->set_publish_failures_total(h.publish_failures_total);
    out->set_publish_error(h.publish_error);
    out->set_kernel_guard(h.kernel_guard);
    out->set_kernel_vip_drops(h.kernel_vip_drops);
    if (!r.alive) out->set_dataplane_reason(h.dataplane_reason);
  }
  if (!r.present) return absl::OkStatus();
  for (int i = 0; i < DSRLB_CTR_MAX; i++) {
    v1::Counter* c = out->add_counters();
    c->set_name(shm::CounterName(i));
    c->set_value(r.totals.counters[i]);
  }
  for (int i = 0; i < DSRLB_DROP_MAX; i++) {
    v1::Counter* c = out->add_counters();
    c->set_name(shm::DropName(i));
    c->set_value(r.totals.drops[i]);
  }
  return absl::OkStatus();
}

absl::Status DsrlbService::DoWatch(Ctx* ctx,
                                   ::grpc::ServerWriter<v1::Event>* writer) {
  // Only what happens from now on: a watcher is not replayed the past.
  uint64_t cursor = deps_.events->NextSeq();
  // Tells the client at once that the stream is open (an initial-metadata
  // round trip), so it can start the change it wants to observe.
  writer->SendInitialMetadata();
  while (!ctx->IsCancelled() &&
         (deps_.stopping == nullptr || !deps_.stopping->HasBeenNotified())) {
    uint64_t lost = 0;
    std::vector<Event> events =
        deps_.events->Wait(&cursor, absl::Milliseconds(200), &lost);
    for (const Event& e : events) {
      v1::Event pe = ToProto(e);
      pe.set_lost_before(lost);
      lost = 0;
      if (!writer->Write(pe)) return absl::OkStatus();  // client went away
    }
  }
  return absl::OkStatus();
}

#define DSRLB_RPC(Method, Req, Resp, Body)                      \
  ::grpc::Status DsrlbService::Method(Ctx*, const v1::Req* req, \
                                      v1::Resp* resp) {         \
    return ToGrpcStatus(Body);                                  \
  }

DSRLB_RPC(ListVirtualServers, ListVirtualServersRequest,
          ListVirtualServersResponse, ((void)req, DoList(resp)))
DSRLB_RPC(GetVirtualServer, GetVirtualServerRequest, VirtualServer,
          DoGet(*req, resp))
DSRLB_RPC(AddVirtualServer, AddVirtualServerRequest, VirtualServer,
          DoAddVs(*req, resp))
DSRLB_RPC(RemoveVirtualServer, RemoveVirtualServerRequest, VirtualServer,
          DoRemoveVs(*req, resp))
DSRLB_RPC(EditVirtualServer, EditVirtualServerRequest, VirtualServer,
          DoEditVs(*req, resp))
DSRLB_RPC(AddRealServer, AddRealServerRequest, RealServer, DoAddRs(*req, resp))
DSRLB_RPC(RemoveRealServer, RemoveRealServerRequest, RealServer,
          DoRemoveRs(*req, resp))
DSRLB_RPC(SetWeight, SetWeightRequest, RealServer, DoSetWeight(*req, resp))
DSRLB_RPC(Drain, DrainRequest, RealServer, DoDrain(*req, resp))
DSRLB_RPC(ReloadConfig, ReloadConfigRequest, ReloadConfigResponse,
          ((void)req, DoReload(resp)))
DSRLB_RPC(GetCounters, GetCountersRequest, GetCountersResponse,
          ((void)req, DoCounters(resp)))
DSRLB_RPC(GetVrrpState, GetVrrpStateRequest, GetVrrpStateResponse,
          ((void)req, DoVrrp(resp)))
#undef DSRLB_RPC

::grpc::Status DsrlbService::WatchEvents(
    Ctx* ctx, const v1::WatchEventsRequest*,
    ::grpc::ServerWriter<v1::Event>* writer) {
  return ToGrpcStatus(DoWatch(ctx, writer));
}

}  // namespace dsrlb::api
