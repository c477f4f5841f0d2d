// SMTP_CHECK against a real SMTP server (Debian's python3-aiosmtpd, through
// smtp_sink.py) and against a scripted one on the test's loop that records
// what the checker says, with fake time.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controlplane/health/health_monitor.h"
#include "controlplane/health/smtp_check.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::AdvanceTo;
using testing::ClosedPort;
using testing::Listener;
using testing::OneServer;
using testing::RunUntil;
using testing::Settle;
using testing::SmtpSink;

// Talks SMTP on one accepted connection at a time: sends `banner`, answers
// a HELO line with `helo_reply` and QUIT with 221, records every line.
class ScriptedSmtp {
 public:
  ScriptedSmtp(EventLoop* loop, std::string banner, std::string helo_reply)
      : loop_(loop),
        banner_(std::move(banner)),
        helo_reply_(std::move(helo_reply)) {
    (void)loop_->WatchFd(listener_.fd, EPOLLIN, [this](uint32_t) { Accept(); });
  }
  ~ScriptedSmtp() {
    loop_->UnwatchFd(listener_.fd);
    if (conn_ >= 0) {
      loop_->UnwatchFd(conn_);
      close(conn_);
    }
  }
  uint16_t port() const { return listener_.port; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  void Accept() {
    int c =
        accept4(listener_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;
    if (conn_ >= 0) {
      loop_->UnwatchFd(conn_);
      close(conn_);
    }
    conn_ = c;
    Say(banner_);
    (void)loop_->WatchFd(conn_, EPOLLIN, [this](uint32_t) { Read(); });
  }
  void Say(const std::string& line) {
    if (line.empty()) return;  // silence
    const std::string out = line + "\r\n";
    (void)!send(conn_, out.data(), out.size(), MSG_NOSIGNAL);
  }
  void Read() {
    char buf[1024];
    ssize_t n = recv(conn_, buf, sizeof(buf), 0);
    if (n <= 0) {
      loop_->UnwatchFd(conn_);
      close(conn_);
      conn_ = -1;
      return;
    }
    in_.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = in_.find("\r\n")) != std::string::npos;) {
      std::string line = in_.substr(0, nl);
      in_.erase(0, nl + 2);
      lines_.push_back(line);
      Say(line.rfind("HELO ", 0) == 0 ? helo_reply_
          : line == "QUIT"            ? "221 bye"
                                      : "500 what");
    }
  }

  EventLoop* loop_;
  Listener listener_;
  std::string banner_;
  std::string helo_reply_;
  int conn_ = -1;
  std::string in_;
  std::vector<std::string> lines_;
};

config::Checker Smtp(uint16_t port) {
  config::Checker c;  // helo_name: keepalived's default
  c.kind = config::CheckerKind::kSmtp;
  c.connect_port = port;
  c.connect_timeout = absl::Seconds(2);
  c.retry = 0;
  return c;
}

class SmtpCheckTest : public testing::CheckFixture {
 protected:
  std::string Prefix(uint16_t port) {
    return absl::StrCat("SMTP 127.0.0.1:", port, ": ");
  }
};

TEST_F(SmtpCheckTest, RealSmtpServerIsUp) {
  SmtpSink server;
  ASSERT_NE(server.port(), 0) << "smtp_sink.py did not start (SMTP_SINK set?)";
  Apply(server.port(), Smtp(server.port()), true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up) << events_[0].reason;
  EXPECT_EQ(events_[0].reason,
            Prefix(server.port()) + "220 banner, 250 to HELO");
}

TEST_F(SmtpCheckTest, SaysHeloWithKeepalivedsDefaultNameThenQuit) {
  ScriptedSmtp server(&loop_, "220 mx.test ESMTP", "250 mx.test");
  Apply(server.port(), Smtp(server.port()), true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up) << events_[0].reason;
  Settle(loop_);
  EXPECT_EQ(server.lines(), (std::vector<std::string>{
                                "HELO smtpchecker.keepalived.org", "QUIT"}));
}

TEST_F(SmtpCheckTest, SaysTheConfiguredHeloName) {
  ScriptedSmtp server(&loop_, "220 mx.test", "250 ok");
  config::Checker c = Smtp(server.port());
  c.helo_name = "lb1.example.com";
  Apply(server.port(), c, true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
  Settle(loop_);
  ASSERT_FALSE(server.lines().empty());
  EXPECT_EQ(server.lines()[0], "HELO lb1.example.com");
}

TEST_F(SmtpCheckTest, BannerOtherThan220IsDown) {
  ScriptedSmtp server(&loop_, "554 no service here", "250 ok");
  Apply(server.port(), Smtp(server.port()), false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason,
            Prefix(server.port()) +
                "bad greeting banner '554 no service here', expected 220");
  EXPECT_TRUE(server.lines().empty()) << "no HELO after a bad banner";
}

TEST_F(SmtpCheckTest, HeloRefusedIsDown) {
  ScriptedSmtp server(&loop_, "220 mx.test", "501 go away");
  Apply(server.port(), Smtp(server.port()), false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(
      events_[0].reason,
      Prefix(server.port()) + "bad HELO response '501 go away', expected 250");
}

TEST_F(SmtpCheckTest, ContinuationLineIsNotAStatus) {
  // keepalived reads one line per step and wants "220 " or "220" alone.
  EXPECT_EQ(SmtpCheck::Status("220 mx ESMTP"), 220);
  EXPECT_EQ(SmtpCheck::Status("250"), 250);
  EXPECT_EQ(SmtpCheck::Status("220-mx ESMTP"), -1);
  EXPECT_EQ(SmtpCheck::Status("22"), -1);
  EXPECT_EQ(SmtpCheck::Status("abc def"), -1);
}

TEST_F(SmtpCheckTest, SilentServerFailsAtConnectTimeout) {
  ScriptedSmtp server(&loop_, "", "250 ok");  // accepts, never greets
  Apply(server.port(), Smtp(server.port()), false);
  Settle(loop_);
  At(absl::Milliseconds(1999));
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(2));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(2));
  EXPECT_EQ(events_[0].reason,
            Prefix(server.port()) + "read timed out after 2s");
}

TEST_F(SmtpCheckTest, ClosedPortIsDown) {
  const uint16_t port = ClosedPort();
  Apply(port, Smtp(port), false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason, Prefix(port) + "connection refused");
}

}  // namespace
}  // namespace dsrlb::health
