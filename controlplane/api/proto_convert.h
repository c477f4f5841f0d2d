// Requests -> state keys (validated, naming the bad field) and state ->
// API messages.
#ifndef DSRLB_CONTROLPLANE_API_PROTO_CONVERT_H_
#define DSRLB_CONTROLPLANE_API_PROTO_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "controlplane/model/event_hub.h"
#include "controlplane/model/lb_state.h"
#include "controlplane/tables/publisher.h"
#include "dsrlb.pb.h"

namespace dsrlb::api {

namespace pb = ::dsrlb::v1;

// `field` is the request field's name, used in error messages.
absl::StatusOr<VsKey> ParseVsKey(bool present, const pb::VirtualServerKey& key,
                                 const std::string& field);
absl::StatusOr<RsKey> ParseRsKey(bool present, const pb::RealServerKey& key,
                                 const std::string& field);
absl::StatusOr<config::LbAlgo> ParseScheduler(pb::Scheduler scheduler);

// Everything a reader needs to describe a server besides the server.
struct ViewContext {
  const StateSnapshot* snapshot = nullptr;
  const PublishedTable* published = nullptr;
  const StatsReading* stats = nullptr;  // may be null
};

pb::VirtualServerKey ToProto(const VsKey& key);
pb::RealServerKey ToProto(const RsKey& key);
pb::VirtualServer ToProto(const VirtualServerState& vs, const ViewContext& ctx);
pb::RealServer ToProto(const VirtualServerState& vs, const RealServerState& rs,
                       const ViewContext& ctx);
pb::Event ToProto(const Event& event);
pb::VrrpInstance ToProto(const VrrpStatus& status);
pb::BgpAnnouncement ToProto(const BgpStatus& status);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_API_PROTO_CONVERT_H_
