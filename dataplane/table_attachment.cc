// Mapping, validating and re-mapping the table region.
#include "dataplane/table_attachment.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::dataplane {

absl::StatusOr<std::unique_ptr<TableAttachment::Mapping>> TableAttachment::Map(
    const std::string& path) {
  auto m = std::make_unique<Mapping>();
  ASSIGN_OR_RETURN(m->file, shm::MappedFile::Open(path, /*writable=*/false));
  auto region = shm::TableRegion::FromMemory(m->file.data(), m->file.size());
  if (!region.ok())
    return absl::Status(
        region.status().code(),
        absl::StrCat("table region ", path, ": ", region.status().message()));
  m->region = *region;
  // Nothing published yet is fine (workers count drop_no_table); a
  // published slot that does not check out is not.
  if (m->region.LoadGeneration() != 0) {
    auto slot = m->region.ValidatedCurrent();
    if (!slot.ok())
      return absl::Status(
          slot.status().code(),
          absl::StrCat("table region ", path, ": ", slot.status().message()));
  }
  return m;
}

absl::StatusOr<std::unique_ptr<TableAttachment>> TableAttachment::Open(
    const std::string& path, uint32_t num_workers,
    const std::atomic<bool>& quit, absl::FunctionRef<void()> tick) {
  // Wait for a region with a published table: the control plane may start
  // second, and creates the region before it publishes into it.
  bool logged = false;
  std::unique_ptr<Mapping> m;
  for (;;) {
    if (quit.load()) return absl::CancelledError("stopped while waiting");
    ino_t ino = shm::InodeOf(path);
    if (ino != 0 && (m == nullptr || m->file.inode() != ino)) {
      ASSIGN_OR_RETURN(m, Map(path));
    }
    if (m != nullptr && m->region.LoadGeneration() != 0) {
      // Published meanwhile: validate what we are about to forward with.
      ASSIGN_OR_RETURN(m, Map(path));
      if (m->region.LoadGeneration() != 0) break;
    }
    if (!logged) {
      std::fprintf(stderr,
                   "dsrlb-dataplane: waiting for the table region %s %s (start "
                   "dsrlb-control, or publish one with `dsrlb-region publish "
                   "SPEC.json %s`)\n",
                   path.c_str(), ino == 0 ? "to appear" : "to hold a table",
                   path.c_str());
      logged = true;
    }
    tick();
    usleep(10 * 1000);
  }
  std::unique_ptr<TableAttachment> t(new TableAttachment(path, num_workers));
  t->owned_current_ = std::move(m);
  t->current_.store(t->owned_current_.get(), std::memory_order_release);
  return t;
}

void TableAttachment::Poll() {
  FreeRetired();
  ino_t ino = shm::InodeOf(path_);
  if (ino == 0 || ino == owned_current_->file.inode() || ino == rejected_inode_)
    return;
  auto m = Map(path_);
  if (!m.ok()) {
    std::fprintf(stderr,
                 "dsrlb-dataplane: ignoring the replaced table region (%s); "
                 "forwarding on the previous table\n",
                 std::string(m.status().message()).c_str());
    rejected_inode_ = ino;
    return;
  }
  std::fprintf(stderr,
               "dsrlb-dataplane: table region %s was re-created; "
               "switched to the new one\n",
               path_.c_str());
  retired_.push_back(std::move(owned_current_));
  owned_current_ = std::move(*m);
  current_.store(owned_current_.get(), std::memory_order_seq_cst);
  FreeRetired();
}

void TableAttachment::FreeRetired() {
  for (size_t i = 0; i < retired_.size();) {
    bool used = false;
    for (const Hazard& h : hazard_)
      used |= h.value.load(std::memory_order_seq_cst) == retired_[i].get();
    if (used) {
      i++;
    } else {
      retired_.erase(retired_.begin() + static_cast<long>(i));
    }
  }
}

}  // namespace dsrlb::dataplane
