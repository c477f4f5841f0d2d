// Flag parsing for dsrlb-control: --flag VALUE or --flag=VALUE.
#include "controlplane/daemon/daemon_options.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "controlplane/tables/maglev.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::api {

config::ParseOptions ConfigParseOptions(const DaemonOptions& o) {
  config::ParseOptions parse = config::ParseOptions::Default();
  if (!o.config_id.empty()) parse.config_id = o.config_id;
  return parse;
}

const char* DaemonUsage() {
  return "usage: dsrlb-control [--config FILE] [--check] [--config-id ID]\n"
         "         [--state-file PATH]\n"
         "         [--table-region PATH] [--stats-region PATH]\n"
         "         [--socket PATH] [--listen HOST:PORT --tls-cert F --tls-key F"
         " [--tls-client-ca F]]\n"
         "         [--interface IFNAME] [--ring-size PRIME] [--hash-seed N]\n"
         "         [--static-neighbor IP=MAC]... [--status-listen HOST:PORT]\n"
         "  --config FILE        keepalived.conf to serve (SIGHUP re-reads "
         "it)\n"
         "  --check              validate --config, print a summary, exit\n"
         "  --config-id ID       keepalived's -i: the id '@ID' lines of the "
         "config\n"
         "                       are for (default: host name up to the first "
         "'.')\n"
         "  --state-file PATH    operator changes made through the API, kept\n"
         "                       across restarts (default FILE.state beside\n"
         "                       --config; '' = none)\n"
         "  --table-region PATH  table region to publish (default "
         "/dev/shm/dsrlb-table)\n"
         "  --stats-region PATH  dataplane's stats region (default "
         "/dev/shm/dsrlb-stats)\n"
         "  --socket PATH        gRPC UNIX socket, mode 0600 (default "
         "/run/dsrlb/control.sock; '' = none)\n"
         "  --listen HOST:PORT   also serve gRPC over TCP; requires --tls-cert "
         "and --tls-key\n"
         "  --interface IFNAME   the dataplane's port: its MAC is the source "
         "MAC,\n"
         "                       real-server MACs are resolved on it\n"
         "  --ring-size PRIME    Maglev ring entries per VIP (default 65537)\n"
         "  --hash-seed N        flow hash seed, the same on every scheduler "
         "(default 0)\n"
         "  --static-neighbor IP=MAC  pin a real server's MAC (no ARP)\n"
         "  --status-listen HOST:PORT  serve the HTML status page (/), its CSV "
         "(/;csv) and\n"
         "                       Prometheus metrics (/metrics) over plain HTTP "
         "(port 0:\n"
         "                       any free); overrides global_defs' "
         "status_page listen\n";
}

