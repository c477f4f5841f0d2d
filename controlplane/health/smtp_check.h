// SMTP_CHECK (keepalived's check_smtp.c): connect to connect_ip:connect_port
// (default: the real server's), read the banner (status 220), send
// "HELO helo_name", read status 250, send "QUIT" and read one more line.
// Each step (connect, every line read) has connect_timeout.
#ifndef DSRLB_CONTROLPLANE_HEALTH_SMTP_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_SMTP_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "common/event_loop.h"
#include "controlplane/health/check.h"
#include "controlplane/health/socket_attempt.h"

namespace dsrlb::health {

class SmtpCheck : public Check {
 public:
  // Lines longer than keepalived's buffer fail instead of growing forever.
  static constexpr size_t kMaxLine = 512;

  SmtpCheck(EventLoop* loop, IpAddress address, uint16_t port,
            std::optional<IpAddress> bindto, absl::Duration timeout,
            std::string helo_name);
  void Start(Done done) override;
  void Cancel() override { attempt_.Reset(); }
  // keepalived's SMTP checker reports like its HTTP one.
  absl::string_view AlertName() const override { return "CHECK"; }

  // keepalived's smtp_get_status: three digits, then a blank or the end of
  // the line; -1 otherwise (so a "250-" continuation line is not 250).
  static int Status(absl::string_view line);

 private:
  enum class Step { kConnect, kBanner, kHelo, kQuit };
  void OnEvent(uint32_t events);
  void OnConnected();
  void OnLine(absl::string_view line);
  void Send(absl::string_view line, Step next);
  void Fail(absl::string_view what);
  void ArmStepTimeout();

  SocketAttempt attempt_;
  IpAddress address_;
  uint16_t port_;
  std::optional<IpAddress> bindto_;
  absl::Duration timeout_;
  std::string helo_name_;
  Step step_ = Step::kConnect;
  std::string in_;  // bytes read, up to a line
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_SMTP_CHECK_H_
