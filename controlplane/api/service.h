// The gRPC service dsrlb.v1.Dsrlb over the state, the publisher and events.
#ifndef DSRLB_CONTROLPLANE_API_SERVICE_H_
#define DSRLB_CONTROLPLANE_API_SERVICE_H_

#include <functional>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "controlplane/model/event_hub.h"
#include "controlplane/model/lb_state.h"
#include "controlplane/model/operator_state.h"
#include "controlplane/tables/plane_monitor.h"
#include "controlplane/tables/publisher.h"
#include "dsrlb.grpc.pb.h"

namespace dsrlb::api {

struct ServiceDeps {
  LbState* state = nullptr;
  Publisher* publisher = nullptr;         // null: nothing published (tests)
  const PlaneMonitor* monitor = nullptr;  // null: no health reported
  EventHub* events = nullptr;
  // Where each successful change is recorded to outlive a restart.
  OperatorState* operator_state = nullptr;
  // Re-reads the configuration file into the state.
  std::function<absl::StatusOr<ReloadSummary>()> reload;
  // Set when the daemon stops: ends WatchEvents streams.
  const absl::Notification* stopping = nullptr;
};

class DsrlbService final : public ::dsrlb::v1::Dsrlb::Service {
 public:
  explicit DsrlbService(ServiceDeps deps) : deps_(std::move(deps)) {}

  using Ctx = ::grpc::ServerContext;
  ::grpc::Status ListVirtualServers(Ctx*, const v1::ListVirtualServersRequest*,
                                    v1::ListVirtualServersResponse*) override;
  ::grpc::Status GetVirtualServer(Ctx*, const v1::GetVirtualServerRequest*,
                                  v1::VirtualServer*) override;
  ::grpc::Status AddVirtualServer(Ctx*, const v1::AddVirtualServerRequest*,
                                  v1::VirtualServer*) override;
  ::grpc::Status RemoveVirtualServer(Ctx*,
                                     const v1::RemoveVirtualServerRequest*,
                                     v1::VirtualServer*) override;
  ::grpc::Status EditVirtualServer(Ctx*, const v1::EditVirtualServerRequest*,
                                   v1::VirtualServer*) override;
  ::grpc::Status AddRealServer(Ctx*, const v1::AddRealServerRequest*,
                               v1::RealServer*) override;
  ::grpc::Status RemoveRealServer(Ctx*, const v1::RemoveRealServerRequest*,
                                  v1::RealServer*) override;
  ::grpc::Status SetWeight(Ctx*, const v1::SetWeightRequest*,
                           v1::RealServer*) override;
  ::grpc::Status Drain(Ctx*, const v1::DrainRequest*, v1::RealServer*) override;
  ::grpc::Status ReloadConfig(Ctx*, const v1::ReloadConfigRequest*,
                              v1::ReloadConfigResponse*) override;
  ::grpc::Status GetVrrpState(Ctx*, const v1::GetVrrpStateRequest*,
                              v1::GetVrrpStateResponse*) override;
  ::grpc::Status GetCounters(Ctx*, const v1::GetCountersRequest*,
                             v1::GetCountersResponse*) override;
  ::grpc::Status WatchEvents(Ctx*, const v1::WatchEventsRequest*,
                             ::grpc::ServerWriter<v1::Event>*) override;

 private:
  // The bodies, in absl::Status terms; the overrides only convert.
  absl::Status DoList(v1::ListVirtualServersResponse* out);
  absl::Status DoGet(const v1::GetVirtualServerRequest& req,
                     v1::VirtualServer* out);
  // Keeps a change that succeeded in the operator state (and its file).
  absl::Status Record(absl::FunctionRef<absl::Status(OperatorState*)> record);
  absl::Status DoAddVs(const v1::AddVirtualServerRequest& req,
                       v1::VirtualServer* out);
  absl::Status DoRemoveVs(const v1::RemoveVirtualServerRequest& req,
                          v1::VirtualServer* out);
  absl::Status DoEditVs(const v1::EditVirtualServerRequest& req,
                        v1::VirtualServer* out);
  absl::Status DoAddRs(const v1::AddRealServerRequest& req,
                       v1::RealServer* out);
  absl::Status DoRemoveRs(const v1::RemoveRealServerRequest& req,
                          v1::RealServer* out);
  absl::Status DoSetWeight(const v1::SetWeightRequest& req,
                           v1::RealServer* out);
  absl::Status DoDrain(const v1::DrainRequest& req, v1::RealServer* out);
  absl::Status DoReload(v1::ReloadConfigResponse* out);
  absl::Status DoVrrp(v1::GetVrrpStateResponse* out);
  absl::Status DoCounters(v1::GetCountersResponse* out);
  absl::Status DoWatch(Ctx* ctx, ::grpc::ServerWriter<v1::Event>* writer);
  // Renders one real server of `vs` as the state has it now.
  absl::Status RenderRs(const VsKey& vs, const RsKey& rs, v1::RealServer* out);

  const ServiceDeps deps_;
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_API_SERVICE_H_
