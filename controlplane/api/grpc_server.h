// Starts the gRPC server: a UNIX socket (mode 0600) and, with TLS only, TCP.
#ifndef DSRLB_CONTROLPLANE_API_GRPC_SERVER_H_
#define DSRLB_CONTROLPLANE_API_GRPC_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace dsrlb::api {

// Where dsrlb-control listens and dsrlbctl connects unless told otherwise.
inline constexpr char kDefaultSocket[] = "/run/dsrlb/control.sock";

// Where the server listens: a UNIX socket (empty: none) and, with TLS only,
// HOST:PORT over TCP (empty: none).
struct GrpcEndpoints {
  std::string socket = kDefaultSocket;
  std::string listen;
  std::string tls_cert, tls_key, tls_client_ca;
};

absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    grpc::Service* service, const GrpcEndpoints& options);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_API_GRPC_SERVER_H_
