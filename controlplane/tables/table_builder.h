// Turns a TableSpec into the records and Maglev rings of one table slot.
#ifndef DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_
#define DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "controlplane/tables/table_spec.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::tables {

// The smallest geometry that holds `spec` (records up to its highest VIP
// record, every backend, every ring).
shm::TableGeometry NeededGeometry(const TableSpec& spec);

// Whether `have` holds everything `need` asks for.
bool Holds(const shm::TableGeometry& have, const shm::TableGeometry& need);

// A geometry for a new region that holds `need` with room to grow (powers
// of two for records, a quarter more ring entries), never smaller than the
// defaults nor past the format's limits.
shm::TableGeometry GrownGeometry(const shm::TableGeometry& need);

// Fills `slot` (cleared by TableWriter::BeginPublish) from `spec`. Backend
// records are numbered from 1 in spec order (0 = none); each VIP's ring
// (its own prime size) holds only its UP backends, weighted; DRAINING and
// DOWN ones keep their record (existing flows on a draining backend stay)
// but own no slot. A VIP with no UP backend gets a ring of 0 entries
// (counted as drop_no_backend). Fails without a usable table when the spec
// does not fit the geometry.
absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot);

// What a slot's ring of one VIP record is: the fingerprint of its inputs
// (ring size, backends with their records and ring weights), where it lies
// and its SlotView::RingHash.
struct RingRecord {
  uint64_t fingerprint = 0;
  uint32_t offset = 0, size = 0;
  uint64_t hash = 0;
};

// Rings already built. A VIP whose ring the slot being filled already holds
// at the same place (`target_rings`, what that slot held) is not written;
// one whose ring is in the table in force (`from`, `from_rings`) is copied;
// only the others run Maglev. The ring hashes come along, so the checksum
// is a sum over records and CommitPublish neither re-reads nor re-hashes
// the rings: a change of one virtual server costs that virtual server's
// ring, plus the records.
struct RingReuse {
  const shm::SlotView* from = nullptr;
  const std::vector<RingRecord>* from_rings = nullptr;
  const std::vector<RingRecord>* target_rings = nullptr;
  std::vector<RingRecord> rings;  // out: the filled slot's, by record
  std::vector<uint32_t> rebuilt;  // out: records whose ring was built
  uint32_t copied = 0;            // out: rings copied from `from`
  uint64_t ring_sum = 0;          // out: SlotView::RingSum() of the slot
};
absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot,
                      RingReuse* reuse);

// Rewrites VIP spec.vips[i] in a slot that holds a table of the same shape
// (the same VIP and backend records, ring offsets and sizes, header): its
// VIP record, its backend records (each BackendSpec::record set) and its
// ring, left in place, copied or built as `reuse` allows. Touches nothing
// else: this is how a change of one virtual server is patched into the
// inactive slot (SlotKeeper).
absl::Status RewriteVip(const TableSpec& spec, size_t i, shm::SlotView& slot,
                        RingReuse* reuse);

// Publishes `spec` through `writer`; on error the current table stays.
absl::Status PublishSpec(shm::TableWriter& writer, const TableSpec& spec,
                         const shm::StatsRegion* readers,
                         RingReuse* reuse = nullptr);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_
