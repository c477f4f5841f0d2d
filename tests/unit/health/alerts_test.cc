// Alerts on real server state changes: keepalived-style mail received by a
// real local SMTP server (aiosmtpd), and notify_up / notify_down scripts.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "controlplane/alerts/notify_script.h"
#include "controlplane/alerts/smtp_alert.h"
#include "controlplane/health/health_monitor.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::ClosedPort;
using testing::Listener;
using testing::OneServer;
using testing::RunUntil;
using testing::SmtpSink;
using testing::TcpChecker;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return absl::StrReplaceAll(s.str(), {{"\r", ""}});
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

config::GlobalDefs MailDefs(uint16_t smtp_port) {
  config::GlobalDefs g;
  g.router_id = "LVS_TEST";
  g.smtp_server = "127.0.0.1";
  g.smtp_port = smtp_port;
  g.smtp_connect_timeout = absl::Seconds(5);
  g.notification_email_from = "keepalived@test.example";
  g.notification_email = {"ops@test.example", "pager@test.example"};
  return g;
}

class AlertsTest : public testing::CheckFixture {
 protected:
  dsrlb::testing::TempDir dir_;
};

TEST_F(AlertsTest, DownAndUpMailInKeepalivedsWords) {
  SmtpSink sink;
  ASSERT_NE(sink.port(), 0) << "smtp_sink.py did not start (SMTP_SINK set?)";
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.global = MailDefs(sink.port());
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] { return Exists(sink.Mail(0)); }));
  const std::string down = ReadFile(sink.Mail(0));
  const std::string service = absl::StrCat("[127.0.0.1]:tcp:", port);
  EXPECT_NE(down.find("FROM keepalived@test.example\n"), std::string::npos)
      << down;
  EXPECT_NE(down.find("TO ops@test.example\nTO pager@test.example\n"),
            std::string::npos)
      << down;
  EXPECT_NE(down.find("From: keepalived@test.example\n"), std::string::npos)
      << down;
  EXPECT_NE(down.find("To: ops@test.example, pager@test.example\n"),
            std::string::npos)
      << down;
  EXPECT_NE(down.find(absl::StrCat(
                "Subject: [LVS_TEST] Realserver ", service,
                " of virtual server [10.255.0.1]:tcp:80 - DOWN\n")),
            std::string::npos)
      << down;
  EXPECT_NE(down.find("\n=> TCP CHECK failed on service <=\n"),
            std::string::npos)
      << down;
  EXPECT_NE(down.find("connection refused"), std::string::npos) << down;
  EXPECT_NE(down.find("Date: "), std::string::npos) << down;

  Listener back(16, port);
  ASSERT_GE(back.fd, 0);
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(RunUntil(loop_, [&] { return Exists(sink.Mail(1)); }));
  const std::string up = ReadFile(sink.Mail(1));
  EXPECT_NE(
      up.find(absl::StrCat("Subject: [LVS_TEST] Realserver ", service,
                           " of virtual server [10.255.0.1]:tcp:80 - UP\n")),
      std::string::npos)
      << up;
  EXPECT_NE(up.find("\n=> TCP CHECK succeed on service <=\n"),
            std::string::npos)
      << up;
}

TEST_F(AlertsTest, SmtpAlertOffSendsNoMail) {
  SmtpSink sink;
  ASSERT_NE(sink.port(), 0);
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.global = MailDefs(sink.port());
  cfg.virtual_servers[0].real_servers[0].smtp_alert = false;
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  testing::Settle(loop_, 10, absl::Milliseconds(50));
  EXPECT_FALSE(Exists(sink.Mail(0)));
}

TEST_F(AlertsTest, SilentMailServerDoesNotStallChecks) {
  Listener silent;  // accepts connections, never says 220
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.global = MailDefs(silent.port);
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  Listener back(16, port);
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(RunUntil(
      loop_, [&] { return events_.size() == 2; }, absl::Seconds(2)));
  EXPECT_TRUE(events_[1].up);
  EXPECT_EQ(events_[1].time, t0_ + absl::Seconds(10));
}

TEST_F(AlertsTest, NotifyScriptsRunWithTheirConfiguredArguments) {
  const std::string script = dir_.File("notify.sh");
  const std::string marker = dir_.File("marker");
  std::ofstream(script) << "#!/bin/sh\necho \"$@\" >> " << marker << "\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  const uint16_t port = ClosedPort();
  config::Config cfg = OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
  cfg.virtual_servers[0].real_servers[0].notify_down =
      script + " DOWN 127.0.0.1";
  cfg.virtual_servers[0].real_servers[0].notify_up = script + " UP 127.0.0.1";
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return ReadFile(marker) == "DOWN 127.0.0.1\n";
  })) << ReadFile(marker);
  Listener back(16, port);
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(RunUntil(loop_, [&] {
    return ReadFile(marker) == "DOWN 127.0.0.1\nUP 127.0.0.1\n";
  })) << ReadFile(marker);
}

TEST(NotifyScriptRunner, AppendsArgumentsAndReapsTheScript) {
  EventLoop loop;
  dsrlb::testing::TempDir dir;
  std::vector<std::string> ended;
  NotifyScriptRunner runner(&loop, absl::Seconds(30),
                            [&](const std::string&, const ChildExit& exit) {
                              ended.push_back(exit.Describe(absl::Seconds(30)));
                            });
  const std::string out = dir.File("out");
  ASSERT_TRUE(
      runner.Run("printf '%s,' > " + out, {"INSTANCE", "VI 1", "MASTER", "100"})
          .ok());
  ASSERT_TRUE(RunUntil(loop, [&] { return runner.running() == 0; }));
  EXPECT_EQ(ReadFile(out), "INSTANCE,VI 1,MASTER,100,");
  EXPECT_EQ(ended, std::vector<std::string>({"exited with status 0"}));
}

TEST(NotifyScriptRunner, KillsAScriptPastItsTimeout) {
  FakeClock clock;
  EventLoop loop(&clock);
  std::vector<std::string> ended;
  NotifyScriptRunner runner(&loop, absl::Seconds(5),
                            [&](const std::string&, const ChildExit& exit) {
                              ended.push_back(exit.Describe(absl::Seconds(5)));
                            });
  ASSERT_TRUE(runner.Run("sleep 300").ok());
  testing::Settle(loop);
  EXPECT_EQ(runner.running(), 1u);
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(RunUntil(loop, [&] { return runner.running() == 0; }));
  EXPECT_EQ(ended, std::vector<std::string>({"timed out after 5s"}));
}

TEST(SmtpMailer, RefusesToSendWithoutServerOrRecipients) {
  EventLoop loop;
  SmtpMailer mailer(&loop);
  config::GlobalDefs g;
  EXPECT_EQ(mailer.Send(g, "s", "b").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SmtpMailer, ReportsAnUnreachableServer) {
  EventLoop loop;
  SmtpMailer mailer(&loop);
  std::optional<absl::Status> outcome;
  ASSERT_TRUE(mailer
                  .Send(MailDefs(ClosedPort()), "s", "b",
                        [&](absl::Status s) { outcome = s; })
                  .ok());
  ASSERT_TRUE(RunUntil(loop, [&] { return outcome.has_value(); }));
  EXPECT_EQ(outcome->code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(mailer.in_flight(), 0u);
}

}  // namespace
}  // namespace dsrlb::health
