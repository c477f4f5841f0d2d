// `--check` names every error of a file in one run: a migrating user fixes
// the whole file at once, not one line per run.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Lines(const absl::Status& s) {
  return absl::StrSplit(s.message(), '\n');
}

TEST(AllErrorsTest, EveryBlockIsReadPastItsFirstError) {
  absl::StatusOr<Config> c = ParseConfigText(R"(global_defs {
  router_idd lvs1
}
virtual_server 10.0.0.1 80 {
  lb_kind NAT
  delay_loop 6
  real_server 10.0.0.2 80 {
    weight 70000
  }
  real_server 10.0.0.3 80 {
    TCP_CHECK {
      connect_timeout x
    }
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 256
  priority 100
  priority 90
}
)",
                                             "e.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      Lines(c.status()),
      ElementsAre(
          "e.conf:2:3: unknown keyword 'router_idd' in global_defs",
          "e.conf:5:11: lb_kind NAT is not supported by dsrlb: only DR (direct "
          "server return) is",
          "e.conf:8:12: 'weight' wants an integer from 0 to 65535, got '70000'",
          "e.conf:12:23: 'connect_timeout' wants seconds from 1ms to 1h, got "
          "'x'",
          "e.conf:18:21: 'virtual_router_id' wants an integer from 1 to 255, "
          "got '256'",
          "e.conf:20:3: 'priority' given twice in vrrp_instance (first at line "
          "19): keep one"));
}

TEST(AllErrorsTest, CrossChecksOfVirtualServersAndVrrpAreBothReported) {
  absl::StatusOr<Config> c = ParseConfigText(R"(virtual_server 10.0.0.1 80 {
  lb_kind DR
}
virtual_server 10.0.0.1 80 {
  lb_kind DR
}
vrrp_instance A {
  interface eth0
  virtual_router_id 7
}
vrrp_instance B {
  interface eth0
  virtual_router_id 7
}
)",
                                             "x.conf");
  ASSERT_FALSE(c.ok());
  const std::vector<std::string> lines = Lines(c.status());
  ASSERT_EQ(lines.size(), 2u) << c.status();
  EXPECT_EQ(lines[0].rfind("x.conf:4:", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("virtual_server"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1],
            "x.conf:11:1: vrrp_instance B uses virtual_router_id 7 on eth0, "
            "already used by vrrp_instance A: give each a unique id");
}

TEST(AllErrorsTest, AHundredErrorsArePrintedThenCounted) {
  std::string text;
  for (int i = 0; i < 130; ++i) absl::StrAppend(&text, "bogus_", i, "\n");
  absl::StatusOr<Config> c = ParseConfigText(text, "m.conf");
  ASSERT_FALSE(c.ok());
  const std::vector<std::string> lines = Lines(c.status());
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_EQ(lines[0], "m.conf:1:1: unknown keyword 'bogus_0' in the top level");
  EXPECT_EQ(lines[99],
            "m.conf:100:1: unknown keyword 'bogus_99' in the top level");
  EXPECT_EQ(lines[100], "(30 more errors)");
}

TEST(AllErrorsTest, OneErrorIsTheMessageAlone) {
  absl::StatusOr<Config> c = ParseConfigText("bogus\n", "o.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "o.conf:1:1: unknown keyword 'bogus' in the top level");
}

}  // namespace
}  // namespace dsrlb::config
