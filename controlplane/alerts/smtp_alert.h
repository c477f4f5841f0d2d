// Alert mail as keepalived sends it (global_defs smtp_server,
// notification_email_from, notification_email), over libcurl's SMTP support
// driven by the event loop, so a slow mail server never stalls checks.
// Usable on its own (VRRP sends its alerts through it too).
#ifndef DSRLB_CONTROLPLANE_ALERTS_SMTP_ALERT_H_
#define DSRLB_CONTROLPLANE_ALERTS_SMTP_ALERT_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"

namespace dsrlb::health {

class CurlDriver;

class SmtpMailer {
 public:
  using Done = absl::AnyInvocable<void(absl::Status)>;

  explicit SmtpMailer(EventLoop* loop);
  ~SmtpMailer();  // abandons mail still in flight

  // True when `global` names a server and at least one recipient.
  static bool Configured(const config::GlobalDefs& global);
  // "[router_id] text": keepalived's subject prefix (router_id defaults to
  // the host name, as in keepalived).
  static std::string Subject(const config::GlobalDefs& global,
                             const std::string& text);
  // The message keepalived would send: Date, From, Subject, X-Mailer, To.
  static std::string FormatMessage(const config::GlobalDefs& global,
                                   const std::string& subject,
                                   const std::string& body, absl::Time now);

  // Sends one mail to every notification_email. `done` (optional) runs on
  // the loop thread with the outcome. FailedPrecondition if not Configured.
  absl::Status Send(const config::GlobalDefs& global,
                    const std::string& subject, const std::string& body,
                    Done done = nullptr);
  size_t in_flight() const { return mails_.size(); }

 private:
  struct Mail;
  std::unique_ptr<CurlDriver> curl_;
  absl::flat_hash_map<Mail*, std::unique_ptr<Mail>> mails_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_ALERTS_SMTP_ALERT_H_
