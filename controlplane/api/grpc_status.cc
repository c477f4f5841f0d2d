// The codes are the same numbers in both worlds (both follow
// google.rpc.Code), so the code carries over and the message stays whole.
#include "controlplane/api/grpc_status.h"

#include <string>

namespace dsrlb::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace dsrlb::api
