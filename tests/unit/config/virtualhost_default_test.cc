// keepalived.conf(5): `virtualhost` on a virtual_server or real_server is the
// default Host of its HTTP_GET / SSL_GET checkers; the checker's own wins,
// then the real server's, then the virtual server's.
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

}  // namespace
}  // namespace dsrlb::config
