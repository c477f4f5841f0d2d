// UDP_CHECK (keepalived's check_udp.c): send one datagram (the configured
// payload, or keepalived's 32-byte filler) to connect_ip:connect_port. An
// ICMP destination unreachable (port closed) fails. Without require_reply,
// silence for connect_timeout passes; with it, a reply must come within
// connect_timeout and, when require_reply gives hex, be min..max_reply_length
// bytes long and match it over the shorter of the two (x nibbles ignored).
#ifndef DSRLB_CONTROLPLANE_HEALTH_UDP_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_UDP_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/health/check.h"
#include "controlplane/health/socket_attempt.h"

namespace dsrlb::health {

struct UdpTarget {
  IpAddress address;
  uint16_t port = 0;
  std::optional<IpAddress> bindto;
  absl::Duration timeout = absl::Seconds(5);
  std::vector<uint8_t> payload;  // empty: keepalived's filler
  bool require_reply = false;
  std::vector<uint8_t> reply_data;
  std::vector<uint8_t> reply_mask;  // bits to ignore; empty: none
  size_t min_reply_length = 0;
  size_t max_reply_length = 255;
};

class UdpCheck : public Check {
 public:
  UdpCheck(EventLoop* loop, UdpTarget target);
  void Start(Done done) override;
  void Cancel() override { attempt_.Reset(); }
  absl::string_view AlertName() const override { return "UDP CHECK"; }

  // keepalived's check_udp_reply: empty when `reply` is acceptable, else why.
  static std::string ReplyMismatch(const UdpTarget& target,
                                   const std::vector<uint8_t>& reply);

 private:
  void OnEvent(uint32_t events);
  std::string Text(absl::string_view what) const;

  SocketAttempt attempt_;
  UdpTarget target_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_UDP_CHECK_H_
