// What happens besides the event when a real server changes state:
// keepalived's alert mail and the notify_up / notify_down script.
#ifndef DSRLB_CONTROLPLANE_HEALTH_RS_ALERTS_H_
#define DSRLB_CONTROLPLANE_HEALTH_RS_ALERTS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/event_loop.h"
#include "controlplane/alerts/notify_script.h"
#include "controlplane/alerts/smtp_alert.h"
#include "controlplane/config/config.h"
#include "controlplane/health/health_event.h"

namespace dsrlb::health {

class RealServerAlerts {
 public:
  explicit RealServerAlerts(EventLoop* loop);

  // `checker_name` is the Check::AlertName() whose result caused the change.
  void OnChange(const config::GlobalDefs& global, const config::RealServer& rs,
                const HealthEvent& event, absl::string_view checker_name);

  // keepalived's wording, e.g. "Realserver [10.0.0.2]:tcp:80 of virtual
  // server [10.0.0.1]:tcp:80 - DOWN" and "=> TCP CHECK failed on service <=".
  static std::string SubjectText(const HealthEvent& event);
  static std::string Body(const HealthEvent& event,
                          absl::string_view checker_name);

 private:
  SmtpMailer mailer_;
  NotifyScriptRunner scripts_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_RS_ALERTS_H_
