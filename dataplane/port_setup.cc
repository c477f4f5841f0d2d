// Port and mbuf pool setup, with errors that say what to change.
#include "dataplane/port_setup.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dsrlb::dataplane {

absl::StatusOr<rte_mempool*> CreateMbufPool(const PortSetup& s) {
  constexpr unsigned kCache = 256;
  unsigned per_queue = s.rx_desc + s.tx_desc + 2 * 32 + kCache;
  unsigned n =
      s.mbufs != 0 ? s.mbufs : std::max(8191u, per_queue * s.queues + 1024);
  uint16_t room = s.mbuf_data_room != 0 ? s.mbuf_data_room
                                        : uint16_t{RTE_MBUF_DEFAULT_BUF_SIZE};
  if (room <= RTE_PKTMBUF_HEADROOM)
    return absl::InvalidArgumentError(
        absl::StrCat("--mbuf-size ", room, " leaves no room after the ",
                     RTE_PKTMBUF_HEADROOM, "-byte headroom"));
  rte_mempool* pool = rte_pktmbuf_pool_create(
      "dsrlb_mbufs", n, kCache, 0, room, static_cast<int>(rte_socket_id()));
  if (pool == nullptr)
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot allocate ", n, " mbufs (", rte_strerror(rte_errno),
        "): give EAL more memory (-m 256 with --no-huge, or reserve more "
        "hugepages)"));
  return pool;
}

absl::Status StartPort(const PortSetup& s, rte_mempool* pool, uint8_t mac[6]) {
  if (!rte_eth_dev_is_valid_port(s.port))
    return absl::NotFoundError(absl::StrCat(
        "no ethdev port ", s.port, " (", rte_eth_dev_count_avail(),
        " available): give EAL a device, e.g. --vdev "
        "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap, or use --xdp-iface"));
  rte_eth_dev_info info;
  if (int rc = rte_eth_dev_info_get(s.port, &info); rc != 0)
    return absl::InternalError(
        absl::StrCat("port ", s.port, ": dev_info: ", rte_strerror(-rc)));
  if (s.queues > info.max_rx_queues || s.queues > info.max_tx_queues)
    return absl::InvalidArgumentError(absl::StrCat(
        "port ", s.port, " (", info.driver_name, ") has ", info.max_rx_queues,
        " rx / ", info.max_tx_queues, " tx queues but there are ", s.queues,
        " worker lcores: pass fewer lcores to EAL (-l), or give the device "
        "more queues"));
  rte_eth_conf conf{};
  if (s.queues > 1 && info.flow_type_rss_offloads != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
        info.flow_type_rss_offloads;
  }
  if (int rc = rte_eth_dev_configure(s.port, s.queues, s.queues, &conf);
      rc != 0)
    return absl::InternalError(
        absl::StrCat("port ", s.port, ": configure: ", rte_strerror(-rc)));
  uint16_t rxd = s.rx_desc, txd = s.tx_desc;
  rte_eth_dev_adjust_nb_rx_tx_desc(s.port, &rxd, &txd);
  int socket = rte_eth_dev_socket_id(s.port);
  if (socket < 0) socket = static_cast<int>(rte_socket_id());
  for (uint16_t q = 0; q < s.queues; q++) {
    if (int rc = rte_eth_rx_queue_setup(
            s.port, q, rxd, static_cast<unsigned>(socket), nullptr, pool);
        rc != 0)
      return absl::InternalError(absl::StrCat("port ", s.port, " rx queue ", q,
                                              ": ", rte_strerror(-rc)));
    if (int rc = rte_eth_tx_queue_setup(s.port, q, txd,
                                        static_cast<unsigned>(socket), nullptr);
        rc != 0)
      return absl::InternalError(absl::StrCat("port ", s.port, " tx queue ", q,
                                              ": ", rte_strerror(-rc)));
  }
  if (int rc = rte_eth_dev_start(s.port); rc != 0)
    return absl::InternalError(
        absl::StrCat("port ", s.port, ": start: ", rte_strerror(-rc)));
  rte_ether_addr addr;
  if (rte_eth_macaddr_get(s.port, &addr) == 0)
    std::copy_n(addr.addr_bytes, 6, mac);
  if (s.promiscuous) rte_eth_promiscuous_enable(s.port);
  return absl::OkStatus();
}

void ClosePort(uint16_t port) {
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port);
}

std::string XdpVdevArg(const std::string& iface, const std::string& prog,
                       uint16_t queues) {
  return absl::StrCat(kXdpVdevName, ",iface=", iface,
                      ",start_queue=0,queue_count=", queues,
                      ",xdp_prog=", prog);
}

absl::StatusOr<uint16_t> PortByName(const std::string& name) {
  uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0)
    return absl::NotFoundError(absl::StrCat("no ethdev named ", name));
  return id;
}

}  // namespace dsrlb::dataplane
