// quorum, hysteresis, alpha, omega, quorum_up/down, sorry_server and
// sorry_server_inhibit: what the parser keeps, what it refuses, and that
// keepalived 2.2.7 (--config-test) takes the same valid file.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "controlplane/config/parser.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::config {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

constexpr char kQuorumFile[] = R"(virtual_server 10.0.0.1 80 {
  lb_algo wrr
  lb_kind DR
  protocol TCP
  alpha
  omega
  quorum 3
  hysteresis 1
  quorum_up "/usr/local/bin/announce up"
  quorum_down /usr/local/bin/announce down
  sorry_server 10.0.0.9 80
  sorry_server_inhibit
  real_server 10.0.0.2 80 {
    weight 2
  }
  real_server 10.0.0.3 80 {
    weight 1
  }
}
virtual_server 10.0.0.1 443 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  sorry_server 10.0.0.9
  real_server 10.0.0.2 443 {
    weight 1
  }
}
)";

TEST(QuorumKeywordsTest, EveryKeywordLandsInTheModel) {
  absl::StatusOr<Config> c = ParseConfigText(kQuorumFile, "q.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers.size(), 2u);
  const VirtualServer& vs = c->virtual_servers[0];
  EXPECT_TRUE(vs.alpha);
  EXPECT_TRUE(vs.omega);
  EXPECT_EQ(vs.quorum, 3u);
  EXPECT_EQ(vs.hysteresis, 1u);
  EXPECT_EQ(vs.quorum_up, "/usr/local/bin/announce up");
  EXPECT_EQ(vs.quorum_down, "/usr/local/bin/announce down");
  ASSERT_TRUE(vs.sorry_server.has_value());
  EXPECT_EQ(vs.sorry_server->address, Ip("10.0.0.9"));
  EXPECT_EQ(vs.sorry_server->port, 80);
  EXPECT_TRUE(vs.sorry_server->inhibit);
  EXPECT_EQ(vs.sorry_server->where.line, 11);
  // keepalived.conf(5): the port may be left out (the virtual server's).
  const VirtualServer& tls = c->virtual_servers[1];
  ASSERT_TRUE(tls.sorry_server.has_value());
  EXPECT_EQ(tls.sorry_server->port, 443);
  EXPECT_FALSE(tls.sorry_server->inhibit);
  EXPECT_FALSE(tls.alpha);
  EXPECT_FALSE(tls.omega);
  EXPECT_EQ(tls.quorum, 1u);  // keepalived's default
}

TEST(QuorumKeywordsTest, KeepalivedTakesTheSameFile) {
  const char kKeepalived[] = "/usr/sbin/keepalived";
  ASSERT_EQ(access(kKeepalived, X_OK), 0) << "keepalived 2.2.7 is needed";
  testing::TempDir dir;
  const std::string conf = dir.File("keepalived.conf");
  const std::string log = dir.File("log");
  std::ofstream(conf) << kQuorumFile;
  const std::string cmd = absl::StrCat(kKeepalived, " --config-test=", log,
                                       " -f ", conf, " >/dev/null 2>&1");
  int rc = system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  std::ifstream in(log);
  std::stringstream complaints;
  complaints << in.rdbuf();
  // keepalived logs nothing for a file it takes as written (the scripts are
  // not there, which only script_security would check).
  EXPECT_EQ(complaints.str(), "");
}

struct ErrorCase {
  const char* text;
  const char* error;
};

class QuorumErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(QuorumErrorTest, IsRejectedWithItsMessage) {
  absl::StatusOr<Config> c = ParseConfigText(GetParam().text, "e.conf");
  ASSERT_FALSE(c.ok()) << GetParam().text;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(c.status().message()), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Values, QuorumErrorTest,
    ::testing::Values(
        // keepalived: "Warning - quorum 3 ... exceeds total weight of real
        // servers 1, reducing quorum to 1".
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n quorum 3\n "
                  "real_server 10.0.0.2 80 {\n  weight 1\n }\n}\n",
                  "e.conf:3:9: quorum 3 exceeds the total weight 1 of the "
                  "real servers: the virtual server could never have quorum "
                  "(keepalived lowers it to 1)"},
        // DR cannot map ports: keepalived says "ports don't match -
        // resetting"; dsrlb refuses as it refuses such a real_server.
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n sorry_server "
                  "10.0.0.9 8080\n}\n",
                  "e.conf:3:24: sorry_server port 8080 differs from "
                  "virtual_server port 80: lb_kind DR cannot map ports; the "
                  "sorry server must listen on 80 (or leave the port out)"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n sorry_server "
                  "2001:db8::9 80\n}\n",
                  "e.conf:3:15: sorry_server 2001:db8::9 is not the same IP "
                  "family as virtual_server 10.0.0.1: direct server return "
                  "cannot change it"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n "
                  "sorry_server_inhibit\n sorry_server 10.0.0.9 80\n}\n",
                  "e.conf:3:2: 'sorry_server_inhibit' needs a 'sorry_server' "
                  "line before it (keepalived ignores it otherwise)"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n sorry_server "
                  "10.0.0.2\n real_server 10.0.0.2 80 {\n }\n}\n",
                  "e.conf:3:2: sorry_server 10.0.0.2 is also a real_server of "
                  "this virtual_server (e.conf:4): a sorry server stands in "
                  "for the real servers, name another host"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n sorry_server "
                  "10.0.0.9 80\n sorry_server 10.0.0.8 80\n}\n",
                  "e.conf:4:2: 'sorry_server' given twice in virtual_server "
                  "(first at line 3): keep one"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n sorry_server\n}\n",
            "e.conf:3:2: 'sorry_server' is missing its value "
            "(sorry_server IP [PORT])"}));

}  // namespace
}  // namespace dsrlb::config
