// What each slot of a table region holds, so that a change of a few
// virtual servers is patched into the inactive slot alone: its rings, the
// hashes its checksum sums, and which virtual servers it holds out of date.
#ifndef DSRLB_CONTROLPLANE_TABLES_SLOT_KEEPER_H_
#define DSRLB_CONTROLPLANE_TABLES_SLOT_KEEPER_H_

#include <cstdint>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "controlplane/tables/table_builder.h"
#include "controlplane/tables/table_spec.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::tables {

// What one publish wrote into its slot: the observable measure of its cost.
struct PublishWork {
  bool patched = false;           // only some records rewritten, no Clear
  uint32_t vips_written = 0;      // VIP records written
  uint32_t backends_written = 0;  // backend records written
  uint32_t rings_built = 0;       // Maglev runs
  uint32_t rings_copied = 0;      // rings copied from the table in force
  // Virtual servers whose table inputs the publisher compared with the
  // table in force's (Publisher::LastWork): all of them for a snapshot,
  // the touched ones for PublishChanges.
  uint32_t vs_compared = 0;
};

// The double buffer seen from the writer. After a publish, the slot in
// force holds the table in force; the other slot holds it too but for the
// virtual servers the last publish changed (kept as "stale"). A patch
// rewrites in the inactive slot exactly those and the ones it changes, and
// updates the checksum's sums by their hashes, so its cost follows the
// virtual servers changed, not the table.
class SlotKeeper {
 public:
  // Forgets both slots (a new region, a region written by another process).
  void Reset();

  // Rings of slot `s` by VIP record, for RingReuse of a full publish.
  const std::vector<RingRecord>& rings(int s) const { return slots_[s].rings; }

  // After FillSlot published `spec` into slot `target` of `slot` (every
  // record written): `target` holds the table in force. `changed`: the
  // positions of spec.vips that differ from the table before, when `spec`
  // has its shape (same records, ring sizes, header); nullptr otherwise,
  // and the other slot must be written in full before it can be patched.
  void AfterFull(const shm::SlotView& slot, int target, RingReuse&& reuse,
                 const std::vector<size_t>* changed);
  // After a failed full publish into `target`: it holds nothing known.
  void FailedFull(int target) { Forget(slots_[target]); }

  // Whether the next publish through `writer` can be a patch.
  bool CanPatch(const shm::TableWriter& writer) const;

  // Publishes `spec`, the table in force with spec.vips[p] changed for each
  // p in `changed` (same shape), by rewriting only those virtual servers and
  // the ones the inactive slot holds out of date. On error nothing is
  // published and the inactive slot is forgotten (next publish in full).
  absl::Status Patch(shm::TableWriter& writer, const TableSpec& spec,
                     const std::vector<size_t>& changed,
                     const shm::StatsRegion* readers);

  const PublishWork& last() const { return last_; }
  // VIP records whose ring the last publish built.
  const std::vector<uint32_t>& rebuilt() const { return rebuilt_; }

 private:
  struct Slot {
    bool synced = false;            // the table in force, but for `stale`
    std::set<size_t> stale;         // positions in TableSpec::vips out of date
    std::vector<RingRecord> rings;  // by VIP record
    std::vector<uint64_t> vip_hash, backend_hash;  // by record
    uint64_t record_sum = 0, ring_sum = 0;
  };
  static void Forget(Slot& s);
  // Writes spec.vips[p] into `slot` (slot `t`'s content), updating its
  // sums; appends the records written.
  absl::Status Rewrite(const TableSpec& spec, size_t p, shm::SlotView& slot,
                       RingReuse* reuse, Slot& t, std::vector<uint32_t>* vips,
                       std::vector<uint32_t>* backends);

  Slot slots_[2];
  PublishWork last_;
  std::vector<uint32_t> rebuilt_;
};

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_SLOT_KEEPER_H_
