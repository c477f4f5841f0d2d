// Every global_defs, virtual_server, real_server and checker keyword lands
// in the model with the value written.
#include <string>

#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

TEST(GlobalDefsTest, EveryKeywordIsRead) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
global_defs {
  router_id lb-a
  notification_email {
    ops@example.com
    oncall@example.com  pager@example.com
  }
  notification_email_from lb@example.com
  smtp_server mail.example.com 2525
  smtp_connect_timeout 7.5
  vrrp_version 3
}
)",
                                             "g.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "lb-a");
  EXPECT_THAT(c->global.notification_email,
              ElementsAre("ops@example.com", "oncall@example.com",
                          "pager@example.com"));
  EXPECT_EQ(c->global.notification_email_from, "lb@example.com");
  EXPECT_EQ(c->global.smtp_server, "mail.example.com");
  EXPECT_EQ(c->global.smtp_port, 2525);
  EXPECT_EQ(c->global.smtp_connect_timeout, absl::Milliseconds(7500));
  EXPECT_EQ(c->global.vrrp_version, 3);
  EXPECT_THAT(c->files, ElementsAre("g.conf"));
}

TEST(GlobalDefsTest, UnsupportedKeepalivedKeywordIsNamed) {
  absl::StatusOr<Config> c =
      ParseConfigText("global_defs {\n  vrrp_iptables\n}\n", "g.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      c.status().message(),
      "g.conf:2:3: 'vrrp_iptables' in global_defs is not supported by dsrlb");
}

constexpr char kFullVirtualServer[] = R"(
virtual_server 10.0.0.1 443 {
  delay_loop 2.5
  lb_algo mh
  lb_kind DR
  persistence_timeout 300
  protocol UDP
  quorum 3
  hysteresis 1
  alpha
  omega
  quorum_up "/usr/local/bin/vip up"
  quorum_down /usr/local/bin/vip down
  real_server 10.0.1.1 443 {
    weight 7
    inhibit_on_failure
    notify_up /bin/up.sh
    notify_down "/bin/down.sh 10.0.1.1"
    rise 3
    fall 2
    delay_loop 1
    smtp_alert off
    TCP_CHECK {
      connect_ip 10.0.2.1
      connect_port 8443
      bindto 10.0.0.9
      connect_timeout 0.5
      retry 4
      delay_before_retry 0.25
    }
    HTTP_GET {
      url {
        path /healthz
        status_code 204 300-302
      }
      url {
        path /index.html
        digest 9B3A0C85A887A256D6939DA88AABD8CD
      }
      virtualhost www.example.com
      nb_get_retry 2
    }
    SSL_GET {
      url {
        path /
      }
      connect_port 443
    }
    MISC_CHECK {
      misc_path "/usr/bin/check --host 10.0.1.1"
      misc_timeout 9
      misc_dynamic
    }
  }
  real_server 10.0.1.2 443 {
    weight 0
  }
}
)";