namespace {

// One command-line word, "--flag=value" split into name and value.
struct FlagWord {
  std::string name;
  std::string value;
  bool has_value = false;
};

FlagWord SplitFlag(std::string arg) {
  FlagWord f;
  if (size_t eq = arg.find('=');
      arg.rfind("--", 0) == 0 && eq != std::string::npos) {
    f.value = arg.substr(eq + 1);
    arg = arg.substr(0, eq);
    f.has_value = true;
  }
  f.name = std::move(arg);
  return f;
}

// The flag's value: after '=', else the next word (which *i then skips).
absl::StatusOr<std::string> TakeValue(const FlagWord& f, int argc, char** argv,
                                      int* i) {
  if (f.has_value) return f.value;
  if (*i + 1 >= argc)
    return absl::InvalidArgumentError(absl::StrCat(f.name, " needs a value"));
  return std::string(argv[++*i]);
}

// Flags whose value is stored as given; nullptr for any other flag.
std::string* StringFlag(std::string_view name, DaemonOptions* o) {
  if (name == "--config") return &o->config_path;
  if (name == "--config-id" || name == "-i") return &o->config_id;
  if (name == "--state-file") {
    o->state_file_given = true;
    return &o->state_file;
  }
  if (name == "--table-region") return &o->table_region;
  if (name == "--stats-region") return &o->stats_region;
  if (name == "--socket") return &o->socket;
  if (name == "--listen") return &o->listen;
  if (name == "--tls-cert") return &o->tls_cert;
  if (name == "--tls-key") return &o->tls_key;
  if (name == "--tls-client-ca") return &o->tls_client_ca;
  if (name == "--interface") return &o->interface;
  return nullptr;
}

absl::Status ParseRingSize(const std::string& v, DaemonOptions* o) {
  if (!absl::SimpleAtoi(v, &o->ring_size) || !tables::IsPrime(o->ring_size) ||
      o->ring_size > DSRLB_DEFAULT_RING_POOL_ENTRIES)
    return absl::InvalidArgumentError(
        absl::StrCat("--ring-size ", v,
                     ": must be a prime such as 65537 or 655373 (at most ",
                     DSRLB_DEFAULT_RING_POOL_ENTRIES, ")"));
  return absl::OkStatus();
}

absl::Status ParseHashSeed(const std::string& v, DaemonOptions* o) {
  if (!absl::SimpleAtoi(v, &o->hash_seed))
    return absl::InvalidArgumentError(
        absl::StrCat("--hash-seed ", v, ": must be an unsigned 64-bit number"));
  return absl::OkStatus();
}

absl::Status ParseStaticNeighbor(const std::string& v, DaemonOptions* o) {
  std::vector<std::string> parts = absl::StrSplit(v, absl::MaxSplits('=', 1));
  auto ip = parts.size() == 2
                ? IpAddress::Parse(parts[0])
                : absl::StatusOr<IpAddress>(absl::InvalidArgumentError(""));
  auto mac = parts.size() == 2
                 ? ParseMac(parts[1])
                 : absl::StatusOr<Mac>(absl::InvalidArgumentError(""));
  if (!ip.ok() || !mac.ok())
    return absl::InvalidArgumentError(
        absl::StrCat("--static-neighbor ", v,
                     ": want IP=MAC, e.g. 10.0.0.2=02:00:0a:00:00:02"));
  o->static_neighbors[*ip] = *mac;
  return absl::OkStatus();
}

absl::Status ParseStatusListen(const std::string& v, DaemonOptions* o) {
  size_t colon = v.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(v.substr(colon + 1), &port) || port < 0 || port > 65535)
    return absl::InvalidArgumentError(absl::StrCat(
        "--status-listen ", v, ": want HOST:PORT, e.g. 127.0.0.1:8080"));
  o->status_host = v.substr(0, colon);
  // [::1]:8080 names an IPv6 host; the listener wants it bare.
  if (o->status_host.size() > 2 && o->status_host.front() == '[' &&
      o->status_host.back() == ']')
    o->status_host = o->status_host.substr(1, o->status_host.size() - 2);
  o->status_port = port;
  return absl::OkStatus();
}

// Flags whose value is checked and converted; nullptr for any other flag.
using ValueParser = absl::Status (*)(const std::string& value,
                                     DaemonOptions* o);
ValueParser CheckedFlag(std::string_view name) {
  if (name == "--ring-size") return &ParseRingSize;
  if (name == "--hash-seed") return &ParseHashSeed;
  if (name == "--static-neighbor") return &ParseStaticNeighbor;
  if (name == "--status-listen") return &ParseStatusListen;
  return nullptr;
}

// What no single flag can say wrong: flags that need each other.
absl::Status CheckFlagsTogether(const DaemonOptions& o) {
  if (o.check && o.config_path.empty())
    return absl::InvalidArgumentError("--check needs --config FILE");
  if (!o.listen.empty() && (o.tls_cert.empty() || o.tls_key.empty()))
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen ", o.listen,
        ": TCP is served only with TLS; give --tls-cert and --tls-key "
        "(or use the UNIX socket, --socket)"));
  if (o.listen.empty() && o.socket.empty())
    return absl::InvalidArgumentError(
        "--socket '' and no --listen: the API would be unreachable");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DaemonOptions> ParseDaemonArgs(int argc, char** argv) {
  DaemonOptions o;
  for (int i = 1; i < argc; i++) {
    const FlagWord f = SplitFlag(argv[i]);
    if (f.name == "--check") {
      o.check = true;
    } else if (f.name == "--help" || f.name == "-h") {
      return absl::CancelledError(DaemonUsage());
    } else if (std::string* dst = StringFlag(f.name, &o)) {
      ASSIGN_OR_RETURN(*dst, TakeValue(f, argc, argv, &i));
    } else if (ValueParser parse = CheckedFlag(f.name)) {
      ASSIGN_OR_RETURN(std::string v, TakeValue(f, argc, argv, &i));
      RETURN_IF_ERROR(parse(v, &o));
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", f.name));
    }
  }
  RETURN_IF_ERROR(CheckFlagsTogether(o));
  if (!o.state_file_given && !o.config_path.empty())
    o.state_file = o.config_path + ".state";
  return o;
}

}  // namespace dsrlb::api
