// Command line of dsrlb-dataplane: EAL arguments, then `--` and our own.
#ifndef DSRLB_DATAPLANE_OPTIONS_H_
#define DSRLB_DATAPLANE_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dsrlb::dataplane {

struct Options {
  std::string table_region = "/dev/shm/dsrlb-table";
  std::string stats_region = "/dev/shm/dsrlb-stats";
  // Test / PCI mode: an ethdev port made by EAL (--vdev or a bound NIC).
  uint16_t port = 0;
  // XDP mode: the interface; we build the net_af_xdp vdev ourselves.
  std::string xdp_iface;
  std::string xdp_prog;  // empty: the one installed next to the binary
  uint32_t flow_table_size = 1u << 20;  // per worker lcore, power of two
  uint32_t stats_interval_ms = 0;       // 0: no periodic rate line
  uint32_t idle_sleep_us = 0;           // 0: pure polling
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  uint32_t mbufs = 0;           // 0: enough for the queues
  uint16_t mbuf_data_room = 0;  // 0: DPDK's default (2048 + headroom)
};

// The arguments split at `--`: what EAL gets (argv[0] first) and ours.
struct SplitArgs {
  std::vector<std::string> eal;
  std::vector<std::string> own;
};
SplitArgs SplitAtDoubleDash(int argc, char** argv);

// Parses our own arguments; InvalidArgument names the bad one.
absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

extern const char kUsage[];

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_OPTIONS_H_
