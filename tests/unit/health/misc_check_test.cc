// MISC_CHECK: real scripts through /bin/sh, timeouts by fake time, the
// process group killed, misc_dynamic weights.
#include <signal.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::OneServer;
using testing::TheRs;
using testing::TheVs;

constexpr uint16_t kPort = 8080;

bool Dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && line.size() > paren + 2 &&
         line[paren + 2] == 'Z';
}

config::Checker Misc(std::string command,
                     absl::Duration timeout = absl::Seconds(2),
                     bool dynamic = false) {
  config::Checker c;
  c.kind = config::CheckerKind::kMisc;
  c.misc_path = std::move(command);
  c.misc_timeout = timeout;
  c.misc_dynamic = dynamic;
  c.retry = 0;
  return c;
}

class MiscCheckTest : public testing::CheckFixture {
 protected:
  bool WaitChecked() {
    return testing::RunUntil(loop_, [&] {
      auto s = monitor_.State(TheVs(), TheRs(kPort));
      return s.has_value() && s->last_check_time == clock_.Now();
    });
  }
  RealServerState State() { return *monitor_.State(TheVs(), TheRs(kPort)); }

  dsrlb::testing::TempDir dir_;
};

TEST_F(MiscCheckTest, ExitZeroIsUp) {
  ASSERT_TRUE(monitor_.Apply(OneServer(kPort, {Misc("exit 0")})).ok());
  ASSERT_TRUE(WaitChecked());
  EXPECT_TRUE(State().last_check_ok);
  EXPECT_TRUE(events_.empty());
}

TEST_F(MiscCheckTest, FailingScriptIsDownWithItsExitStatus) {
  ASSERT_TRUE(monitor_.Apply(OneServer(kPort, {Misc("exit 3")})).ok());
  ASSERT_TRUE(WaitChecked());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason, "MISC_CHECK exit 3: exited with status 3");
}

TEST_F(MiscCheckTest, HangingScriptIsKilledWithItsChildrenAtMiscTimeout) {
  const std::string pid_file = dir_.File("sleeper.pid");
  ASSERT_TRUE(monitor_
                  .Apply(OneServer(kPort, {Misc("sleep 300 & echo $! > " +
                                                    pid_file + "; wait",
                                                absl::Seconds(2))}))
                  .ok());
  ASSERT_TRUE(testing::RunUntil(loop_, [&] {
    std::ifstream f(pid_file);
    pid_t p = 0;
    return static_cast<bool>(f >> p) && p > 0;
  }));
  pid_t sleeper = 0;
  std::ifstream(pid_file) >> sleeper;
  testing::AdvanceTo(clock_, loop_, t0_ + absl::Milliseconds(1999));
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(kill(sleeper, 0), 0) << "still running before misc_timeout";
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(testing::RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(2));
  EXPECT_NE(events_[0].reason.find("timed out after 2s"), std::string::npos);
  // The script's own child went with it (dead: gone, or a zombie waiting
  // for whoever reaps orphans here).
  EXPECT_TRUE(testing::RunUntil(loop_, [&] { return Dead(sleeper); }));
}

TEST_F(MiscCheckTest, MiscDynamicExitCodeSetsTheWeight) {
  const std::string code_file = dir_.File("code");
  std::ofstream(code_file) << 7;
  ASSERT_TRUE(
      monitor_
          .Apply(OneServer(kPort, {Misc("exit $(cat " + code_file + ")",
                                        absl::Seconds(2), /*dynamic=*/true)}))
          .ok());
  ASSERT_TRUE(WaitChecked());
  ASSERT_EQ(events_.size(), 1u);  // a weight change, still up
  EXPECT_TRUE(events_[0].up);
  EXPECT_EQ(events_[0].weight, 5u);
  EXPECT_EQ(State().weight, 5u);
  std::ofstream(code_file) << 1;
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(WaitChecked());
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_FALSE(events_[1].up);
  std::ofstream(code_file) << 0;
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(WaitChecked());
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_TRUE(events_[2].up);
}

TEST_F(MiscCheckTest, WithoutMiscDynamicAnyNonZeroExitIsDown) {
  ASSERT_TRUE(monitor_.Apply(OneServer(kPort, {Misc("exit 7")})).ok());
  ASSERT_TRUE(WaitChecked());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(State().weight, 3u);
}

}  // namespace
}  // namespace dsrlb::health
