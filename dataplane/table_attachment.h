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
  // the control plane may start second), then maps and validates it. An invalid
  // region is an error that names the problem. Cancelled (Cancelled status)
  // when `quit` turns true. `tick` runs every few ms while waiting (the process
  // heartbeat).
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

// One lcore's way into the attached table (workers and the main lcore):
// the mapping it announced, the generation reader on that mapping, and the
// switches it has seen. The re-attach steps live here and only here.
class LcoreTable {
 public:
  // `index`: the lcore's hazard slot in `attachment`; `lcore`: its stats
  // block, where the generation in use is announced.
  LcoreTable(TableAttachment* attachment, uint32_t index,
             dsrlb_lcore_stats* lcore)
      : attachment_(attachment), index_(index), lcore_(lcore) {}

  // Once per loop: the table to use until the next call, nullptr while
  // nothing is published.
  const shm::SlotView* Acquire() {
    const TableAttachment::Mapping* m = attachment_->Acquire(index_);
    if (m != mapping_) {
      // A re-created region starts its generations afresh: announce "none"
      // until the reader has announced one of the new region's.
      __atomic_store_n(&lcore_->seen_generation, 0, __ATOMIC_SEQ_CST);
      if (reader_ != nullptr) switches_before_ += reader_->switches();
      reader_ = std::make_unique<shm::TableReader>(&m->region, lcore_);
      mapping_ = m;
    }
    return reader_->Acquire();
  }
  // Leaves the attachment (on exit).
  void Release() { attachment_->Release(index_); }

  const TableAttachment::Mapping* mapping() const { return mapping_; }
  uint64_t generation() const { return reader_ ? reader_->generation() : 0; }
  // Tables switched to so far, over every mapping.
  uint64_t switches() const {
    return switches_before_ + (reader_ ? reader_->switches() : 0);
  }

 private:
  TableAttachment* attachment_;
  uint32_t index_;
  dsrlb_lcore_stats* lcore_;
  const TableAttachment::Mapping* mapping_ = nullptr;
  std::unique_ptr<shm::TableReader> reader_;
  uint64_t switches_before_ = 0;
};

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_TABLE_ATTACHMENT_H_
