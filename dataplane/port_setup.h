// Ethdev port setup: mbuf pool, one rx/tx queue pair per worker lcore.
#ifndef DSRLB_DATAPLANE_PORT_SETUP_H_
#define DSRLB_DATAPLANE_PORT_SETUP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

struct rte_mempool;

namespace dsrlb::dataplane {

struct PortSetup {
  uint16_t port = 0;
  uint16_t queues = 1;
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  uint32_t mbufs = 0;           // 0: enough for the queues
  uint16_t mbuf_data_room = 0;  // 0: RTE_MBUF_DEFAULT_BUF_SIZE
  // A port of our own (test vdev, NIC for DPDK) takes every frame; in xdp
  // mode the kernel interface keeps its setting (VIPs are on its own MAC).
  bool promiscuous = true;
};

// The mbuf pool for `queues` queue pairs of the given sizes.
absl::StatusOr<rte_mempool*> CreateMbufPool(const PortSetup& setup);

// Configures and starts the port; the MAC of the port in `mac`.
absl::Status StartPort(const PortSetup& setup, rte_mempool* pool,
                       uint8_t mac[6]);

// Stops and closes the port (flushes pcap output, detaches AF_XDP).
void ClosePort(uint16_t port);

// The name of the vdev we build for xdp mode, and its EAL argument.
constexpr char kXdpVdevName[] = "net_af_xdp_dsrlb0";
std::string XdpVdevArg(const std::string& iface, const std::string& prog,
                       uint16_t queues);

// The ethdev port id of a device by its name.
absl::StatusOr<uint16_t> PortByName(const std::string& name);

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PORT_SETUP_H_
