// HTTP_GET and SSL_GET through libcurl against real loopback servers, with
// fake time deciding retries and timeouts.
#include <gtest/gtest.h>

#include <vector>

#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"
#include "tests/unit/health/http_test_server.h"

namespace dsrlb::health {
namespace {

using testing::HttpTestServer;
using testing::Listener;
using testing::OneServer;
using testing::TheRs;
using testing::TheVs;

config::Checker HttpChecker(uint16_t port, std::vector<config::HttpUrl> urls,
                            int retry = 0, bool tls = false) {
  config::Checker c;
  c.kind = tls ? config::CheckerKind::kSsl : config::CheckerKind::kHttp;
  c.connect_port = port;
  c.connect_timeout = absl::Seconds(3);
  c.retry = retry;
  c.delay_before_retry = absl::Seconds(2);
  c.urls = std::move(urls);
  return c;
}

config::HttpUrl Url(std::string path, std::optional<int> status = std::nullopt,
                    std::string digest = "") {
  config::HttpUrl u;
  u.path = std::move(path);
  if (status) u.status_codes.push_back({*status, *status});
  u.digest = std::move(digest);
  return u;
}

class HttpCheckTest : public testing::CheckFixture {
 protected:
  // Applies a config whose real server is 127.0.0.1:port and waits for the
  // first attempt to finish.
  void ApplyAndCheck(uint16_t port, config::Checker checker) {
    port_ = port;
    ASSERT_TRUE(monitor_.Apply(OneServer(port, {std::move(checker)})).ok());
    ASSERT_TRUE(WaitCheckedAt(t0_));
  }
  // Moves fake time to t0 + d and waits for the attempt due then.
  bool AttemptAt(absl::Duration d) {
    clock_.Advance(t0_ + d - clock_.Now());
    return WaitCheckedAt(t0_ + d);
  }
  bool WaitCheckedAt(absl::Time when) {
    return testing::RunUntil(loop_, [&] {
      auto s = monitor_.State(TheVs(), TheRs(port_));
      return s.has_value() && s->last_check_time == when;
    });
  }
  RealServerState State() { return *monitor_.State(TheVs(), TheRs(port_)); }
  uint16_t port_ = 0;
};

TEST_F(HttpCheckTest, AnyTwoHundredIsUpByDefault) {
  HttpTestServer server;
  ASSERT_TRUE(server.ok());
  ApplyAndCheck(server.port(), HttpChecker(server.port(), {Url("/ok")}));
  EXPECT_TRUE(State().up);
  EXPECT_TRUE(State().last_check_ok);
  EXPECT_NE(State().last_check_text.find("HTTP status 200"), std::string::npos);
  EXPECT_TRUE(events_.empty());
}

TEST_F(HttpCheckTest, WrongStatusGoesDownAfterRetriesWithTheStatusInTheReason) {
  HttpTestServer server;
  ASSERT_TRUE(server.ok());
  ApplyAndCheck(
      server.port(),
      HttpChecker(server.port(), {Url("/status/500", 200)}, /*retry=*/1));
  EXPECT_TRUE(events_.empty());  // first failure: one retry left
  testing::AdvanceTo(clock_, loop_, t0_ + absl::Milliseconds(1999));
  EXPECT_TRUE(events_.empty());
  ASSERT_TRUE(AttemptAt(absl::Seconds(2)));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(2));
  EXPECT_EQ(events_[0].reason.rfind(
                "HTTP status 500, expected 200 (GET http://127.0.0.1:", 0),
            0u)
      << events_[0].reason;
}

TEST_F(HttpCheckTest, DefaultStatusRangeRejectsFiveHundred) {
  HttpTestServer server;
  ApplyAndCheck(server.port(),
                HttpChecker(server.port(), {Url("/status/500")}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].reason.find("HTTP status 500, expected 2xx"),
            std::string::npos);
}

// keepalived's `status_code 200-299 401`: a listed code or a code inside a
// listed range passes; anything else fails, naming what was expected.
config::HttpUrl RangedUrl(std::string path) {
  config::HttpUrl u;
  u.path = std::move(path);
  u.status_codes = {{200, 299}, {401, 401}};
  return u;
}

TEST_F(HttpCheckTest, StatusCodeRangesAcceptAListedCode) {
  HttpTestServer server;
  ASSERT_TRUE(server.ok());
  ApplyAndCheck(server.port(),
                HttpChecker(server.port(), {RangedUrl("/status/401")}));
  EXPECT_TRUE(State().up);
  EXPECT_TRUE(State().last_check_ok) << State().last_check_text;
  EXPECT_TRUE(events_.empty());
}

TEST_F(HttpCheckTest, StatusCodeRangesRejectACodeOutsideThem) {
  HttpTestServer server;
  ASSERT_TRUE(server.ok());
  ApplyAndCheck(server.port(),
                HttpChecker(server.port(), {RangedUrl("/no-such-page")}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_NE(events_[0].reason.find("HTTP status 404, expected 200-299 401"),
            std::string::npos)
      << events_[0].reason;
}

TEST_F(HttpCheckTest, MatchingDigestStaysUp) {
  HttpTestServer server;
  ApplyAndCheck(
      server.port(),
      HttpChecker(server.port(), {Url("/ok", 200, HttpTestServer::kOkMd5)}));
  EXPECT_TRUE(State().last_check_ok) << State().last_check_text;
  EXPECT_TRUE(events_.empty());
}

TEST_F(HttpCheckTest, WrongDigestGoesDownSayingDigestMismatch) {
  HttpTestServer server;
  ApplyAndCheck(
      server.port(),
      HttpChecker(server.port(),
                  {Url("/ok", 200, "00112233445566778899aabbccddeeff")}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].reason.find(
                "digest mismatch: got 973145a57184570649d517d871d16a32"),
            std::string::npos)
      << events_[0].reason;
}

TEST_F(HttpCheckTest, EveryUrlMustPass) {
  HttpTestServer server;
  ApplyAndCheck(server.port(),
                HttpChecker(server.port(), {Url("/ok"), Url("/status/500")}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].reason.find("/status/500"), std::string::npos);
}

TEST_F(HttpCheckTest, ServerThatNeverAnswersFailsAtConnectTimeoutNotBefore) {
  Listener silent;  // the kernel completes the handshake; nobody answers
  port_ = silent.port;
  ASSERT_TRUE(monitor_
                  .Apply(OneServer(silent.port,
                                   {HttpChecker(silent.port, {Url("/ok")})}))
                  .ok());
  testing::Settle(loop_);
  testing::AdvanceTo(clock_, loop_, t0_ + absl::Milliseconds(2999));
  EXPECT_TRUE(events_.empty());
  ASSERT_TRUE(AttemptAt(absl::Seconds(3)));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].reason.find("timed out after 3s"), std::string::npos)
      << events_[0].reason;
}

TEST_F(HttpCheckTest, ClosedPortFailsWithCurlsReason) {
  const uint16_t port = testing::ClosedPort();
  ApplyAndCheck(port, HttpChecker(port, {Url("/ok")}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].reason.find("onnect"), std::string::npos)
      << events_[0].reason;
}

TEST_F(HttpCheckTest, VirtualhostIsSentAsHostHeader) {
  HttpTestServer server;
  config::Checker c = HttpChecker(server.port(), {Url("/vhost", 200)});
  c.virtualhost = "www.example.test";
  ApplyAndCheck(server.port(), c);
  EXPECT_TRUE(State().last_check_ok) << State().last_check_text;
}

TEST_F(HttpCheckTest, AUrlsOwnVirtualhostWinsOverTheCheckers) {
  HttpTestServer server;
  config::HttpUrl url = Url("/vhost", 200);
  url.virtualhost = "www.example.test";
  config::Checker c = HttpChecker(server.port(), {url});
  c.virtualhost = "other.example.test";  // would get a 404 from /vhost
  ApplyAndCheck(server.port(), c);
  EXPECT_TRUE(State().last_check_ok) << State().last_check_text;
}

TEST_F(HttpCheckTest, WithoutVirtualhostTheHostIsTheAddress) {
  HttpTestServer server;
  ApplyAndCheck(server.port(),
                HttpChecker(server.port(), {Url("/vhost", 200)}));
  EXPECT_FALSE(State().last_check_ok);
  EXPECT_NE(State().last_check_text.find("HTTP status 404"), std::string::npos);
}

TEST_F(HttpCheckTest, BindtoAndConnectIpChooseTheAddresses) {
  HttpTestServer server;
  // The real server's own address is never contacted: connect_ip wins.
  config::Config cfg = OneServer(server.port(), {});
  config::Checker c = HttpChecker(
      server.port(), {Url("/peer", 200, "ab416c39d509e72c5a0a7451a45bc65e")});
  c.connect_ip = testing::Ip("127.0.0.1");
  c.bindto = testing::Ip("127.0.0.2");  // the body (our address) has this MD5
  cfg.virtual_servers[0].real_servers[0].address = testing::Ip("10.255.0.9");
  cfg.virtual_servers[0].real_servers[0].checkers = {c};
  ASSERT_TRUE(monitor_.Apply(cfg).ok());
  const RsKey rs{testing::Ip("10.255.0.9"), server.port()};
  ASSERT_TRUE(testing::RunUntil(
      loop_, [&] { return monitor_.State(TheVs(), rs)->checked; }));
  EXPECT_TRUE(monitor_.State(TheVs(), rs)->last_check_ok)
      << monitor_.State(TheVs(), rs)->last_check_text;
}

TEST_F(HttpCheckTest, SslGetAcceptsASelfSignedCertificateAndChecksTheDigest) {
  HttpTestServer server(/*tls=*/true);
  ASSERT_TRUE(server.ok());
  ApplyAndCheck(
      server.port(),
      HttpChecker(server.port(), {Url("/ok", 200, HttpTestServer::kOkMd5)}, 0,
                  /*tls=*/true));
  EXPECT_TRUE(State().last_check_ok) << State().last_check_text;
  EXPECT_NE(State().last_check_text.find("https://"), std::string::npos);
}

TEST_F(HttpCheckTest, SslGetAgainstPlainHttpFails) {
  HttpTestServer server;
  ApplyAndCheck(server.port(),
                HttpChecker(server.port(), {Url("/ok")}, 0, /*tls=*/true));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
}

TEST_F(HttpCheckTest, ServerComingBackIsUpAtTheNextDelayLoop) {
  HttpTestServer server;
  ApplyAndCheck(server.port(), HttpChecker(server.port(), {Url("/toggle")}));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  server.set_toggle_status(200);
  testing::AdvanceTo(clock_, loop_, t0_ + absl::Milliseconds(9999));
  EXPECT_EQ(events_.size(), 1u);
  ASSERT_TRUE(AttemptAt(absl::Seconds(10)));  // delay_loop after the failure
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_TRUE(events_[1].up);
  EXPECT_EQ(events_[1].time, t0_ + absl::Seconds(10));
}

}  // namespace
}  // namespace dsrlb::health
