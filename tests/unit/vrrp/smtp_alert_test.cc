// The mail an smtp_alert sends: headers, CRLF lines, dot-stuffing, end mark.
#include "controlplane/vrrp/smtp_alert.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(SmtpAlert, MessageHasHeadersAndDotStuffedCrlfBody) {
  config::GlobalDefs g;
  g.notification_email = {"a@example.com", "b@example.com"};
  g.notification_email_from = "lvs@example.com";
  std::string m = MailMessage(g, "[lvs1] VRRP Instance VI_1 - Entering MASTER state",
                              "first\n.hidden\nlast");
  EXPECT_THAT(m, StartsWith("From: lvs@example.com\r\nTo: a@example.com, b@example.com\r\n"
                            "Subject: [lvs1] VRRP Instance VI_1 - Entering MASTER state\r\n"));
  EXPECT_THAT(m, HasSubstr("\r\n\r\nfirst\r\n..hidden\r\nlast\r\n"));
  EXPECT_THAT(m, EndsWith("\r\n.\r\n"));
}

TEST(SmtpAlert, NothingToDoWithoutServerOrRecipients) {
  config::GlobalDefs g;
  EXPECT_TRUE(SendAlertDetached(g, "s", "b").ok());
  g.smtp_server = "127.0.0.1";
  EXPECT_TRUE(SendAlertDetached(g, "s", "b").ok());  // no recipients
}

}  // namespace
}  // namespace dsrlb::vrrp
