// The status page's filter and paging, through the real HTTP server: a
// table of 4,096 virtual servers shows 100 per page, and a filter finds one.
#include "controlplane/stats/page_filter.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "controlplane/stats/stats_server.h"

namespace dsrlb::stats {
namespace {

Snapshot ManyServers(int n) {
  Snapshot s;
  s.taken = absl::Now();
  for (int i = 0; i < n; i++) {
    v1::VirtualServer* vs = s.servers.add_virtual_servers();
    vs->mutable_key()->set_address(
        absl::StrCat("10.100.", i / 256, ".", i % 256));
    vs->mutable_key()->set_port(80);
    vs->mutable_key()->set_protocol(v1::PROTOCOL_TCP);
  }
  return s;
}

size_t Count(const std::string& page, const std::string& what) {
  size_t n = 0;
  for (size_t at = page.find(what); at != std::string::npos;
       at = page.find(what, at + 1))
    n++;
  return n;
}

class PageFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s =
        StatsServer::Start("127.0.0.1", 0, [] { return ManyServers(4096); });
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  std::string Get(const std::string& path) {
    httplib::Client c("127.0.0.1", server_->port());
    auto r = c.Get(path);
    EXPECT_TRUE(r) << path;
    return r ? r->body : "";
  }
  std::unique_ptr<StatsServer> server_;
};

TEST_F(PageFilterTest, ShowsOneHundredServersPerPage) {
  std::string first = Get("/");
  EXPECT_EQ(Count(first, ">TCP 10.100."), 100u);
  EXPECT_NE(first.find("1-100 of 4096, page 1 of 41"), std::string::npos);
  EXPECT_NE(first.find("10.100.0.99:80"), std::string::npos);
  EXPECT_EQ(first.find("10.100.0.100:80"), std::string::npos);
  std::string last = Get("/?page=41");
  EXPECT_NE(last.find("4001-4096 of 4096, page 41 of 41"), std::string::npos);
  EXPECT_NE(last.find("10.100.15.255:80"), std::string::npos);
}

TEST_F(PageFilterTest, FilterFindsOneServiceAmongThousands) {
  std::string page = Get("/?vs=10.100.15.7:80");
  EXPECT_NE(page.find("1-1 of 1 matching (4096 in all)"), std::string::npos);
  EXPECT_NE(page.find("10.100.15.7:80"), std::string::npos);
  EXPECT_EQ(page.find("10.100.15.8:80"), std::string::npos);
  std::string none = Get("/?vs=%3Cscript%3E");
  EXPECT_NE(none.find("0-0 of 0 matching"), std::string::npos);
  EXPECT_EQ(none.find("<script>"), std::string::npos) << "escaped";
}

}  // namespace
}  // namespace dsrlb::stats
