// DescribeConfig: the summary 'dsrlb-control --check' prints.
#include <string>

#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

TEST(DescribeConfigTest, SeedLvs1SummaryListsVipRealServersCheckersAndVrrp) {
  absl::StatusOr<Config> c = LoadConfigFile(std::string(DSRLB_CONFIG_TESTDATA) +
                                            "/seed/case2_lvs1.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(DescribeConfig(*c),
            "router_id lvs1\n"
            "virtual_server 192.168.4.15:80 TCP rr DR, delay_loop 6s, 2 real "
            "servers\n"
            "  real_server 192.168.4.100:80 weight 1\n"
            "    TCP_CHECK 192.168.4.100:80 (timeout 3s, retry 3 after 3s)\n"
            "  real_server 192.168.4.200:80 weight 2\n"
            "    TCP_CHECK 192.168.4.200:80 (timeout 3s, retry 3 after 3s)\n"
            "vrrp_instance VI_1 MASTER on eth0, vrid 51, priority 100, VRRPv2, "
            "advert 1s, auth PASS; VIPs 192.168.4.15/32\n");
}

TEST(DescribeConfigTest, OtherCheckersGroupsAndScriptsAreDescribed) {
  absl::StatusOr<Config> c = ParseConfigText(R"(
vrrp_script chk {
  script /bin/true
  interval 0.5
  weight -5
}
vrrp_instance V6 {
  state BACKUP
  nopreempt
  interface eth1
  virtual_router_id 3
  version 3
  advert_int 0.1
  virtual_ipaddress {
    2001:db8::1/64 dev eth1
  }
  track_script {
    chk weight 0
  }
}
vrrp_sync_group G {
  group {
    V6
  }
}
virtual_server 2001:db8::1 443 {
  lb_kind DR
  lb_algo mh
  protocol UDP
  persistence_timeout 60
  real_server 2001:db8::10 443 {
    weight 0
    inhibit_on_failure
    rise 2
    fall 3
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_port 8080
    }
    MISC_CHECK {
      misc_path "/bin/check x"
      misc_dynamic
    }
  }
  real_server 2001:db8::11 443 {
  }
}
)",
                                             "d.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(
      DescribeConfig(*c),
      "virtual_server [2001:db8::1]:443 UDP mh DR, delay_loop 60s, "
      "persistence 60s, 2 real servers\n"
      "  real_server [2001:db8::10]:443 weight 0 inhibit_on_failure rise "
      "2 fall 3\n"
      "    HTTP_GET [2001:db8::10]:8080 /health status 200 (timeout 5s, "
      "retry 1 after 1s)\n"
      "    MISC_CHECK '/bin/check x' (timeout 5s, dynamic weight)\n"
      "  real_server [2001:db8::11]:443 weight 1 (no checker: always up)\n"
      "vrrp_instance V6 BACKUP on eth1, vrid 3, priority 100, VRRPv3, "
      "advert 0.1s, nopreempt; VIPs 2001:db8::1/64 dev eth1\n"
      "vrrp_sync_group G: V6\n"
      "vrrp_script chk: '/bin/true' every 0.5s, weight -5\n");
}

}  // namespace
}  // namespace dsrlb::config
