// One writer per region: an exclusive flock(2) on "REGION.lock", held for
// the life of the process that writes the region. The kernel drops the lock
// when that process exits, however it exits, so a crashed writer never
// blocks its successor; a second live writer is refused with the holder's
// pid.
#ifndef DSRLB_DATAPLANE_SHM_REGION_LOCK_H_
#define DSRLB_DATAPLANE_SHM_REGION_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace dsrlb::shm {

class RegionLock {
 public:
  // Takes the lock of `region_path` for this process; FailedPrecondition
  // naming the pid that holds it when another live process does.
  static absl::StatusOr<RegionLock> Acquire(const std::string& region_path);

  RegionLock() = default;
  RegionLock(RegionLock&& other) noexcept;
  RegionLock& operator=(RegionLock&& other) noexcept;
  RegionLock(const RegionLock&) = delete;
  RegionLock& operator=(const RegionLock&) = delete;
  ~RegionLock();

  const std::string& path() const { return path_; }

 private:
  RegionLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

// "REGION.lock": where the lock of a region lives.
std::string RegionLockPath(const std::string& region_path);

}  // namespace dsrlb::shm

#endif  // DSRLB_DATAPLANE_SHM_REGION_LOCK_H_
