// Gratuitous ARP (IPv4) and unsolicited neighbour advertisements (IPv6) for
// a new master's VIPs, sent as whole frames over a packet socket.
#ifndef DSRLB_CONTROLPLANE_VRRP_GARP_H_
#define DSRLB_CONTROLPLANE_VRRP_GARP_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/ip_address.h"

namespace dsrlb::vrrp {

// The Ethernet frames, exposed for tests.
std::vector<uint8_t> GarpFrame(const std::array<uint8_t, 6>& mac,
                               const IpAddress& vip);
std::vector<uint8_t> UnsolicitedNaFrame(const std::array<uint8_t, 6>& mac,
                                        const IpAddress& vip);

// One announcement of a batch, `at` after the batch starts.
struct GarpSend {
  absl::Duration at;
  IpAddress vip;
};

// `rounds` announcements of every VIP, round after round. keepalived's
// vrrp_garp_interval / vrrp_gna_interval: the k-th IPv4 one (from 0) goes
// at k * garp_interval, the k-th IPv6 one at k * gna_interval; 0 = at once.
std::vector<GarpSend> GarpSchedule(const std::vector<IpAddress>& vips,
                                   int rounds, absl::Duration garp_interval,
                                   absl::Duration gna_interval);

class GarpSender {
 public:
  static absl::StatusOr<GarpSender> Open(int ifindex,
                                         const std::array<uint8_t, 6>& mac);
  GarpSender(GarpSender&& o) noexcept
      : fd_(o.fd_), ifindex_(o.ifindex_), mac_(o.mac_) {
    o.fd_ = -1;
  }
  GarpSender& operator=(GarpSender&&) = delete;
  ~GarpSender();
  absl::Status Announce(const IpAddress& vip);

 private:
  GarpSender(int fd, int ifindex, const std::array<uint8_t, 6>& mac)
      : fd_(fd), ifindex_(ifindex), mac_(mac) {}
  int fd_;
  int ifindex_;
  std::array<uint8_t, 6> mac_;
};

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_GARP_H_
