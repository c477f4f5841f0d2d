// script_user at run time: a child runs with the configured uid, gid and
// that gid as its only group, as keepalived's set_script_env does. Runs as
// root, as CI does.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "controlplane/alerts/child_process.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::RunUntil;

class ScriptUserRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "changing user needs root";
    ASSERT_EQ(chmod(dir_.path().c_str(), 0777), 0);  // nobody writes here
  }
  void TearDown() override { ChildProcess::SetRunAs(std::nullopt); }

  // Runs `command` with /bin/sh -c and returns what it wrote to `out`.
  std::string Run(const std::string& command) {
    std::optional<ChildExit> exit;
    auto child = ChildProcess::Spawn(&loop_, ChildProcess::ShellArgv(command),
                                     absl::Seconds(10),
                                     [&](const ChildExit& e) { exit = e; });
    EXPECT_TRUE(child.ok()) << child.status();
    if (!child.ok()) return "";
    EXPECT_TRUE(RunUntil(loop_, [&] { return exit.has_value(); }));
    std::ifstream in(out_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  EventLoop loop_;
  dsrlb::testing::TempDir dir_;
  std::string out_ = dir_.File("ids");
};

TEST_F(ScriptUserRunTest, ChildRunsAsTheScriptUserWithOnlyItsGroup) {
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ChildProcess::SetRunAs(RunAs{nobody->pw_uid, nobody->pw_gid});
  EXPECT_EQ(Run("echo $(id -u) $(id -g) $(id -G) > " + out_),
            std::to_string(nobody->pw_uid) + " " +
                std::to_string(nobody->pw_gid) + " " +
                std::to_string(nobody->pw_gid) + "\n");
}

TEST_F(ScriptUserRunTest, GroupMayDifferFromTheUsersOwn) {
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ChildProcess::SetRunAs(RunAs{nobody->pw_uid, 0});  // script_user nobody root
  EXPECT_EQ(Run("echo $(id -u) $(id -G) > " + out_),
            std::to_string(nobody->pw_uid) + " 0\n");
}

TEST_F(ScriptUserRunTest, UnsetRunsAsThisProcess) {
  ChildProcess::SetRunAs(std::nullopt);
  EXPECT_EQ(Run("id -u > " + out_), "0\n");
}

}  // namespace
}  // namespace dsrlb::health
