// Real server alerts in keepalived's words.
#include "controlplane/health/rs_alerts.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace dsrlb::health {

RealServerAlerts::RealServerAlerts(EventLoop* loop)
    : mailer_(loop), scripts_(loop) {}

std::string RealServerAlerts::SubjectText(const HealthEvent& event) {
  return absl::StrCat("Realserver ", FormatRs(event.vs, event.rs),
                      " of virtual server ", FormatVs(event.vs), " - ",
                      event.up ? "UP" : "DOWN");
}

std::string RealServerAlerts::Body(const HealthEvent& event,
                                   absl::string_view checker_name) {
  std::string first;
  if (event.up) {
    first = absl::StrCat("=> ", checker_name, " succeed on service <=");
  } else if (checker_name == "CHECK") {
    // keepalived's HTTP/SSL checker says what failed inside the marker.
    first = absl::StrCat("=> CHECK failed on service : ", event.reason, " <=");
  } else {
    first = absl::StrCat("=> ", checker_name, " failed on service <=");
  }
  return absl::StrCat(first, "\r\n\r\nLast check: ", event.reason);
}

void RealServerAlerts::OnChange(const config::GlobalDefs& global,
                                const config::RealServer& rs,
                                const HealthEvent& event,
                                absl::string_view checker_name) {
  if (rs.smtp_alert && SmtpMailer::Configured(global)) {
    absl::Status sent =
        mailer_.Send(global, SmtpMailer::Subject(global, SubjectText(event)),
                     Body(event, checker_name), [](absl::Status status) {
                       if (!status.ok())
                         fprintf(stderr, "dsrlb health: alert mail: %s\n",
                                 std::string(status.message()).c_str());
                     });
    if (!sent.ok())
      fprintf(stderr, "dsrlb health: alert mail: %s\n",
              std::string(sent.message()).c_str());
  }
  const std::string& script = event.up ? rs.notify_up : rs.notify_down;
  if (!script.empty()) {
    absl::Status ran = scripts_.Run(script);
    if (!ran.ok())
      fprintf(stderr, "dsrlb health: %s: %s\n", script.c_str(),
              std::string(ran.message()).c_str());
  }
}

}  // namespace dsrlb::health
