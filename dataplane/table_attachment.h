// The table region as workers see it: mapped, validated, and re-mapped when
// the control plane re-creates the file (a new inode under the same path).
#ifndef DSRLB_DATAPLANE_TABLE_ATTACHMENT_H_
#define DSRLB_DATAPLANE_TABLE_ATTACHMENT_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "dataplane/shm/mapped_file.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::dataplane {

class TableAttachment {
 public:
  struct Mapping {
    shm::MappedFile file;
    shm::TableRegion region;
  };

  // Waits until `path` exists and holds a published table (logging once:
  // the control plane may start second), then maps and validates it. An invalid region is an error that
  // names the problem. Cancelled (Cancelled status) when `quit` turns true.
  // `tick` runs every few ms while waiting (the process heartbeat).
  static absl::StatusOr<std::unique_ptr<TableAttachment>> Open(
      const std::string& path, uint32_t num_workers,
      const std::atomic<bool>& quit, absl::FunctionRef<void()> tick);

  // Main lcore, from time to time: if `path` now names another file, maps
  // and validates it and hands it to the workers; frees the old mapping once
  // no worker uses it. An invalid replacement is reported once and ignored:
  // workers keep the table they have.
  void Poll();

  // Worker `w`, once per burst: the region to read. Hazard-pointer style:
  // the worker announces the mapping before using it, so Poll() never
  // unmaps one in use.
  const Mapping* Acquire(uint32_t w) {
    const Mapping* cur = current_.load(std::memory_order_acquire);
    if (cur == hazard_[w].value.load(std::memory_order_relaxed)) return cur;
    for (;;) {
      hazard_[w].value.store(cur, std::memory_order_seq_cst);
      const Mapping* again = current_.load(std::memory_order_seq_cst);
      if (again == cur) return cur;
      cur = again;
    }
  }
  // Worker `w` on exit: uses nothing any more.
  void Release(uint32_t w) {
    hazard_[w].value.store(nullptr, std::memory_order_seq_cst);
  }

  const std::string& path() const { return path_; }

 private:
  struct alignas(64) Hazard {
    std::atomic<const Mapping*> value{nullptr};
  };
  TableAttachment(std::string path, uint32_t num_workers)
      : path_(std::move(path)), hazard_(num_workers) {}
  static absl::StatusOr<std::unique_ptr<Mapping>> Map(const std::string& path);
  void FreeRetired();

  std::string path_;
  std::vector<Hazard> hazard_;
  std::atomic<const Mapping*> current_{nullptr};
  std::unique_ptr<Mapping> owned_current_;
  std::vector<std::unique_ptr<Mapping>> retired_;
  ino_t rejected_inode_ = 0;  // the last replacement found invalid
};

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_TABLE_ATTACHMENT_H_
