#include "dataplane/shm/region_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace dsrlb::shm {
namespace {

// The pid the holder wrote into the lock file, or 0 if it cannot be read.
int HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  int pid = 0;
  if (n <= 0) return 0;
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(buf), &pid) ? pid : 0;
}

}  // namespace

std::string RegionLockPath(const std::string& region_path) {
  return region_path + ".lock";
}

absl::StatusOr<RegionLock> RegionLock::Acquire(const std::string& region_path) {
  std::string path = RegionLockPath(region_path);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return absl::InternalError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    int holder = HolderPid(fd);
    close(fd);
    if (err != EWOULDBLOCK)
      return absl::InternalError(
          absl::StrCat("cannot lock ", path, ": ", std::strerror(err)));
    return absl::FailedPreconditionError(absl::StrCat(
        region_path, " is written by another live process",
        holder > 0 ? absl::StrCat(" (pid ", holder, ")") : "",
        ": one writer per region; stop it or give this one another path "
        "(lock ",
        path, ")"));
  }
  std::string pid = absl::StrCat(getpid(), "\n");
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    std::fprintf(stderr, "warning: cannot write the pid into %s\n",
                 path.c_str());
  return RegionLock(fd, std::move(path));
}

RegionLock::RegionLock(RegionLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

RegionLock& RegionLock::operator=(RegionLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

// The file stays: removing it would race with a successor that opened it
// already and locks a file no longer under the path.
RegionLock::~RegionLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace dsrlb::shm