TEST(VirtualServerTest, EveryKeywordIsRead) {
  absl::StatusOr<Config> c = ParseConfigText(kFullVirtualServer, "vs.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers.size(), 1u);
  const VirtualServer& vs = c->virtual_servers[0];
  EXPECT_EQ(vs.address, Ip("10.0.0.1"));
  EXPECT_EQ(vs.port, 443);
  EXPECT_EQ(vs.where.file, "vs.conf");
  EXPECT_EQ(vs.where.line, 2);
  EXPECT_EQ(vs.where.column, 1);
  EXPECT_EQ(vs.delay_loop, absl::Milliseconds(2500));
  EXPECT_EQ(vs.lb_algo, LbAlgo::kMh);
  EXPECT_EQ(vs.persistence_timeout_s, 300u);
  EXPECT_EQ(vs.protocol, Protocol::kUdp);
  EXPECT_EQ(vs.quorum, 3u);
  EXPECT_EQ(vs.hysteresis, 1u);
  EXPECT_TRUE(vs.alpha);
  EXPECT_TRUE(vs.omega);
  EXPECT_EQ(vs.quorum_up, "/usr/local/bin/vip up");
  EXPECT_EQ(vs.quorum_down, "/usr/local/bin/vip down");
  ASSERT_EQ(vs.real_servers.size(), 2u);

  const RealServer& rs = vs.real_servers[0];
  EXPECT_EQ(rs.address, Ip("10.0.1.1"));
  EXPECT_EQ(rs.port, 443);
  EXPECT_EQ(rs.where.line, 14);
  EXPECT_EQ(rs.where.column, 3);
  EXPECT_EQ(rs.weight, 7u);
  EXPECT_TRUE(rs.inhibit_on_failure);
  EXPECT_EQ(rs.notify_up, "/bin/up.sh");
  EXPECT_EQ(rs.notify_down, "/bin/down.sh 10.0.1.1");
  EXPECT_EQ(rs.rise, 3);
  EXPECT_EQ(rs.fall, 2);
  EXPECT_EQ(rs.delay_loop, absl::Seconds(1));
  EXPECT_FALSE(rs.smtp_alert);
  ASSERT_EQ(rs.checkers.size(), 4u);

  const Checker& tcp = rs.checkers[0];
  EXPECT_EQ(tcp.kind, CheckerKind::kTcp);
  EXPECT_EQ(tcp.where.line, 23);
  EXPECT_EQ(tcp.connect_ip, Ip("10.0.2.1"));
  EXPECT_EQ(tcp.connect_port, 8443);
  EXPECT_EQ(tcp.bindto, Ip("10.0.0.9"));
  EXPECT_EQ(tcp.connect_timeout, absl::Milliseconds(500));
  EXPECT_EQ(tcp.retry, 4);
  EXPECT_EQ(tcp.delay_before_retry, absl::Milliseconds(250));

  const Checker& http = rs.checkers[1];
  EXPECT_EQ(http.kind, CheckerKind::kHttp);
  ASSERT_EQ(http.urls.size(), 2u);
  EXPECT_EQ(http.urls[0].path, "/healthz");
  EXPECT_EQ(http.urls[0].status_codes,
            (std::vector<StatusCodeRange>{{204, 204}, {300, 302}}));
  EXPECT_EQ(http.urls[0].StatusText(), "204 300-302");
  EXPECT_TRUE(http.urls[0].AcceptsStatus(301));
  EXPECT_FALSE(http.urls[0].AcceptsStatus(200));
  EXPECT_EQ(http.urls[0].digest, "");
  EXPECT_EQ(http.urls[1].path, "/index.html");
  EXPECT_TRUE(http.urls[1].status_codes.empty());  // any 2xx
  EXPECT_TRUE(http.urls[1].AcceptsStatus(299));
  EXPECT_FALSE(http.urls[1].AcceptsStatus(301));
  EXPECT_EQ(http.urls[1].digest, "9b3a0c85a887a256d6939da88aabd8cd");
  EXPECT_EQ(http.virtualhost, "www.example.com");
  EXPECT_EQ(http.retry, 2);
  EXPECT_EQ(http.connect_timeout, absl::Seconds(5));  // model default

  const Checker& ssl = rs.checkers[2];
  EXPECT_EQ(ssl.kind, CheckerKind::kSsl);
  ASSERT_EQ(ssl.urls.size(), 1u);
  EXPECT_EQ(ssl.urls[0].path, "/");
  EXPECT_EQ(ssl.connect_port, 443);

  const Checker& misc = rs.checkers[3];
  EXPECT_EQ(misc.kind, CheckerKind::kMisc);
  EXPECT_EQ(misc.misc_path, "/usr/bin/check --host 10.0.1.1");
  EXPECT_EQ(misc.misc_timeout, absl::Seconds(9));
  EXPECT_TRUE(misc.misc_dynamic);

  EXPECT_EQ(vs.real_servers[1].weight, 0u);
  EXPECT_TRUE(vs.real_servers[1].checkers.empty());
}

TEST(VirtualServerTest, KeepalivedSpellingsLvsSchedAndLvsMethodWork) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
virtual_server 2001:db8::1 80 {
  lvs_sched SH
  lvs_method dr
  real_server 2001:db8::10 80 {
  }
}
)",
                                             "v6.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->virtual_servers[0].lb_algo, LbAlgo::kSh);
  EXPECT_EQ(c->virtual_servers[0].address, Ip("2001:db8::1"));
  EXPECT_EQ(c->virtual_servers[0].real_servers[0].weight, 1u);
}

