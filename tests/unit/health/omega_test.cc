// keepalived's omega (on shutdown: notify_down of the live real servers,
// then quorum_down), the quorum scripts the monitor runs for the service
// model, and misc_dynamic's weight in the events: keepalived.conf text
// through the real parser, real scripts, fake time.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "controlplane/config/parser.h"
#include "controlplane/health/health_monitor.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

// 127.0.0.1 passes its check, 127.0.0.2 fails it; each notify_down and the
// quorum_down touch a file of their own in $DIR.
constexpr const char* kConf = R"(
virtual_server 10.255.0.1 80 {
  lb_kind DR
  OMEGA
  quorum_down "touch $DIR/quorum_down"
  real_server 127.0.0.1 80 {
    notify_down "touch $DIR/down_1"
    MISC_CHECK {
      misc_path "exit 0"
    }
  }
  real_server 127.0.0.2 80 {
    notify_down "touch $DIR/down_2"
    MISC_CHECK {
      misc_path "exit 1"
    }
  }
}
)";

class OmegaTest : public ::testing::Test {
 protected:
  void Start(bool omega) {
    const std::string text = absl::StrReplaceAll(
        kConf, {{"$DIR", dir_.path()}, {"OMEGA", omega ? "omega" : ""}});
    absl::StatusOr<config::Config> cfg =
        config::ParseConfigText(text, "omega.conf");
    ASSERT_TRUE(cfg.ok()) << cfg.status();
    ASSERT_TRUE(monitor_.Apply(*cfg).ok());
    // The failing server goes down after its retry, 1 s after the first
    // attempt ended.
    const RsKey failing{testing::Ip("127.0.0.2"), 80};
    ASSERT_TRUE(testing::RunUntil(loop_, [&] {
      auto st = monitor_.State(testing::TheVs(), failing);
      return st.has_value() && st->checked;
    }));
    testing::AdvanceTo(clock_, loop_, clock_.Now() + absl::Seconds(1));
    ASSERT_TRUE(testing::RunUntil(loop_, [&] { return events_.size() == 1; }));
    ASSERT_FALSE(events_[0].up);
    // keepalived runs notify_down when a server fails: not what is tested.
    ASSERT_TRUE(testing::RunUntil(loop_, [&] { return Exists("down_2"); }));
    std::filesystem::remove(dir_.File("down_2"));
  }

  std::vector<std::string> ShutdownAndWait() {
    std::vector<std::string> ran = monitor_.Shutdown();
    EXPECT_TRUE(testing::RunUntil(
        loop_, [&] { return monitor_.scripts_running() == 0; }));
    return ran;
  }

  bool Exists(const std::string& name) {
    return std::filesystem::exists(dir_.File(name));
  }

  dsrlb::testing::TempDir dir_;
  FakeClock clock_;
  EventLoop loop_{&clock_};
  std::vector<HealthEvent> events_;
  HealthMonitor monitor_{
      &loop_, [this](const HealthEvent& e) { events_.push_back(e); }};
};

TEST_F(OmegaTest, ShutdownRunsNotifyDownOfLiveServersThenQuorumDown) {
  Start(/*omega=*/true);
  std::vector<std::string> ran = ShutdownAndWait();
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[0], "touch " + dir_.path() + "/down_1");
  EXPECT_EQ(ran[1], "touch " + dir_.path() + "/quorum_down");
  EXPECT_TRUE(Exists("down_1"));
  EXPECT_TRUE(Exists("quorum_down"));
  EXPECT_FALSE(Exists("down_2")) << "already down: nothing to say";
  EXPECT_TRUE(monitor_.States().empty()) << "checks stopped";
}

TEST_F(OmegaTest, WithoutOmegaShutdownIsSilent) {
  Start(/*omega=*/false);
  EXPECT_TRUE(ShutdownAndWait().empty());
  EXPECT_FALSE(Exists("down_1"));
  EXPECT_FALSE(Exists("quorum_down"));
}

TEST_F(OmegaTest, QuorumScriptsRunAsTheModelDecides) {
  monitor_.RunScript("touch " + dir_.File("quorum_up"));
  EXPECT_TRUE(testing::RunUntil(loop_, [&] { return Exists("quorum_up"); }));
}

// keepalived.conf(5): "exit status 2-255: svc check success, then the RS
// weight is ... two less than the exit status".
TEST(MiscDynamicEventTest, ExitFiveIsWeightThreeFromTheCheck) {
  absl::StatusOr<config::Config> cfg = config::ParseConfigText(R"(
virtual_server 10.255.0.1 80 {
  lb_kind DR
  real_server 127.0.0.1 80 {
    weight 10
    MISC_CHECK {
      misc_path "exit 5"
      misc_dynamic
    }
  }
}
)",
                                                               "misc.conf");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  FakeClock clock;
  EventLoop loop(&clock);
  std::vector<HealthEvent> events;
  HealthMonitor monitor(&loop,
                        [&](const HealthEvent& e) { events.push_back(e); });
  ASSERT_TRUE(monitor.Apply(*cfg).ok());
  ASSERT_TRUE(testing::RunUntil(loop, [&] { return !events.empty(); }));
  EXPECT_TRUE(events[0].up);
  EXPECT_EQ(events[0].weight, 3u);
  EXPECT_TRUE(events[0].weight_from_check);
}

}  // namespace
}  // namespace dsrlb::health
