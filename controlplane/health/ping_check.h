// PING_CHECK: one ICMP (or ICMPv6) echo request to connect_ip (default: the
// real server's address); an echo reply within connect_timeout passes. Uses
// an unprivileged ping socket when net.ipv4.ping_group_range admits the
// process's group (what keepalived arranges), else a raw socket
// (CAP_NET_RAW).
#ifndef DSRLB_CONTROLPLANE_HEALTH_PING_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_PING_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "common/event_loop.h"
#include "controlplane/health/check.h"
#include "controlplane/health/socket_attempt.h"

namespace dsrlb::health {

class PingCheck : public Check {
 public:
  PingCheck(EventLoop* loop, IpAddress address, std::optional<IpAddress> bindto,
            absl::Duration timeout);
  void Start(Done done) override;
  void Cancel() override { attempt_.Reset(); }
  absl::string_view AlertName() const override { return "ICMP CHECK"; }

 private:
  // The socket of this attempt (attempt_ owns it), bound to bindto_.
  absl::StatusOr<int> Open();
  absl::Status Send();
  void OnReadable(uint32_t events);
  // Whether `packet` (as read from the socket) is the reply to our request.
  bool IsOurReply(const uint8_t* packet, size_t len) const;
  std::string Text(absl::string_view what) const;

  SocketAttempt attempt_;
  IpAddress address_;
  std::optional<IpAddress> bindto_;
  absl::Duration timeout_;
  bool raw_ = false;    // raw socket: we match the identifier ourselves
  uint16_t ident_ = 0;  // raw sockets only; ping sockets get the kernel's
  uint16_t sequence_ = 0;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_PING_CHECK_H_
