// Starts the gRPC server: a UNIX socket (mode 0600) and, with TLS only, TCP.
#ifndef DSRLB_CONTROLPLANE_API_GRPC_SERVER_H_
#define DSRLB_CONTROLPLANE_API_GRPC_SERVER_H_

#include <grpcpp/server.h>

#include <memory>

#include "absl/status/statusor.h"
#include "controlplane/api/daemon_options.h"

namespace dsrlb::api {

absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    grpc::Service* service, const DaemonOptions& options);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_API_GRPC_SERVER_H_
