// GoogleTest's main for every dsrlb test binary, except that a run in which
// some test was skipped (GTEST_SKIP) and none failed exits 77, meson's SKIP:
// a skip is never counted as a pass (.ci/run fails on any skip).
#include "gtest/gtest.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  if (failed != 0) return failed;
  return testing::UnitTest::GetInstance()->skipped_test_count() > 0 ? 77 : 0;
}
