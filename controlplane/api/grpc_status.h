// absl::Status -> grpc::Status: the one place the API makes a gRPC status.
#ifndef DSRLB_CONTROLPLANE_API_GRPC_STATUS_H_
#define DSRLB_CONTROLPLANE_API_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace dsrlb::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_API_GRPC_STATUS_H_
