// The real keepalived (--config-test) and dsrlb agree on what is valid:
// the shared-subset file passes both cleanly, and typos fail both.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "controlplane/config/parser.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::config {
namespace {

const char kKeepalived[] = "/usr/sbin/keepalived";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// keepalived refuses loopback and unknown interfaces for VRRP.
std::string SomeNonLoopbackInterface() {
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/sys/class/net", ec)) {
    std::string name = e.path().filename().string();
    if (name != "lo") return name;
  }
  return "";
}

// Runs keepalived --config-test and returns its log lines.
std::vector<std::string> KeepalivedComplaints(const testing::TempDir& dir,
                                              const std::string& conf) {
  std::string log = dir.File("keepalived-test.log");
  std::string cmd = absl::StrCat(kKeepalived, " --config-test=", log, " -f ",
                                 conf, " >/dev/null 2>&1");
  int rc = system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(rc)) << cmd;
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(ReadAll(log), '\n')) {
    if (!l.empty()) lines.emplace_back(l);
  }
  return lines;
}

class KeepalivedAgreesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kKeepalived, X_OK) != 0)
      GTEST_SKIP() << "keepalived not installed";
    ifname_ = SomeNonLoopbackInterface();
    if (ifname_.empty()) GTEST_SKIP() << "no non-loopback interface";
  }
  testing::TempDir dir_;
  std::string ifname_;
};

TEST_F(KeepalivedAgreesTest, SharedSubsetFileIsCleanForBoth) {
  std::string text =
      absl::StrReplaceAll(ReadAll(std::string(DSRLB_CONFIG_TESTDATA) +
                                  "/keepalived_compatible.conf"),
                          {{"IFNAME", ifname_}});
  ASSERT_TRUE(absl::StrContains(text, "virtual_server"));
  std::string conf = dir_.File("keepalived.conf");
  std::ofstream(conf) << text;

  for (const std::string& line : KeepalivedComplaints(dir_, conf)) {
    // dsrlb has no script_security: keepalived always says this when
    // scripts are configured.
    EXPECT_TRUE(absl::StartsWith(line, "SECURITY VIOLATION")) << line;
  }
  absl::StatusOr<Config> c = LoadConfigFile(conf);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_instances.size(), 4u);
  EXPECT_EQ(c->vrrp_instances[0].interface, ifname_);
  ASSERT_EQ(c->virtual_servers.size(), 1u);
  EXPECT_EQ(c->virtual_servers[0].real_servers.size(), 3u);
}

TEST_F(KeepalivedAgreesTest, TyposAndOutOfRangeValuesFailBoth) {
  const std::string vs = "virtual_server 10.0.0.1 80 {\n lb_kind DR\n%s\n}\n";
  const std::string vrrp =
      absl::StrCat("vrrp_instance V {\n interface ", ifname_, "\n%s\n}\n");
  const struct {
    const std::string* frame;
    const char* body;
  } cases[] = {
      {&vs, " lb_algoo rr"},
      {&vs,
       " real_server 10.0.0.2 80 {\n  TCP_CHECK {\n   conect_timeout 3\n  }\n "
       "}"},
      {&vrrp, " virtual_router_id 256"},
      {&vrrp,
       " virtual_router_id 5\n authentication {\n  auth_type MD5\n  auth_pass "
       "x\n }"},
  };
  for (const auto& c : cases) {
    std::string text = absl::StrReplaceAll(*c.frame, {{"%s", c.body}});
    std::string conf = dir_.File("typo.conf");
    std::ofstream(conf) << text;
    std::vector<std::string> complaints = KeepalivedComplaints(dir_, conf);
    EXPECT_FALSE(complaints.empty()) << "keepalived accepted:\n" << text;
    absl::StatusOr<Config> parsed = LoadConfigFile(conf);
    EXPECT_FALSE(parsed.ok()) << "dsrlb accepted:\n" << text;
  }
}

}  // namespace
}  // namespace dsrlb::config
