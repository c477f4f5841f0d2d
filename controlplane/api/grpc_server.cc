// Listening sockets and credentials for the API.
#include "controlplane/api/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace dsrlb::api {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat(flag, " ", path, ": cannot read: ", std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A socket file left by a crashed daemon is removed; one that a live
// daemon answers on is not taken over.
absl::Status PrepareSocketPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec)
    return absl::PermissionDeniedError(
        absl::StrCat("--socket ", path, ": cannot create ", parent.string(),
                     ": ", ec.message()));
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return absl::OkStatus();
  if (!S_ISSOCK(st.st_mode))
    return absl::AlreadyExistsError(absl::StrCat(
        "--socket ", path,
        ": exists and is not a socket; remove it or pick another path"));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa.sun_path))
    return absl::InvalidArgumentError(
        absl::StrCat("--socket ", path, ": path too long"));
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool live =
      fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  if (fd >= 0) close(fd);
  if (live)
    return absl::AlreadyExistsError(absl::StrCat(
        "--socket ", path, ": another dsrlb-control is serving it"));
  unlink(path.c_str());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(
    grpc::Service* service, const GrpcEndpoints& options) {
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.RegisterService(service);
  if (!options.socket.empty()) {
    if (absl::Status st = PrepareSocketPath(options.socket); !st.ok())
      return st;
    builder.AddListeningPort("unix:" + options.socket,
                             grpc::InsecureServerCredentials());
  }
  int tcp_port = 0;
  if (!options.listen.empty()) {
    auto cert = ReadFile(options.tls_cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(options.tls_key, "--tls-key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options.tls_client_ca.empty()) {
      auto ca = ReadFile(options.tls_client_ca, "--tls-client-ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request =
          GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    builder.AddListeningPort(options.listen, grpc::SslServerCredentials(ssl),
                             &tcp_port);
  }
  // The socket is created by BuildAndStart: no other user may connect,
  // not even for the moment before a chmod.
  mode_t old_mask = umask(0177);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(old_mask);
  if (server == nullptr)
    return absl::UnavailableError(absl::StrCat(
        "cannot serve the API on ",
        options.socket.empty() ? "" : "unix:" + options.socket,
        options.listen.empty() ? "" : " " + options.listen,
        " (address in use, bad address or bad TLS key/certificate)"));
  if (!options.socket.empty()) chmod(options.socket.c_str(), 0600);
  if (!options.listen.empty()) {
    if (tcp_port == 0)
      return absl::UnavailableError(
          absl::StrCat("--listen ", options.listen, ": cannot listen there"));
    // With port 0 the kernel picks: say which.
    std::fprintf(stderr, "dsrlb-control: TLS API on port %d\n", tcp_port);
  }
  return server;
}

}  // namespace dsrlb::api
