// What keepalived's sample corpus (tests/e2e/keepalived_samples) showed:
// keepalived.conf(5)'s `virtualhost` on a virtual_server or real_server is
// the default Host of its HTTP_GET / SSL_GET checkers (the checker's own
// wins, then the real server's, then the virtual server's); `auth_type AH`,
// which dsrlb-control cannot run, fails --check too.
#include <string>

#include "controlplane/config/parser.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

// keepalived's samples/keepalived.conf.virtualhost, cut down.
constexpr char kText[] = R"(virtual_server 192.168.200.100 80 {
    lb_kind DR
    virtualhost www.firewall.loc    # The VirtualHost string to use
    real_server 192.168.201.100 80 {
        SSL_GET {
            url {
              path /
            }
        }
        HTTP_GET {
            url {
              path /
            }
            virtualhost own.example
        }
        TCP_CHECK {
        }
    }
    real_server 192.168.201.101 80 {
        virtualhost rs.example
        HTTP_GET {
            url {
              path /
            }
        }
    }
}
)";

TEST(VirtualhostTest, CheckerThenRealServerThenVirtualServer) {
  absl::StatusOr<Config> c = ParseConfigText(kText, "v.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const VirtualServer& vs = c->virtual_servers[0];
  EXPECT_EQ(vs.real_servers[0].checkers[0].virtualhost, "www.firewall.loc");
  EXPECT_EQ(vs.real_servers[0].checkers[1].virtualhost, "own.example");
  EXPECT_EQ(vs.real_servers[0].checkers[2].virtualhost, "");  // TCP_CHECK
  EXPECT_EQ(vs.real_servers[1].checkers[0].virtualhost, "rs.example");
}

TEST(VirtualhostTest, GivenTwiceIsAnError) {
  absl::StatusOr<Config> c = ParseConfigText(
      "virtual_server 10.0.0.1 80 {\n lb_kind DR\n virtualhost a\n"
      " virtualhost b\n}\n",
      "v.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("v.conf:4:2: 'virtualhost' given twice"),
            std::string::npos)
      << c.status();
}

// samples/keepalived.conf.SMTP_CHECK's last real server: one check per host
// block, each with the SMTP_CHECK's settings under its own.
TEST(SmtpHostTest, EachHostBlockIsACheckOfItsOwn) {
  absl::StatusOr<Config> c = ParseConfigText(R"(virtual_server 10.0.0.1 25 {
  lb_kind DR
  real_server 172.16.1.12 25 {
    SMTP_CHECK {
      connect_timeout 10
      retry 2
      helo_name "foo.bar.com"
      host {
        connect_ip 172.16.1.12
        connect_port 25
        bindto 172.16.1.2
      }
      host {
        connect_ip 192.168.155.11
        connect_timeout 3
      }
    }
  }
}
)",
                                             "s.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  const auto& checks = c->virtual_servers[0].real_servers[0].checkers;
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].connect_ip, IpAddress::Parse("172.16.1.12").value());
  EXPECT_EQ(checks[0].connect_port, 25);
  EXPECT_EQ(checks[0].bindto, IpAddress::Parse("172.16.1.2").value());
  EXPECT_EQ(checks[0].connect_timeout, absl::Seconds(10));
  EXPECT_EQ(checks[0].where.line, 8);
  EXPECT_EQ(checks[1].connect_ip, IpAddress::Parse("192.168.155.11").value());
  EXPECT_FALSE(checks[1].connect_port.has_value());  // the real server's
  EXPECT_FALSE(checks[1].bindto.has_value());
  EXPECT_EQ(checks[1].connect_timeout, absl::Seconds(3));
  for (const Checker& k : checks) {
    EXPECT_EQ(k.kind, CheckerKind::kSmtp);
    EXPECT_EQ(k.retry, 2);
    EXPECT_EQ(k.helo_name, "foo.bar.com");
  }
}

TEST(AuthTypeTest, AhIsRefusedWhenTheFileIsRead) {
  absl::StatusOr<Config> c = ParseConfigText(
      "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n"
      " authentication {\n  auth_type AH\n  auth_pass 1111\n }\n}\n",
      "a.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(
                "a.conf:5:13: 'AH' in auth_type is not supported by dsrlb: "
                "RFC 3768 removed IPsec AH"),
            std::string::npos)
      << c.status();
}

}  // namespace
}  // namespace dsrlb::config
