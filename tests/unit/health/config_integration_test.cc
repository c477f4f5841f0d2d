// keepalived.conf text through the real parser into the health monitor:
// what a user writes is what gets checked.
#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/str_replace.h"
#include "controlplane/config/parser.h"
#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/health_test_util.h"
#include "tests/unit/health/http_test_server.h"

namespace dsrlb::health {
namespace {

constexpr const char* kConf = R"(
global_defs {
  router_id LVS_TEST
}
virtual_server 10.255.0.1 80 {
  delay_loop 10
  lb_algo wrr
  lb_kind DR
  protocol TCP
  real_server 127.0.0.1 80 {
    weight 2
    HTTP_GET {
      connect_port $HTTP
      url {
        path /ok
        digest 973145a57184570649d517d871d16a32
      }
      connect_timeout 3
      retry 1
      delay_before_retry 2
    }
  }
  real_server 127.0.0.2 80 {
    weight 1
    TCP_CHECK {
      connect_ip 127.0.0.1
      connect_port $CLOSED
      connect_timeout 2
      retry 2
      delay_before_retry 3
    }
  }
  real_server 127.0.0.3 80 {
    MISC_CHECK {
      misc_path "exit 0"
      misc_timeout 5
    }
  }
}
)";

TEST(ConfigIntegration, ParsedKeepalivedConfChecksWhatItSays) {
  testing::HttpTestServer http;
  ASSERT_TRUE(http.ok());
  const uint16_t closed = testing::ClosedPort();
  const std::string text =
      absl::StrReplaceAll(kConf, {{"$HTTP", std::to_string(http.port())},
                                  {"$CLOSED", std::to_string(closed)}});
  absl::StatusOr<config::Config> cfg =
      config::ParseConfigText(text, "test.conf");
  ASSERT_TRUE(cfg.ok()) << cfg.status();

  FakeClock clock;
  EventLoop loop(&clock);
  std::vector<HealthEvent> events;
  HealthMonitor monitor(&loop,
                        [&](const HealthEvent& e) { events.push_back(e); });
  const absl::Time t0 = clock.Now();
  ASSERT_TRUE(monitor.Apply(*cfg).ok());
  const VsKey vs = testing::TheVs();
  const RsKey web{testing::Ip("127.0.0.1"), 80};
  const RsKey tcp{testing::Ip("127.0.0.2"), 80};
  const RsKey script{testing::Ip("127.0.0.3"), 80};
  auto checked_at = [&](const RsKey& rs, absl::Time when) {
    return testing::RunUntil(loop, [&] {
      auto s = monitor.State(vs, rs);
      return s.has_value() && s->last_check_time == when;
    });
  };
  ASSERT_TRUE(checked_at(web, t0));
  ASSERT_TRUE(checked_at(script, t0));
  EXPECT_TRUE(monitor.State(vs, web)->last_check_ok)
      << monitor.State(vs, web)->last_check_text;
  EXPECT_EQ(monitor.State(vs, web)->weight, 2u);
  EXPECT_TRUE(monitor.State(vs, script)->last_check_ok)
      << monitor.State(vs, script)->last_check_text;
  // TCP_CHECK retry 2, delay_before_retry 3: down at 6 s, not before.
  testing::AdvanceTo(clock, loop, t0 + absl::Seconds(3));
  EXPECT_TRUE(events.empty());
  testing::AdvanceTo(clock, loop, t0 + absl::Milliseconds(5999));
  EXPECT_TRUE(events.empty());
  testing::AdvanceTo(clock, loop, t0 + absl::Seconds(6));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].rs, tcp);
  EXPECT_NE(events[0].reason.find("127.0.0.1:" + std::to_string(closed)),
            std::string::npos);
  EXPECT_FALSE(events[0].up);
  EXPECT_EQ(monitor.States().size(), 3u);
}

}  // namespace
}  // namespace dsrlb::health
