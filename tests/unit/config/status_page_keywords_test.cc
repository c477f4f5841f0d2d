// global_defs { status_page { listen  auth  refresh } }: where the status
// page listens, its credentials and refresh; mistakes name file:line.
#include <string>

#include "absl/strings/str_cat.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Config> Parse(const std::string& block) {
  return ParseConfigText(
      absl::StrCat("global_defs {\n router_id lvs1\n status_page {\n", block,
                   " }\n}\n"),
      "s.conf");
}

TEST(StatusPageKeywords, ListenAuthAndRefresh) {
  absl::StatusOr<Config> c =
      Parse("  listen 0.0.0.0:8404\n  auth admin:s3cr:et\n  refresh 10\n");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->global.status_page.has_value());
  EXPECT_EQ(c->global.status_page->host, "0.0.0.0");
  EXPECT_EQ(c->global.status_page->port, 8404);
  EXPECT_EQ(c->global.status_page->user, "admin");
  EXPECT_EQ(c->global.status_page->password, "s3cr:et");  // first ':' splits
  EXPECT_EQ(c->global.status_page->refresh_s, 10);
  EXPECT_EQ(c->global.status_page->where.line, 3);
}

TEST(StatusPageKeywords, PortAloneListensOnLocalhostWithDefaults) {
  absl::StatusOr<Config> c = Parse("  listen 9000\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.status_page->host, "127.0.0.1");
  EXPECT_EQ(c->global.status_page->port, 9000);
  EXPECT_EQ(c->global.status_page->user, "");
  EXPECT_EQ(c->global.status_page->refresh_s, 5);
}

TEST(StatusPageKeywords, EmptyBlockIsLocalhost8080) {
  absl::StatusOr<Config> c = Parse("");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.status_page->host, "127.0.0.1");
  EXPECT_EQ(c->global.status_page->port, 8080);
}

TEST(StatusPageKeywords, IPv6InBrackets) {
  absl::StatusOr<Config> c = Parse("  listen [::1]:8404\n");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.status_page->host, "::1");
  EXPECT_EQ(c->global.status_page->port, 8404);
}

TEST(StatusPageKeywords, NoBlockMeansNoPage) {
  absl::StatusOr<Config> c =
      ParseConfigText("global_defs {\n router_id lvs1\n}\n", "s.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->global.status_page.has_value());
}

TEST(StatusPageKeywords, MistakesNameFileAndLine) {
  struct {
    const char* block;
    const char* error;
  } cases[] = {
      {"  listen nothere:80\n", "s.conf:4:"},
      {"  listen nothere:80\n", "'nothere' is not an IPv4 or IPv6 address"},
      {"  listen 127.0.0.1:70000\n", "'70000' is not a port (0-65535)"},
      {"  auth admin\n", "s.conf:4:"},
      {"  auth admin\n", "want USER:PASSWORD"},
      {"  auth :pw\n", "want USER:PASSWORD"},
      {"  refresh -1\n", "s.conf:4:"},
      {"  refresh soon\n", "refresh"},
      {"  colour red\n", "s.conf:4:"},
      {"  colour red\n", "colour"},
      {"  listen 1\n  listen 2\n", "s.conf:5:"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Config> parsed = Parse(c.block);
    ASSERT_FALSE(parsed.ok()) << c.block;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.error))
        << c.block;
  }
}

}  // namespace
}  // namespace dsrlb::config
