// PING_CHECK, UDP_CHECK, SMTP_CHECK and DNS_CHECK: every keyword lands in
// the model with the value written (keepalived.conf(5) of keepalived 2.2.7
// for the defaults and the hex syntax), bad values are errors naming
// FILE:LINE:COL, BFD_CHECK is refused with what to write instead, and
// --check describes them.
#include <string>
#include <vector>

#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;
using Bytes = std::vector<uint8_t>;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

// One real server 10.0.0.2:53 holding `checkers`.
std::string WithCheckers(const std::string& checkers) {
  return "virtual_server 10.0.0.1 53 {\n"
         "  lb_kind DR\n"
         "  protocol UDP\n"
         "  real_server 10.0.0.2 53 {\n" +
         checkers +
         "  }\n"
         "}\n";
}

absl::StatusOr<std::vector<Checker>> Checkers(const std::string& checkers) {
  absl::StatusOr<Config> c = ParseConfigText(WithCheckers(checkers), "c.conf");
  if (!c.ok()) return c.status();
  return c->virtual_servers[0].real_servers[0].checkers;
}

TEST(PingCheckKeywordsTest, ConnectionAndRetryKeywordsAreRead) {
  auto c = Checkers(
      "PING_CHECK {\n connect_ip 10.0.9.9\n bindto 10.0.0.1\n"
      " connect_timeout 1.5\n retry 2\n delay_before_retry 4\n}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 1u);
  const Checker& p = (*c)[0];
  EXPECT_EQ(p.kind, CheckerKind::kPing);
  EXPECT_EQ(p.connect_ip, Ip("10.0.9.9"));
  EXPECT_EQ(p.bindto, Ip("10.0.0.1"));
  EXPECT_EQ(p.connect_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(p.retry, 2);
  EXPECT_EQ(p.delay_before_retry, absl::Seconds(4));
  EXPECT_FALSE(p.retry_after_delay_loop);
}

TEST(HttpGetKeywordsTest, VirtualhostIsReadPerUrlAndForTheChecker) {
  auto c = Checkers(
      "    HTTP_GET {\n"
      "      url {\n        path /a\n        virtualhost a.example\n      }\n"
      "      url {\n        path /b\n      }\n"
      "      virtualhost c.example\n"
      "    }\n");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 1u);
  ASSERT_EQ((*c)[0].urls.size(), 2u);
  EXPECT_EQ((*c)[0].urls[0].virtualhost, "a.example");
  EXPECT_EQ((*c)[0].urls[1].virtualhost, "");
  EXPECT_EQ((*c)[0].virtualhost, "c.example");
}

TEST(UdpCheckKeywordsTest, HexStringsReadAsKeepalivedDocumentsThem) {
  // keepalived.conf(5): "Ab12f 3 456 546443123" is AB 12 0F 03 45 06 54 64 43
  // 12 03; x or X in require_reply ignores those 4 bits.
  auto c = Checkers(
      "UDP_CHECK {\n connect_port 5353\n payload Ab12f 3 456 546443123\n"
      " require_reply \"0a Xb c\"\n min_reply_length 2\n"
      " max_reply_length 100\n}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const Checker& u = (*c)[0];
  EXPECT_EQ(u.kind, CheckerKind::kUdp);
  EXPECT_EQ(u.connect_port, 5353);
  EXPECT_EQ(u.udp_payload, (Bytes{0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54,
                                  0x64, 0x43, 0x12, 0x03}));
  EXPECT_TRUE(u.require_reply);
  EXPECT_EQ(u.reply_data, (Bytes{0x0a, 0x0b, 0x0c}));
  EXPECT_EQ(u.reply_mask, (Bytes{0x00, 0xf0, 0x00}));
  EXPECT_EQ(u.min_reply_length, 2);
  EXPECT_EQ(u.max_reply_length, 100);
}

TEST(UdpCheckKeywordsTest,
     DefaultsAreKeepalivedsAndBareRequireReplyWantsAnyReply) {
  auto c = Checkers("UDP_CHECK {\n}\nUDP_CHECK {\n require_reply\n}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE((*c)[0].udp_payload.empty());
  EXPECT_FALSE((*c)[0].require_reply);
  EXPECT_EQ((*c)[0].min_reply_length, 0);
  EXPECT_EQ((*c)[0].max_reply_length, 255);
  EXPECT_EQ((*c)[0].retry, 1);
  EXPECT_EQ((*c)[0].delay_before_retry, absl::Seconds(1));
  EXPECT_TRUE((*c)[1].require_reply);
  EXPECT_TRUE((*c)[1].reply_data.empty());
  EXPECT_TRUE((*c)[1].reply_mask.empty());
}

TEST(SmtpCheckKeywordsTest, HeloNameAndConnectionAreRead) {
  auto c = Checkers(
      "SMTP_CHECK {\n connect_ip 10.0.0.25\n connect_port 25\n"
      " helo_name \"lb1.example.com\"\n connect_timeout 3\n}\n"
      "SMTP_CHECK {\n}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const Checker& s = (*c)[0];
  EXPECT_EQ(s.kind, CheckerKind::kSmtp);
  EXPECT_EQ(s.connect_ip, Ip("10.0.0.25"));
  EXPECT_EQ(s.connect_port, 25);
  EXPECT_EQ(s.helo_name, "lb1.example.com");
  EXPECT_EQ(s.connect_timeout, absl::Seconds(3));
  // keepalived's SMTP_DEFAULT_HELO; the port defaults to the real server's.
  EXPECT_EQ((*c)[1].helo_name, "smtpchecker.keepalived.org");
  EXPECT_FALSE((*c)[1].connect_port.has_value());
}

TEST(DnsCheckKeywordsTest, TypeAndNameAreRead) {
  auto c = Checkers(
      "DNS_CHECK {\n type aaaa\n name www.example.com\n retry 1\n"
      " delay_before_retry 2\n}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const Checker& d = (*c)[0];
  EXPECT_EQ(d.kind, CheckerKind::kDns);
  EXPECT_EQ(d.dns_type, "AAAA");
  EXPECT_EQ(d.dns_name, "www.example.com");
  EXPECT_EQ(d.retry, 1);
  EXPECT_EQ(d.delay_before_retry, absl::Seconds(2));
  EXPECT_FALSE(d.retry_after_delay_loop);
}

TEST(DnsCheckKeywordsTest, DefaultsAreSoaOfTheRootRetry3DelayLoopApart) {
  auto c = Checkers("DNS_CHECK {\n}\n");
  ASSERT_TRUE(c.ok()) << c.status();
  const Checker& d = (*c)[0];
  EXPECT_EQ(d.dns_type, "SOA");
  EXPECT_EQ(d.dns_name, "");
  EXPECT_EQ(d.retry, 3);
  EXPECT_TRUE(d.retry_after_delay_loop);
}

struct ErrorCase {
  std::string checkers;  // inside real_server, whose block starts at line 5
  std::string message;
};

class CheckerErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CheckerErrorTest, IsRefusedWithLocationAndReason) {
  absl::StatusOr<Config> c =
      ParseConfigText(WithCheckers(GetParam().checkers), "e.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    All, CheckerErrorTest,
    ::testing::Values(
        ErrorCase{"BFD_CHECK {\n name b1\n}\n",
                  "e.conf:5:1: 'BFD_CHECK' in real_server is not supported by "
                  "dsrlb: it needs keepalived's BFD daemon; check the server "
                  "with PING_CHECK (or TCP_CHECK) instead"},
        ErrorCase{"PING_CHECK {\n connect_port 80\n}\n",
                  "e.conf:6:2: 'connect_port' in PING_CHECK is not supported "
                  "by dsrlb: ICMP echo has no port; remove it"},
        ErrorCase{"PING_CHECK {\n helo_name x\n}\n",
                  "e.conf:6:2: unknown keyword 'helo_name' in PING_CHECK"},
        ErrorCase{"UDP_CHECK {\n payload 0a zz\n}\n",
                  "e.conf:6:13: 'payload' wants hex digits, in pairs or "
                  "separated by blanks; got 'zz'"},
        ErrorCase{"UDP_CHECK {\n payload\n}\n",
                  "e.conf:6:2: 'payload' is missing its value (payload HEX)"},
        ErrorCase{"UDP_CHECK {\n require_reply 0q\n}\n",
                  "e.conf:6:16: 'require_reply' wants hex digits (x for any), "
                  "in pairs or separated by blanks; got '0q'"},
        ErrorCase{"UDP_CHECK {\n min_reply_length 10\n max_reply_length 5\n}\n",
                  "e.conf:5:1: UDP_CHECK min_reply_length 10 is above "
                  "max_reply_length 5: the check could never pass"},
        ErrorCase{"UDP_CHECK {\n max_reply_length 70000\n}\n",
                  "e.conf:6:19: 'max_reply_length' wants an integer from 0 "
                  "to 65535, got '70000'"},
        ErrorCase{"DNS_CHECK {\n type SRV\n}\n",
                  "e.conf:6:7: 'DNS_CHECK type' wants one of "
                  "A|NS|CNAME|SOA|MX|TXT|AAAA|RRSIG|DNSKEY, got 'SRV'"},
        ErrorCase{"DNS_CHECK {\n name a..b\n}\n",
                  "e.conf:6:7: DNS_CHECK name 'a..b' has a label that is "
                  "empty"},
        ErrorCase{"DNS_CHECK {\n name .a\n}\n",
                  "e.conf:6:7: DNS_CHECK name '.a' has a label that is empty"},
        ErrorCase{
            "SMTP_CHECK {\n helo_name\n}\n",
            "e.conf:6:2: 'helo_name' is missing its value (helo_name NAME)"},
        ErrorCase{"SMTP_CHECK {\n host {\n  fwmark 3\n }\n}\n",
                  "e.conf:7:3: 'fwmark' in host is not supported by dsrlb"},
        ErrorCase{"SMTP_CHECK {\n bindto ::1\n host {\n  connect_ip 10.0.0.3\n"
                  " }\n}\n",
                  "e.conf:5:1: SMTP_CHECK connect_ip 10.0.0.3 and bindto ::1 "
                  "are of different IP families"},
        ErrorCase{"SMTP_CHECK {\n connect_ip 10.0.0.3\n bindto ::1\n}\n",
                  "e.conf:5:1: SMTP_CHECK connect_ip 10.0.0.3 and bindto ::1 "
                  "are of different IP families"}));

TEST(CheckerDescribeTest, CheckSummaryNamesWhatEachCheckerDoes) {
  absl::StatusOr<Config> c = ParseConfigText(
      WithCheckers("PING_CHECK {\n connect_ip 10.0.0.3\n}\n"
                   "UDP_CHECK {\n payload 01 02\n require_reply 0a xb\n}\n"
                   "UDP_CHECK {\n}\n"
                   "SMTP_CHECK {\n connect_port 25\n helo_name lb1\n}\n"
                   "DNS_CHECK {\n type A\n name example.org\n}\n"),
      "d.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(
      DescribeConfig(*c),
      "virtual_server 10.0.0.1:53 UDP wrr DR, delay_loop 60s, 1 real server\n"
      "  real_server 10.0.0.2:53 weight 1\n"
      "    PING_CHECK 10.0.0.3 (timeout 5s, retry 1 after 1s)\n"
      "    UDP_CHECK 10.0.0.2:53 payload 2 bytes, require_reply 0a xb (0-255 "
      "bytes) (timeout 5s, retry 1 after 1s)\n"
      "    UDP_CHECK 10.0.0.2:53 default payload, no reply required (timeout "
      "5s, retry 1 after 1s)\n"
      "    SMTP_CHECK 10.0.0.2:25 HELO lb1 (timeout 5s, retry 1 after 1s)\n"
      "    DNS_CHECK 10.0.0.2:53 A example.org (timeout 5s, retry 3 after "
      "delay_loop)\n");
}

}  // namespace
}  // namespace dsrlb::config
