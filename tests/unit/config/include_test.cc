// 'include': relative to the including file, globs, loops, errors inside
// included files.
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

constexpr char kVs[] = "virtual_server 10.0.0.%d 80 {\n lb_kind DR\n}\n";

std::string Vs(int n) {
  char buf[64];
  snprintf(buf, sizeof(buf), kVs, n);
  return buf;
}

TEST(IncludeTest, RelativePathsAreTakenFromTheIncludingFilesDirectory) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.File("sub"));
  Write(dir.File("main.conf"),
        "global_defs {\n router_id r\n}\ninclude sub/a.conf\n");
  // b.conf sits next to a.conf, not next to main.conf.
  Write(dir.File("sub/a.conf"), Vs(1) + "include b.conf\n");
  Write(dir.File("sub/b.conf"), Vs(2));
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers.size(), 2u);
  EXPECT_EQ(c->virtual_servers[0].where.file, dir.File("sub/a.conf"));
  EXPECT_EQ(c->virtual_servers[1].where.file, dir.File("sub/b.conf"));
  EXPECT_EQ(c->virtual_servers[1].where.line, 1);
  EXPECT_THAT(c->files,
              ElementsAre(dir.File("main.conf"), dir.File("sub/a.conf"),
                          dir.File("sub/b.conf")));
}

TEST(IncludeTest, GlobIncludesMatchesInSortedOrder) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.File("conf.d"));
  Write(dir.File("main.conf"), "include conf.d/*.conf\n");
  Write(dir.File("conf.d/20-b.conf"), Vs(2));
  Write(dir.File("conf.d/10-a.conf"), Vs(1));
  Write(dir.File("conf.d/30-c.conf.disabled"), "garbage {\n");
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers.size(), 2u);
  EXPECT_EQ(c->virtual_servers[0].address.ToString(), "10.0.0.1");
  EXPECT_EQ(c->virtual_servers[1].address.ToString(), "10.0.0.2");
  EXPECT_EQ(c->files.size(), 3u);
}

TEST(IncludeTest, GlobMatchingNothingIsAnEmptyInclude) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.File("conf.d"));
  Write(dir.File("main.conf"), "include conf.d/*.conf\n" + Vs(1));
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->virtual_servers.size(), 1u);
}

TEST(IncludeTest, IncludeInsideABlockSplicesItsStatements) {
  testing::TempDir dir;
  Write(dir.File("main.conf"),
        "virtual_server 10.0.0.1 80 {\n lb_kind DR\n include reals.conf\n}\n");
  Write(dir.File("reals.conf"),
        "real_server 10.0.0.2 80 {\n weight 3\n}\nreal_server 10.0.0.3 80 "
        "{\n}\n");
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->virtual_servers[0].real_servers.size(), 2u);
  EXPECT_EQ(c->virtual_servers[0].real_servers[0].weight, 3u);
}

TEST(IncludeTest, LoopThroughAnotherFileIsAnError) {
  testing::TempDir dir;
  Write(dir.File("a.conf"), "include b.conf\n");
  Write(dir.File("b.conf"), "\n  include a.conf\n");
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("a.conf"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(c.status().message()),
            dir.File("b.conf") + ":2:3: include loop: " + dir.File("a.conf") +
                " -> " + dir.File("b.conf") + " -> " + dir.File("a.conf"));
}

TEST(IncludeTest, FileIncludingItselfIsAnError) {
  testing::TempDir dir;
  Write(dir.File("a.conf"), "include *.conf\n");
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("a.conf"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              HasSubstr("a.conf:1:1: include loop: "));
}

TEST(IncludeTest, SameFileIncludedTwiceSideBySideIsNotALoop) {
  testing::TempDir dir;
  Write(dir.File("main.conf"), "include scripts.conf\ninclude vs.conf\n");
  Write(dir.File("scripts.conf"), "vrrp_script s {\n script /bin/true\n}\n");
  Write(dir.File("vs.conf"), Vs(1));
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->vrrp_scripts.size(), 1u);
}

TEST(IncludeTest, ErrorInAnIncludedFileNamesThatFileAndLine) {
  testing::TempDir dir;
  Write(dir.File("main.conf"), "global_defs {\n}\ninclude vs.conf\n");
  Write(dir.File("vs.conf"), "virtual_server 10.0.0.1 80 {\n lb_kindd DR\n}\n");
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            dir.File("vs.conf") +
                ":2:2: unknown keyword 'lb_kindd' in virtual_server");
}

TEST(IncludeTest, MissingNamedFileIsAnError) {
  testing::TempDir dir;
  Write(dir.File("main.conf"), "include nope.conf\n");
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("main.conf"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            dir.File("main.conf") + ":1:9: 'include nope.conf': " +
                dir.File("nope.conf") + " does not exist");
}

TEST(IncludeTest, IncludeNeedsExactlyOnePattern) {
  absl::StatusOr<Config> c =
      ParseConfigText("include a.conf b.conf\n", "m.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(
      std::string(c.status().message()),
      "m.conf:1:1: 'include' takes exactly one file name or glob pattern");
}

TEST(IncludeTest, ParsedTextIncludesRelativeToTheCurrentDirectory) {
  testing::TempDir dir;
  Write(dir.File("vs.conf"), Vs(7));
  char old_cwd[4096];
  ASSERT_NE(getcwd(old_cwd, sizeof(old_cwd)), nullptr);
  ASSERT_EQ(chdir(dir.path().c_str()), 0);
  absl::StatusOr<Config> c = ParseConfigText("include vs.conf\n", "text");
  ASSERT_EQ(chdir(old_cwd), 0);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->virtual_servers[0].address.ToString(), "10.0.0.7");
  EXPECT_THAT(c->files, ElementsAre("text", "vs.conf"));
}

TEST(IncludeTest, MissingTopFileIsNotFound) {
  testing::TempDir dir;
  absl::StatusOr<Config> c = LoadConfigFile(dir.File("absent.conf"));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("absent.conf"));
}

TEST(IncludeTest, DirectoryIsNotAConfigFile) {
  testing::TempDir dir;
  absl::StatusOr<Config> c = LoadConfigFile(dir.path());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()),
              HasSubstr("is not a regular file"));
}

}  // namespace
}  // namespace dsrlb::config
