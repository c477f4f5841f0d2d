// The sockets one VRRP instance sends and receives advertisements on:
// multicast (224.0.0.18 / ff02::12) or unicast peers, bound to the interface.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_SOCKET_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_SOCKET_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ip_address.h"
#include "controlplane/vrrp/vrrp_packet.h"

namespace dsrlb::vrrp {

struct SocketConfig {
  int family = 4;
  std::string interface;
  int ifindex = 0;
  IpAddress src;                         // advert source (IPv6: link-local)
  std::vector<IpAddress> unicast_peers;  // empty: multicast
};

class VrrpSocket {
 public:
  static absl::StatusOr<std::unique_ptr<VrrpSocket>> Open(
      const SocketConfig& config);
  ~VrrpSocket();
  VrrpSocket(const VrrpSocket&) = delete;
  VrrpSocket& operator=(const VrrpSocket&) = delete;

  int rx_fd() const { return rx_fd_; }
  // To the group, or to every unicast peer.
  absl::Status Send(const Advert& advert);

  // One received datagram, already split from its IP header (IPv4) or
  // ancillary data (IPv6); nullopt when none is waiting.
  struct Datagram {
    std::vector<uint8_t> ip_packet;  // IPv4: the whole packet
    std::vector<uint8_t> payload;    // IPv6: the VRRP message
    IpAddress src, dst;
    int ttl = 0;
  };
  std::optional<Datagram> Receive();

 private:
  explicit VrrpSocket(SocketConfig config) : config_(std::move(config)) {}
  absl::Status OpenV4();
  absl::Status OpenV6();

  SocketConfig config_;
  int rx_fd_ = -1;
  int tx_fd_ = -1;
};

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_SOCKET_H_
