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

// Rings already built: a VIP whose ring inputs (ring size, backends with
// their records and ring weights) have the fingerprint they had in `from`
// gets its ring copied from there instead of rebuilt, so a publish after a
// change of one virtual server runs Maglev for that one only.
struct RingReuse {
  const shm::SlotView* from = nullptr;  // the table in force
  const std::vector<uint64_t>* from_fingerprints = nullptr;  // by record
  std::vector<uint64_t>* fingerprints = nullptr;             // out: by record
  uint32_t rebuilt = 0;                                      // out: rings built
};
absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot,
                      RingReuse* reuse);

// Publishes `spec` through `writer`; on error the current table stays.
absl::Status PublishSpec(shm::TableWriter& writer, const TableSpec& spec,
                         const shm::StatsRegion* readers,
                         RingReuse* reuse = nullptr);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_
