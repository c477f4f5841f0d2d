// The fixture the checker tests share: a fake clock, a loop on it, a
// HealthMonitor whose events are recorded, and helpers to apply one real
// server and to move fake time; and SmtpSink, smtp_sink.py (aiosmtpd) in a
// process of its own.
#ifndef DSRLB_TESTS_UNIT_HEALTH_CHECK_FIXTURE_H_
#define DSRLB_TESTS_UNIT_HEALTH_CHECK_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/event_loop.h"
#include "controlplane/health/health_monitor.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/health/health_test_util.h"

extern char** environ;

namespace dsrlb::health::testing {

class CheckFixture : public ::testing::Test {
 protected:
  CheckFixture()
      : loop_(&clock_),
        monitor_(&loop_,
                 [this](const HealthEvent& e) { events_.push_back(e); }),
        t0_(clock_.Now()) {}

  // One real server 127.0.0.1:port checked by `c`. alpha: the server starts
  // down, so a passing attempt is an event too.
  void Apply(uint16_t port, config::Checker c, bool alpha) {
    config::Config cfg = OneServer(port, {std::move(c)});
    cfg.virtual_servers[0].alpha = alpha;
    ASSERT_TRUE(monitor_.Apply(cfg).ok());
  }
  // Runs what is due, then moves fake time to t0 + d in steps of 250 ms, so
  // that every timer on the way runs at its own time.
  void At(absl::Duration d) {
    Settle(loop_);  // what is due now runs now
    while (clock_.Now() < t0_ + d)
      AdvanceTo(clock_, loop_,
                std::min(clock_.Now() + absl::Milliseconds(250), t0_ + d));
  }

  FakeClock clock_;
  EventLoop loop_;
  std::vector<HealthEvent> events_;
  HealthMonitor monitor_;
  absl::Time t0_;
};

// tests/unit/health/smtp_sink.py on Debian's python3 (with aiosmtpd), in a
// process of its own; port() is 0 when it did not start.
class SmtpSink {
 public:
  SmtpSink() {
    const char* script = getenv("SMTP_SINK");
    if (script == nullptr) return;
    std::vector<std::string> args = {"/usr/bin/python3", script, dir_.path()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) !=
        0) {
      pid_ = -1;
      return;
    }
    const absl::Time end = absl::Now() + absl::Seconds(20);
    while (!std::filesystem::exists(dir_.File("port")) && absl::Now() < end)
      absl::SleepFor(absl::Milliseconds(20));
    std::ifstream(dir_.File("port")) >> port_;
  }
  ~SmtpSink() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  uint16_t port() const { return port_; }
  // The file the n-th mail received is written to.
  std::string Mail(int n) const {
    return dir_.File(absl::StrCat("mail-", n, ".txt"));
  }

 private:
  dsrlb::testing::TempDir dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace dsrlb::health::testing

#endif  // DSRLB_TESTS_UNIT_HEALTH_CHECK_FIXTURE_H_