TEST(VirtualServerTest, DefaultsAreTheModelsWhenNotWritten) {
  absl::StatusOr<Config> c = ParseConfigText(
      "virtual_server 10.0.0.1 80 {\n lb_kind DR\n}\n", "d.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const VirtualServer& vs = c->virtual_servers[0];
  EXPECT_EQ(vs.lb_algo, LbAlgo::kWrr);
  EXPECT_EQ(vs.protocol, Protocol::kTcp);
  EXPECT_EQ(vs.delay_loop, absl::Seconds(60));
  EXPECT_EQ(vs.quorum, 1u);
  EXPECT_FALSE(vs.alpha);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

class VirtualServerErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(VirtualServerErrorTest, IsRejectedWithItsMessage) {
  absl::StatusOr<Config> c = ParseConfigText(GetParam().text, "e.conf");
  ASSERT_FALSE(c.ok()) << GetParam().text;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(c.status().message()), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Values, VirtualServerErrorTest,
    ::testing::Values(
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind NAT\n}\n",
                  "e.conf:2:10: lb_kind NAT is not supported by dsrlb: only DR "
                  "(direct server return) is"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind TUN\n}\n",
                  "e.conf:2:10: lb_kind TUN is not supported by dsrlb: only DR "
                  "(direct server return) is"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n lb_algo wlc\n}\n",
            "e.conf:3:10: lb_algo 'wlc' is not supported by dsrlb: use "
            "rr, wrr, mh or sh (all consistent hashing on a weighted "
            "Maglev ring)"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n lb_algo xx\n}\n",
                  "e.conf:3:10: 'lb_algo' wants one of rr|wrr|mh|sh, got 'xx'"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n protocol SCTP\n}\n",
            "e.conf:3:11: protocol SCTP is not supported by dsrlb: use "
            "TCP or UDP"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n lb_algo rr\n "
                  "lvs_sched wrr\n}\n",
                  "e.conf:4:2: 'lvs_sched' given twice in virtual_server "
                  "(first at line 3): keep one"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  weight 65536\n }\n}\n",
                  "e.conf:4:10: 'weight' wants an integer from 0 to 65535, got "
                  "'65536'"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  weight -1\n }\n}\n",
                  "e.conf:4:10: 'weight' wants an integer from 0 to 65535, got "
                  "'-1'"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
            "10.0.0.2 80 {\n  HTTP_GET {\n   connect_port 80\n  }\n }\n}\n",
            "e.conf:4:3: HTTP_GET needs at least one 'url { path ... }'"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
            "10.0.0.2 80 {\n  MISC_CHECK {\n   connect_port 80\n  }\n }\n}\n",
            "e.conf:5:4: unknown keyword 'connect_port' in MISC_CHECK"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  TCP_CHECK {\n   misc_dynamic\n  }\n }\n}\n",
                  "e.conf:5:4: unknown keyword 'misc_dynamic' in TCP_CHECK"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  FILE_CHECK {\n  }\n }\n}\n",
                  "e.conf:4:3: 'FILE_CHECK' in real_server is not supported by "
                  "dsrlb"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    path /\n    "
                  "status_code 200 299-200\n   }\n  }\n }\n}\n",
                  "e.conf:7:21: status_code range '299-200' wants FIRST-LAST, "
                  "two codes from 100 to 599, FIRST <= LAST"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    path /\n    "
                  "status_code 500-5x9\n   }\n  }\n }\n}\n",
                  "e.conf:7:17: status_code range '500-5x9' wants FIRST-LAST, "
                  "two codes from 100 to 599, FIRST <= LAST"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
                  "10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    path /\n    "
                  "digest abc\n   }\n  }\n }\n}\n",
                  "e.conf:7:12: 'digest' wants 32 hex digits (the MD5 of the "
                  "body, as genhash prints), got 'abc'"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n real_server "
            "10.0.0.2 80 {\n  TCP_CHECK {\n   retry 2\n   nb_get_retry 3\n"
            "  }\n }\n}\n",
            "e.conf:6:4: 'nb_get_retry' given twice in TCP_CHECK (first "
            "at line 5): keep one"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n quorum 2\n "
                  "hysteresis 2\n}\n",
                  "e.conf:4:13: hysteresis 2 must be below quorum 2"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n delay_loop 0\n}\n",
            "e.conf:3:13: 'delay_loop' wants seconds from 10ms to 24h, "
            "got '0'"},
        ErrorCase{
            "virtual_server 10.0.0.1 80 {\n lb_kind DR\n delay_loop 1.x\n}\n",
            "e.conf:3:13: 'delay_loop' wants seconds from 10ms to 24h, "
            "got '1.x'"},
        ErrorCase{"virtual_server fwmark 1 {\n}\n",
                  "e.conf:1:16: 'virtual_server fwmark' is not supported by "
                  "dsrlb: a firewall mark is the kernel's (netfilter), and "
                  "dsrlb's dataplane matches address, protocol and port; "
                  "write 'virtual_server IP PORT' or a virtual_server_group "
                  "of addresses"},
        ErrorCase{"virtual_server 10.0.0.1 80 {\n lb_kind DR\n sorry_server "
                  "10.0.0.9 80\n sorry_server_lvs_method DR\n}\n",
                  "e.conf:4:2: 'sorry_server_lvs_method' in virtual_server is "
                  "not supported by dsrlb"}));

}  // namespace
}  // namespace dsrlb::config
