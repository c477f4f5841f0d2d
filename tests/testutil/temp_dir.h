// A private directory under /dev/shm for one test, removed afterwards.
#ifndef DSRLB_TESTS_TESTUTIL_TEMP_DIR_H_
#define DSRLB_TESTS_TESTUTIL_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace dsrlb::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/dev/shm/dsrlb-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_TESTUTIL_TEMP_DIR_H_
