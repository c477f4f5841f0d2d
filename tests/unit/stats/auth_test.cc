// `stats auth`: the status page, its CSV and /metrics want the configured
// credentials (401 otherwise); /healthz does not. Through the real server.
#include <gtest/gtest.h>
#include <httplib.h>

#include "controlplane/stats/basic_auth.h"
#include "controlplane/stats/stats_server.h"
#include "controlplane/stats/status_page.h"
#include "tests/unit/stats/sample_snapshot.h"

namespace dsrlb::stats {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

TEST(BasicAuth, AcceptsOnlyTheConfiguredPair) {
  const Credentials want{"admin", "pw:x"};
  // base64("admin:pw:x") = YWRtaW46cHc6eA==
  EXPECT_TRUE(BasicAuthAllows("Basic YWRtaW46cHc6eA==", want));
  EXPECT_TRUE(BasicAuthAllows("basic  YWRtaW46cHc6eA== ", want));
  // base64("admin:pw") = YWRtaW46cHc=
  EXPECT_FALSE(BasicAuthAllows("Basic YWRtaW46cHc=", want));
  EXPECT_FALSE(BasicAuthAllows("", want));
  EXPECT_FALSE(BasicAuthAllows("Bearer YWRtaW46cHc6eA==", want));
  EXPECT_FALSE(BasicAuthAllows("Basic !!!notbase64", want));
  EXPECT_FALSE(BasicAuthAllows("Basic ", want));
  EXPECT_TRUE(BasicAuthAllows("", Credentials{}));  // none configured
}

class StatsAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PageAccess access;
    access.auth = Credentials{"admin", "secret"};
    access.refresh_s = 9;
    auto s = StatsServer::Start(
        "127.0.0.1", 0, [] { return SampleSnapshot(kNow, 1000); }, access);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  httplib::Result Get(const std::string& path, const char* user = nullptr,
                      const char* password = nullptr) {
    httplib::Client c("127.0.0.1", server_->port());
    if (user != nullptr) c.set_basic_auth(user, password);
    return c.Get(path);
  }
  std::unique_ptr<StatsServer> server_;
};

TEST_F(StatsAuthTest, MissingOrWrongCredentialsGet401WithAChallenge) {
  for (const char* path : {"/", "/;csv", "/?csv", "/metrics", "/?vs=TCP"}) {
    auto none = Get(path);
    ASSERT_TRUE(none) << path;
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"),
              "Basic realm=\"dsrlb status\"");
    auto wrong = Get(path, "admin", "guess");
    ASSERT_TRUE(wrong) << path;
    EXPECT_EQ(wrong->status, 401) << path;
  }
}

TEST_F(StatsAuthTest, RightCredentialsGetThePageCsvAndMetrics) {
  auto page = Get("/", "admin", "secret");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("content=\"9\""), std::string::npos);
  for (const char* path : {"/;csv", "/?csv"}) {
    auto csv = Get(path, "admin", "secret");
    ASSERT_TRUE(csv) << path;
    EXPECT_EQ(csv->status, 200);
    EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(csv->body, RenderCsv(SampleSnapshot(kNow, 1000)));
  }
  auto metrics = Get("/metrics", "admin", "secret");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
}

TEST_F(StatsAuthTest, HealthzNeedsNoCredentials) {
  auto r = Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(StatsAuthTest, NewAccessTakesEffectAtOnce) {
  server_->SetAccess(PageAccess{Credentials{"ops", "new"}, 0});
  auto old_pair = Get("/", "admin", "secret");
  ASSERT_TRUE(old_pair);
  EXPECT_EQ(old_pair->status, 401);
  auto page = Get("/", "ops", "new");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body.find("http-equiv=\"refresh\""), std::string::npos);
  server_->SetAccess(PageAccess{});
  auto open = Get("/;csv");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->status, 200);
}

TEST_F(StatsAuthTest, CsvKeepsTheFilterButNotThePaging) {
  auto none = Get("/;csv?vs=UDP", "admin", "secret");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->body, RenderCsv(Snapshot{}));  // header alone
}

}  // namespace
}  // namespace dsrlb::stats
