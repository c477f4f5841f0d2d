// A file mapped shared into memory: how both planes reach the regions.
#ifndef DSRLB_DATAPLANE_SHM_MAPPED_FILE_H_
#define DSRLB_DATAPLANE_SHM_MAPPED_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace dsrlb::shm {

class MappedFile {
 public:
  // Creates (or replaces) `path` with `size` bytes, maps it read-write and
  // lets `init` fill it before it appears under `path` (by rename), so no
  // reader ever maps a half-initialised region.
  static absl::StatusOr<MappedFile> Create(
      const std::string& path, size_t size,
      absl::FunctionRef<void(uint8_t*)> init);
  // Maps an existing file whole.
  static absl::StatusOr<MappedFile> Open(const std::string& path,
                                         bool writable);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Inode of the mapped file, to notice that the path was replaced.
  ino_t inode() const { return inode_; }

 private:
  MappedFile(uint8_t* data, size_t size, std::string path, ino_t inode)
      : data_(data), size_(size), path_(std::move(path)), inode_(inode) {}
  void Reset();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
  ino_t inode_ = 0;
};

// The inode `path` names now, or 0 if it does not exist.
ino_t InodeOf(const std::string& path);

}  // namespace dsrlb::shm

#endif  // DSRLB_DATAPLANE_SHM_MAPPED_FILE_H_
