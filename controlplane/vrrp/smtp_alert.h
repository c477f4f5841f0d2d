// keepalived's smtp_alert for VRRP transitions: one mail per state change to
// global_defs' notification_email list, sent from a detached child so a
// slow or dead mail server never delays an advert.
#ifndef DSRLB_CONTROLPLANE_VRRP_SMTP_ALERT_H_
#define DSRLB_CONTROLPLANE_VRRP_SMTP_ALERT_H_

#include <string>

#include "absl/status/status.h"
#include "controlplane/config/config.h"

namespace dsrlb::vrrp {

// The RFC 5321 dialogue for one message, as the client sends it (for tests).
std::string MailMessage(const config::GlobalDefs& g, const std::string& subject,
                        const std::string& body);

// Forks a child that delivers the mail (plain SMTP, no TLS) within
// smtp_connect_timeout; returns at once. No-op without smtp_server or
// recipients.
absl::Status SendAlertDetached(const config::GlobalDefs& g, const std::string& subject,
                               const std::string& body);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_SMTP_ALERT_H_
