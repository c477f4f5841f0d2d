// mmap of region files; errors name the path and the system error.
#include "dataplane/shm/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace dsrlb::shm {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  int err = errno;
  std::string msg = absl::StrCat(what, " ", path, ": ", strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  if (err == ENOMEM || err == ENOSPC) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

}  // namespace

absl::StatusOr<MappedFile> MappedFile::Create(
    const std::string& path, size_t size,
    absl::FunctionRef<void(uint8_t*)> init) {
  if (size == 0) return absl::InvalidArgumentError("region size is 0");
  // Build the new file beside the old one and rename it into place, so a
  // reader never maps a half-initialised file under the final name.
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    absl::Status st = ErrnoError("cannot size", tmp);
    close(fd);
    unlink(tmp.c_str());
    return st;
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  struct stat sb {};
  fstat(fd, &sb);
  close(fd);
  if (p == MAP_FAILED) {
    absl::Status st = ErrnoError("cannot map", tmp);
    unlink(tmp.c_str());
    return st;
  }
  MappedFile file(static_cast<uint8_t*>(p), size, path, sb.st_ino);
  init(file.data());
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status st = ErrnoError("cannot rename into place", path);
    unlink(tmp.c_str());
    return st;
  }
  return file;
}

absl::StatusOr<MappedFile> MappedFile::Open(const std::string& path,
                                            bool writable) {
  int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open region", path);
  struct stat sb {};
  if (fstat(fd, &sb) != 0) {
    absl::Status st = ErrnoError("cannot stat", path);
    close(fd);
    return st;
  }
  if (sb.st_size == 0) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("region ", path, " is empty"));
  }
  size_t size = static_cast<size_t>(sb.st_size);
  void* p = mmap(nullptr, size, PROT_READ | (writable ? PROT_WRITE : 0),
                 MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return ErrnoError("cannot map", path);
  return MappedFile(static_cast<uint8_t*>(p), size, path, sb.st_ino);
}

MappedFile::MappedFile(MappedFile&& other) noexcept {
  *this = std::move(other);
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    path_ = std::move(other.path_);
    inode_ = std::exchange(other.inode_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { Reset(); }

void MappedFile::Reset() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

ino_t InodeOf(const std::string& path) {
  struct stat sb {};
  if (stat(path.c_str(), &sb) != 0) return 0;
  return sb.st_ino;
}

}  // namespace dsrlb::shm
