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
