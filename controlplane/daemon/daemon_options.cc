// Flag parsing for dsrlb-control: --flag VALUE or --flag=VALUE.
#include "controlplane/daemon/daemon_options.h"

#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "controlplane/tables/maglev.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::api {

const char* DaemonUsage() {
  return "usage: dsrlb-control [--config FILE] [--check]\n"
         "         [--table-region PATH] [--stats-region PATH]\n"
         "         [--socket PATH] [--listen HOST:PORT --tls-cert F --tls-key F"
         " [--tls-client-ca F]]\n"
         "         [--interface IFNAME] [--ring-size PRIME] [--hash-seed N]\n"
         "         [--static-neighbor IP=MAC]... [--status-listen HOST:PORT]\n"
         "  --config FILE        keepalived.conf to serve (SIGHUP re-reads it)\n"
         "  --check              validate --config, print a summary, exit\n"
         "  --table-region PATH  table region to publish (default /dev/shm/dsrlb-table)\n"
         "  --stats-region PATH  dataplane's stats region (default /dev/shm/dsrlb-stats)\n"
         "  --socket PATH        gRPC UNIX socket, mode 0600 (default "
         "/run/dsrlb/control.sock; '' = none)\n"
         "  --listen HOST:PORT   also serve gRPC over TCP; requires --tls-cert and --tls-key\n"
         "  --interface IFNAME   the dataplane's port: its MAC is the source MAC,\n"
         "                       real-server MACs are resolved on it\n"
         "  --ring-size PRIME    Maglev ring entries per VIP (default 65537)\n"
         "  --hash-seed N        flow hash seed, the same on every scheduler (default 0)\n"
         "  --static-neighbor IP=MAC  pin a real server's MAC (no ARP)\n"
         "  --status-listen HOST:PORT  serve the HTML status page (/) and Prometheus\n"
         "                       metrics (/metrics) over plain HTTP (port 0: any free)\n";
}

absl::StatusOr<DaemonOptions> ParseDaemonArgs(int argc, char** argv) {
  DaemonOptions o;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> absl::StatusOr<std::string> {
      if (has_value) return value;
      if (i + 1 >= argc)
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      return std::string(argv[++i]);
    };
    auto take_into = [&](std::string* dst) -> absl::Status {
      auto v = take();
      if (!v.ok()) return v.status();
      *dst = *v;
      return absl::OkStatus();
    };
    absl::Status st;
    if (arg == "--check") {
      o.check = true;
    } else if (arg == "--config") {
      st = take_into(&o.config_path);
    } else if (arg == "--table-region") {
      st = take_into(&o.table_region);
    } else if (arg == "--stats-region") {
      st = take_into(&o.stats_region);
    } else if (arg == "--socket") {
      st = take_into(&o.socket);
    } else if (arg == "--listen") {
      st = take_into(&o.listen);
    } else if (arg == "--tls-cert") {
      st = take_into(&o.tls_cert);
    } else if (arg == "--tls-key") {
      st = take_into(&o.tls_key);
    } else if (arg == "--tls-client-ca") {
      st = take_into(&o.tls_client_ca);
    } else if (arg == "--interface") {
      st = take_into(&o.interface);
    } else if (arg == "--ring-size") {
      std::string v;
      st = take_into(&v);
      if (st.ok() && (!absl::SimpleAtoi(v, &o.ring_size) ||
                      !tables::IsPrime(o.ring_size) ||
                      o.ring_size > DSRLB_DEFAULT_RING_POOL_ENTRIES))
        st = absl::InvalidArgumentError(absl::StrCat(
            "--ring-size ", v, ": must be a prime such as 65537 or 655373 (at most ",
            DSRLB_DEFAULT_RING_POOL_ENTRIES, ")"));
    } else if (arg == "--hash-seed") {
      std::string v;
      st = take_into(&v);
      if (st.ok() && !absl::SimpleAtoi(v, &o.hash_seed))
        st = absl::InvalidArgumentError(
            absl::StrCat("--hash-seed ", v, ": must be an unsigned 64-bit number"));
    } else if (arg == "--static-neighbor") {
      std::string v;
      st = take_into(&v);
      if (st.ok()) {
        std::vector<std::string> parts = absl::StrSplit(v, absl::MaxSplits('=', 1));
        auto ip = parts.size() == 2 ? IpAddress::Parse(parts[0])
                                    : absl::StatusOr<IpAddress>(absl::InvalidArgumentError(""));
        auto mac = parts.size() == 2 ? ParseMac(parts[1])
                                     : absl::StatusOr<Mac>(absl::InvalidArgumentError(""));
        if (!ip.ok() || !mac.ok())
          st = absl::InvalidArgumentError(absl::StrCat(
              "--static-neighbor ", v, ": want IP=MAC, e.g. 10.0.0.2=02:00:0a:00:00:02"));
        else
          o.static_neighbors[*ip] = *mac;
      }
    } else if (arg == "--status-listen") {
      std::string v;
      st = take_into(&v);
      size_t colon = v.rfind(':');
      int port = -1;
      if (st.ok() && (colon == std::string::npos || colon == 0 ||
                      !absl::SimpleAtoi(v.substr(colon + 1), &port) || port < 0 ||
                      port > 65535))
        st = absl::InvalidArgumentError(absl::StrCat(
            "--status-listen ", v, ": want HOST:PORT, e.g. 127.0.0.1:8080"));
      if (st.ok()) {
        o.status_host = v.substr(0, colon);
        // [::1]:8080 names an IPv6 host; the listener wants it bare.
        if (o.status_host.size() > 2 && o.status_host.front() == '[' &&
            o.status_host.back() == ']')
          o.status_host = o.status_host.substr(1, o.status_host.size() - 2);
        o.status_port = port;
      }
    } else if (arg == "--help" || arg == "-h") {
      return absl::CancelledError(DaemonUsage());
    } else {
      st = absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
    if (!st.ok()) return st;
  }
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
  return o;
}

}  // namespace dsrlb::api
