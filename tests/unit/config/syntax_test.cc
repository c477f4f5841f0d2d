// The text layer: comments, quotes, braces, line ends, columns.
#include <string>

#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;

TEST(SyntaxTest, HashAndBangStartCommentsAnywhereAWordStarts) {
  absl::StatusOr<Config> c = ParseConfigText(R"(# whole-line comment
! keepalived's other comment character
global_defs {   # after a brace
  router_id lb1 ! after a value
  #router_id commented_out
  notification_email_from a#b@example.com
}
)",
                                             "c.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "lb1");
  // '#' inside a word is part of it.
  EXPECT_EQ(c->global.notification_email_from, "a#b@example.com");
}

TEST(SyntaxTest, QuotedStringKeepsBlanksBracesAndCommentCharacters) {
  absl::StatusOr<Config> c = ParseConfigText(
      "vrrp_script s {\n script \"/bin/check { # ! }\"\n}\n", "q.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_scripts[0].script, "/bin/check { # ! }");
}

TEST(SyntaxTest, BracesNeedNoBlanksAndMayOpenOnTheNextLine) {
  absl::StatusOr<Config> c = ParseConfigText(R"(virtual_server 10.0.0.1 80{
lb_kind DR
real_server 10.0.0.2 80
{
weight 4}}
global_defs { notification_email { a@x b@x } router_id one_line }
)",
                                             "b.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->virtual_servers[0].real_servers[0].weight, 4u);
  EXPECT_THAT(c->global.notification_email, ElementsAre("a@x", "b@x"));
  EXPECT_EQ(c->global.router_id, "one_line");
}

TEST(SyntaxTest, CrlfLineEndsAndTabsAreBlanks) {
  absl::StatusOr<Config> c = ParseConfigText(
      "global_defs {\r\n\trouter_id\tlb9\r\n}\r\n", "crlf.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->global.router_id, "lb9");
}

TEST(SyntaxTest, EmptyAndCommentOnlyFilesGiveAnEmptyConfig) {
  for (const char* text : {"", "\n\n", "# nothing\n! here\n"}) {
    absl::StatusOr<Config> c = ParseConfigText(text, "e.conf");
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_TRUE(c->virtual_servers.empty());
    EXPECT_TRUE(c->vrrp_instances.empty());
  }
}

TEST(SyntaxTest, ColumnsCountBytesFromOneAndTabsAsOne) {
  absl::StatusOr<Config> c =
      ParseConfigText("global_defs {\n\t  bogus 1\n}\n", "col.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            "col.conf:2:4: unknown keyword 'bogus' in global_defs");
}

TEST(SyntaxTest, ValuesOnTheNextLineAreNotTheKeywordsValues) {
  // keepalived statements are one line: a value alone on the next line is a
  // keyword of its own (and both errors are named).
  absl::StatusOr<Config> c =
      ParseConfigText("global_defs {\n router_id\n lb1\n}\n", "n.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            "n.conf:2:2: 'router_id' is missing its value (router_id NAME)\n"
            "n.conf:3:2: unknown keyword 'lb1' in global_defs");
}

TEST(SyntaxTest, DeepNestingIsAnErrorNotACrash) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "a {\n";
  absl::StatusOr<Config> c = ParseConfigText(text, "deep.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            "deep.conf:9:3: blocks nested deeper than 8");
}

TEST(SyntaxTest, SecondGlobalDefsIsAnError) {
  absl::StatusOr<Config> c =
      ParseConfigText("global_defs {\n}\nglobal_defs {\n}\n", "g.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            "g.conf:3:1: 'global_defs' given twice in the top level (first at "
            "line 1): keep one");
}

}  // namespace
}  // namespace dsrlb::config
