// dsrlb-control's command line.
#ifndef DSRLB_CONTROLPLANE_DAEMON_DAEMON_OPTIONS_H_
#define DSRLB_CONTROLPLANE_DAEMON_DAEMON_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "controlplane/api/grpc_server.h"
#include "controlplane/config/parser.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

inline constexpr char kDefaultTableRegion[] = "/dev/shm/dsrlb-table";
inline constexpr char kDefaultStatsRegion[] = "/dev/shm/dsrlb-stats";

struct DaemonOptions {
  std::string config_path;
  // keepalived's -i / --config-id: matched by "@ID" lines, ${_INSTANCE};
  // empty = the host name up to its first '.'.
  std::string config_id;
  // Operator changes made through the API (drains, weights, servers), laid
  // over the configuration: default CONFIG.state beside --config; '' = kept
  // in memory only.
  std::string state_file;
  bool state_file_given = false;
  bool check = false;
  std::string table_region = kDefaultTableRegion;
  std::string stats_region = kDefaultStatsRegion;
  std::string socket = kDefaultSocket;
  std::string listen;  // HOST:PORT, TLS only
  std::string tls_cert, tls_key, tls_client_ca;
  std::string interface;
  // --status-listen HOST:PORT: the HTML status page and /metrics (off if
  // empty).
  std::string status_host;
  int status_port = -1;
  uint32_t ring_size = 65537;
  uint64_t hash_seed = 0;
  std::map<IpAddress, Mac> static_neighbors;
};

// --config-id as the parser's options (the host name's first part if unset).
config::ParseOptions ConfigParseOptions(const DaemonOptions& o);

// Errors name the flag and say what it wants.
absl::StatusOr<DaemonOptions> ParseDaemonArgs(int argc, char** argv);
const char* DaemonUsage();

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_DAEMON_OPTIONS_H_
