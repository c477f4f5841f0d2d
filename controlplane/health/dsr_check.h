// DSR_CHECK (a dsrlb checker; keepalived has none): proves that a real
// server accepts connections *for the VIP*, as the dataplane hands them
// over (destination VIP:port, the real server's MAC), not only on its own
// address. One attempt sends a TCP SYN to VIP:port in a raw Ethernet frame
// to the real server's MAC and waits for the SYN-ACK, which the server sends
// straight back to this host (as it answers a client); a RST ends the
// half-open connection. A plain TCP connect to the real server's own
// address runs beside it, so that a failure can say whether the server is
// alive but misses the VIP (the LVS-DR misconfiguration: VIP not on lo).
// For an IPv4 VIP an ARP request for the VIP goes to the server's MAC
// first: a server that answers it (arp_ignore not set) fails the check.
#ifndef DSRLB_CONTROLPLANE_HEALTH_DSR_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_DSR_CHECK_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/event_loop.h"
#include "controlplane/health/check.h"
#include "controlplane/health/dsr_frame.h"
#include "controlplane/health/tcp_check.h"

namespace dsrlb::health {

struct DsrTarget {
  IpAddress real_server;
  IpAddress vip;
  uint16_t port = 0;  // VIP's port, also used for the plain connect
  std::optional<IpAddress> bindto;  // source address; default: the route's
  absl::Duration timeout = absl::Seconds(5);
};

class DsrCheck : public Check {
 public:
  DsrCheck(EventLoop* loop, DsrTarget target);
  ~DsrCheck() override;
  void Start(Done done) override;
  void Cancel() override;
  absl::string_view AlertName() const override { return "DSR CHECK"; }

 private:
  enum class Outcome { kPending, kSynAck, kReset, kUnreachable, kNoMac };

  absl::Status Prepare();
  absl::Status OpenPacketSocket();
  void LookForMac();
  void SendSyn();
  void OnFrames();
  void OnDirect(CheckResult result);
  void OnDeadline();
  void Conclude();
  void ConcludeSynAck();
  std::string ArpText() const;
  std::string FailureText() const;
  void Fail(std::string text);
  void Finish(bool ok, std::string text);

  EventLoop* loop_;
  DsrTarget target_;
  TcpCheck direct_;
  Done done_;
  // One attempt's state.
  DsrProbe probe_;
  int ifindex_ = 0;
  int packet_fd_ = -1;
  int port_fd_ = -1;  // holds probe_.src_port so no local socket gets it
  bool solicited_ = false;
  bool syn_sent_ = false;
  bool arp_answered_ = false;
  std::string neighbour_state_;
  Outcome outcome_ = Outcome::kPending;
  std::optional<CheckResult> direct_result_;
  EventLoop::TimerId deadline_ = 0;
  EventLoop::TimerId mac_timer_ = 0;
  EventLoop::TimerId fail_timer_ = 0;
  EventLoop::TimerId arp_grace_ = 0;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_DSR_CHECK_H_
