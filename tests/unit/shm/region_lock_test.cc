// One writer per region: the lock file's contract, as a second process
// meets it (a second open file description of the same lock behaves as
// another process would for flock).
#include "dataplane/shm/region_lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::shm {
namespace {

using ::testing::HasSubstr;

TEST(RegionLock, SecondWriterIsRefusedNamingTheHolder) {
  dsrlb::testing::TempDir dir;
  const std::string region = dir.path() + "/table";
  auto first = RegionLock::Acquire(region);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = RegionLock::Acquire(region);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(),
              HasSubstr("pid " + std::to_string(getpid())));
  EXPECT_THAT(second.status().message(), HasSubstr(region));
}

TEST(RegionLock, ReleasedWhenTheHolderGoes) {
  dsrlb::testing::TempDir dir;
  const std::string region = dir.path() + "/stats";
  {
    auto held = RegionLock::Acquire(region);
    ASSERT_TRUE(held.ok());
  }
  EXPECT_TRUE(RegionLock::Acquire(region).ok());
}

TEST(RegionLock, ACrashedHolderDoesNotBlockItsSuccessor) {
  dsrlb::testing::TempDir dir;
  const std::string region = dir.path() + "/table";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto held = RegionLock::Acquire(region);
    _exit(held.ok() ? 0 : 1);  // dies holding the lock, no destructor run
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(RegionLock::Acquire(region).ok());
}

TEST(RegionLock, DistinctRegionsDoNotInterfere) {
  dsrlb::testing::TempDir dir;
  auto a = RegionLock::Acquire(dir.path() + "/a");
  auto b = RegionLock::Acquire(dir.path() + "/b");
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.ok());
}

TEST(RegionLock, UnwritableDirectoryIsAClearError) {
  auto lock = RegionLock::Acquire("/nonexistent-dsrlb-dir/table");
  ASSERT_FALSE(lock.ok());
  EXPECT_THAT(lock.status().message(), HasSubstr("/nonexistent-dsrlb-dir"));
}

}  // namespace
}  // namespace dsrlb::shm
