// DSR_CHECK (a dsrlb checker keepalived does not have): its keywords land in
// the model, connect_ip is refused with a reason, and --check describes it.
#include <string>

#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::HasSubstr;

std::string OneServer(const std::string& checker_body) {
  return "virtual_server 192.168.4.15 80 {\n"
         "  lb_kind DR\n"
         "  real_server 192.168.4.200 80 {\n"
         "    DSR_CHECK {\n" +
         checker_body +
         "    }\n"
         "  }\n"
         "}\n";
}

TEST(DsrCheckKeywordsTest, EveryKeywordIsRead) {
  absl::StatusOr<Config> c =
      ParseConfigText(OneServer("      connect_port 8080\n"
                                "      bindto 192.168.4.5\n"
                                "      connect_timeout 1.5\n"
                                "      retry 2\n"
                                "      delay_before_retry 0.5\n"),
                      "d.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const Checker& k = c->virtual_servers[0].real_servers[0].checkers.at(0);
  EXPECT_EQ(k.kind, CheckerKind::kDsr);
  EXPECT_EQ(k.where.line, 4);
  EXPECT_EQ(k.connect_port, 8080);
  EXPECT_EQ(k.bindto, *IpAddress::Parse("192.168.4.5"));
  EXPECT_FALSE(k.connect_ip.has_value());
  EXPECT_EQ(k.connect_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(k.retry, 2);
  EXPECT_EQ(k.delay_before_retry, absl::Milliseconds(500));
}

TEST(DsrCheckKeywordsTest, ConnectIpIsRefusedBecauseTheTargetIsTheVip) {
  absl::StatusOr<Config> c =
      ParseConfigText(OneServer("      connect_ip 192.168.4.100\n"), "d.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "d.conf:5:7: 'connect_ip' in DSR_CHECK: the check always connects "
            "to the virtual server's address (use TCP_CHECK for another "
            "address)");
}

TEST(DsrCheckKeywordsTest, HttpKeywordsAreUnknownThere) {
  absl::StatusOr<Config> c = ParseConfigText(
      OneServer("      url {\n        path /\n      }\n"), "d.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "d.conf:5:7: unknown keyword 'url' in DSR_CHECK");
}

TEST(DsrCheckKeywordsTest, CheckDescribesTheVipThroughTheRealServer) {
  absl::StatusOr<Config> c =
      ParseConfigText(OneServer("      connect_timeout 2\n"), "d.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(
      DescribeConfig(*c),
      HasSubstr("  real_server 192.168.4.200:80 weight 1\n"
                "    DSR_CHECK 192.168.4.15:80 through 192.168.4.200's MAC "
                "(dsrlb's own: the server must answer for the VIP; timeout "
                "2s, retry 1 after 1s)\n"));
}

}  // namespace
}  // namespace dsrlb::config
