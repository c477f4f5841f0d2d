// script_user and enable_script_security (keepalived.conf(5) and keepalived
// 2.2.7's lib/notify.c): who scripts run as, and which scripts keepalived
// refuses to run as root. Runs as root, as CI does.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::config {
namespace {

using ::testing::HasSubstr;

std::string Global(const std::string& lines) {
  return absl::StrCat("global_defs {\n", lines, "}\n");
}

TEST(ScriptUserTest, UserAndItsPrimaryGroup) {
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  absl::StatusOr<Config> c =
      ParseConfigText(Global(" script_user nobody\n"), "u.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.script_user, "nobody");
  EXPECT_EQ(c->global.script_uid, nobody->pw_uid);
  EXPECT_EQ(c->global.script_gid, nobody->pw_gid);
}

TEST(ScriptUserTest, GroupGivenReplacesThePrimaryGroup) {
  const group* root_group = getgrnam("root");
  ASSERT_NE(root_group, nullptr);
  absl::StatusOr<Config> c =
      ParseConfigText(Global(" script_user nobody root\n"), "u.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.script_gid, root_group->gr_gid);
}

TEST(ScriptUserTest, UnknownUserOrGroupIsAnError) {
  absl::StatusOr<Config> c =
      ParseConfigText(Global(" script_user no_such_user_dsrlb\n"), "u.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "u.conf:2:14: script_user: no user 'no_such_user_dsrlb' on this "
            "host");
  c = ParseConfigText(Global(" script_user nobody no_such_group_dsrlb\n"),
                      "u.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("no group 'no_such_group_dsrlb' on this host"));
  c = ParseConfigText(Global(" script_user\n"), "u.conf");
  EXPECT_FALSE(c.ok());
}

// A vrrp_script whose script is `path`, in a file with `globals`.
std::string WithScript(const std::string& globals, const std::string& path) {
  return absl::StrCat(Global(globals), "vrrp_script chk {\n script \"", path,
                      " --quiet\"\n}\n");
}

class ScriptSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "these checks are about scripts run as root";
    dir_ = tmp_.File("scripts");
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
    script_ = dir_ + "/check.sh";
    std::ofstream(script_) << "#!/bin/sh\nexit 0\n";
    ASSERT_EQ(chmod(script_.c_str(), 0755), 0);
  }
  absl::StatusOr<Config> Load(const std::string& globals) {
    return ParseConfigText(WithScript(globals, script_), "s.conf");
  }
  testing::TempDir tmp_;  // under /dev/shm: root's, sticky
  std::string dir_, script_;
};

TEST_F(ScriptSecurityTest, RootOwnedScriptInRootOwnedDirectoriesRuns) {
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->global.enable_script_security);
}

TEST_F(ScriptSecurityTest, WorldWritableDirectoryIsRefused) {
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              HasSubstr(absl::StrCat("s.conf:5:9: script runs ", script_,
                                     " as root but ", dir_,
                                     " is writable by non-root users")));
}

TEST_F(ScriptSecurityTest, StickyDirectoryIsFine) {
  ASSERT_EQ(chmod(dir_.c_str(), 01777), 0);  // like /tmp
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST_F(ScriptSecurityTest, ScriptOwnedByAnotherUserIsRefused) {
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ASSERT_EQ(chown(script_.c_str(), nobody->pw_uid, 0), 0);
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(
      c.status().message(),
      HasSubstr(absl::StrCat(script_, " is owned by uid ", nobody->pw_uid)));
}

TEST_F(ScriptSecurityTest, GroupWritableByNonRootGroupIsRefused) {
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ASSERT_EQ(chown(script_.c_str(), 0, nobody->pw_gid), 0);
  ASSERT_EQ(chmod(script_.c_str(), 0775), 0);
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr(absl::StrCat(script_, " is writable by non-root")));
  // Group root may write: only root is in it.
  ASSERT_EQ(chown(script_.c_str(), 0, 0), 0);
  EXPECT_TRUE(Load(" enable_script_security\n").ok());
}

TEST_F(ScriptSecurityTest, UnsafeScriptRunsWithoutScriptSecurity) {
  // keepalived then only logs a warning.
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  absl::StatusOr<Config> c = Load("");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST_F(ScriptSecurityTest, UnsafeScriptRunsAsAnotherUser) {
  // Only scripts that run as root must be safe.
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  absl::StatusOr<Config> c =
      Load(" enable_script_security\n script_user nobody\n");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST_F(ScriptSecurityTest, MissingScriptIsRefused) {
  ASSERT_EQ(unlink(script_.c_str()), 0);
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("cannot find"));
}

TEST_F(ScriptSecurityTest, NotExecutableScriptIsRefused) {
  ASSERT_EQ(chmod(script_.c_str(), 0644), 0);
  absl::StatusOr<Config> c = Load(" enable_script_security\n");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("is not an executable file"));
}

TEST_F(ScriptSecurityTest, BareCommandIsFoundInPath) {
  // /bin/sh's own PATH search: "true" is /usr/bin/true (root's, 0755).
  absl::StatusOr<Config> c = ParseConfigText(
      absl::StrCat(Global(" enable_script_security\n"),
                   "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n"
                   " notify_master true\n}\n"),
      "s.conf");
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST_F(ScriptSecurityTest, EveryScriptKeywordIsChecked) {
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  const std::string vs = absl::StrCat(
      "virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server 10.0.0.2 80 "
      "{\n  MISC_CHECK {\n   misc_path \"",
      script_, "\"\n  }\n }\n}\n");
  absl::StatusOr<Config> c =
      ParseConfigText(Global(" enable_script_security\n") + vs, "s.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("s.conf:8:14: misc_path runs"));
}

}  // namespace
}  // namespace dsrlb::config
