// TCP_CHECK: a non-blocking connect that must complete within
// connect_timeout (by the loop's clock).
#ifndef DSRLB_CONTROLPLANE_HEALTH_TCP_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_TCP_CHECK_H_

#include <optional>
#include <string>

#include "common/event_loop.h"
#include "controlplane/health/check.h"
#include "controlplane/health/socket_attempt.h"

namespace dsrlb::health {

class TcpCheck : public Check {
 public:
  TcpCheck(EventLoop* loop, IpAddress address, uint16_t port,
           std::optional<IpAddress> bindto, absl::Duration connect_timeout);
  ~TcpCheck() override;
  void Start(Done done) override;
  void Cancel() override;
  absl::string_view AlertName() const override { return "TCP CHECK"; }

 private:
  void OnWritable();
  // "TCP connect to 127.0.0.1:80: <detail>"
  std::string Text(absl::string_view detail) const;

  IpAddress address_;
  uint16_t port_;
  std::optional<IpAddress> bindto_;
  absl::Duration connect_timeout_;
  SocketAttempt attempt_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_TCP_CHECK_H_
