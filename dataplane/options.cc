// Parsing of dsrlb-dataplane's own arguments (those after `--`).
#include "dataplane/options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace dsrlb::dataplane {

const char kUsage[] =
    "usage: dsrlb-dataplane [EAL options] -- [options]\n"
    "  --table-region PATH     table region to read (default "
    "/dev/shm/dsrlb-table);\n"
    "                          waited for if it does not exist yet\n"
    "  --stats-region PATH     stats region to create (default "
    "/dev/shm/dsrlb-stats)\n"
    "  --port N                ethdev port from EAL (--vdev or PCI), default "
    "0\n"
    "  --xdp-iface IFACE       xdp mode: AF_XDP on IFACE with dsrlb's XDP "
    "program\n"
    "  --xdp-prog PATH         XDP object to load (default: the installed "
    "one)\n"
    "  --flow-table-size N     flows per worker lcore, power of two (default "
    "1048576)\n"
    "  --stats-interval MS     print rx/tx rates every MS milliseconds\n"
    "  --idle-sleep-us N       sleep N us when a worker polls nothing (default "
    "0)\n"
    "  --rx-desc N --tx-desc N descriptors per queue (default 1024)\n"
    "  --mbufs N               mbuf pool size (default: enough for the "
    "queues;\n"
    "                          net_pcap infinite_rx holds the whole capture)\n"
    "  --mbuf-size N           mbuf data room incl. headroom (default 2176)\n"
    "Each EAL worker lcore (-l) gets one rx/tx queue pair on the port.\n";

SplitArgs SplitAtDoubleDash(int argc, char** argv) {
  SplitArgs s;
  int i = 0;
  for (; i < argc && std::string(argv[i]) != "--"; i++)
    s.eal.push_back(argv[i]);
  for (i++; i < argc; i++) s.own.push_back(argv[i]);
  return s;
}

namespace {

template <typename T>
absl::Status ParseUint(const std::string& flag, const std::string& text,
                       uint64_t max, T* out) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v > max)
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", text, ": expected an integer in [0, ", max, "]"));
  *out = static_cast<T>(v);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help")
      return absl::InvalidArgumentError("help requested");
    if (i + 1 >= args.size())
      return absl::InvalidArgumentError(
          absl::StrCat(a, ": unknown option or missing value"));
    const std::string& v = args[++i];
    absl::Status st;
    if (a == "--table-region")
      o.table_region = v;
    else if (a == "--stats-region")
      o.stats_region = v;
    else if (a == "--port")
      st = ParseUint(a, v, 65535, &o.port);
    else if (a == "--xdp-iface")
      o.xdp_iface = v;
    else if (a == "--xdp-prog")
      o.xdp_prog = v;
    else if (a == "--flow-table-size")
      st = ParseUint(a, v, 1u << 30, &o.flow_table_size);
    else if (a == "--stats-interval")
      st = ParseUint(a, v, 3600000, &o.stats_interval_ms);
    else if (a == "--idle-sleep-us")
      st = ParseUint(a, v, 1000000, &o.idle_sleep_us);
    else if (a == "--rx-desc")
      st = ParseUint(a, v, 32768, &o.rx_desc);
    else if (a == "--tx-desc")
      st = ParseUint(a, v, 32768, &o.tx_desc);
    else if (a == "--mbufs")
      st = ParseUint(a, v, 1u << 28, &o.mbufs);
    else if (a == "--mbuf-size")
      st = ParseUint(a, v, 65535, &o.mbuf_data_room);
    else
      return absl::InvalidArgumentError(absl::StrCat(a, ": unknown option"));
    if (!st.ok()) return st;
  }
  uint32_t n = o.flow_table_size;
  if (n < 64 || (n & (n - 1)) != 0)
    return absl::InvalidArgumentError(absl::StrCat(
        "--flow-table-size ", n, ": must be a power of two >= 64"));
  if (o.table_region.empty() || o.stats_region.empty())
    return absl::InvalidArgumentError("region paths must not be empty");
  return o;
}

}  // namespace dsrlb::dataplane
