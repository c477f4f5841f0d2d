// Each file in testdata/broken is rejected with the exact error its first
// line ("# error: ...") states.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "controlplane/config/parser.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

const std::string kBrokenDir = std::string(DSRLB_CONFIG_TESTDATA) + "/broken";

std::vector<std::string> BrokenFiles() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kBrokenDir)) {
    if (entry.path().extension() == ".conf") {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(BrokenConfigTest, CorpusIsThere) {
  // A missing directory would make the parameterised test run nothing.
  EXPECT_GE(BrokenFiles().size(), 25u);
}

class BrokenConfigFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokenConfigFileTest, FailsWithTheErrorOnItsFirstLine) {
  const std::string path = kBrokenDir + "/" + GetParam();
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  ASSERT_TRUE(absl::StartsWith(first, "# error: "))
      << path << " must start with '# error: FILE:LINE:COLUMN: message'";
  const std::string expected = first.substr(9);

  absl::StatusOr<Config> c = LoadConfigFile(path);
  ASSERT_FALSE(c.ok()) << path << " loaded without error";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  // Messages name files by the path they were opened with.
  std::string got =
      absl::StrReplaceAll(c.status().message(), {{kBrokenDir + "/", ""}});
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BrokenConfigFileTest,
                         ::testing::ValuesIn(BrokenFiles()),
                         [](const auto& info) {
                           std::string n = info.param;
                           n = n.substr(0, n.size() - 5);
                           return n;
                         });

}  // namespace
}  // namespace dsrlb::config
