// Turns a TableSpec into the records and Maglev rings of one table slot.
#ifndef DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_
#define DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_

#include "absl/status/status.h"
#include "controlplane/tables/table_spec.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::tables {

// Fills `slot` (cleared by TableWriter::BeginPublish) from `spec`. Backend
// records are numbered from 1 in spec order (0 = none); each VIP's ring
// holds only its UP backends, weighted; DRAINING and DOWN ones keep their
// record (existing flows on a draining backend stay) but own no slot. A VIP
// with no UP backend gets a ring of 0 (counted as drop_no_backend).
// Fails without a usable table when the spec does not fit the geometry.
absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot);

// Publishes `spec` through `writer`; on error the current table stays.
absl::Status PublishSpec(shm::TableWriter& writer, const TableSpec& spec,
                         const shm::StatsRegion* readers);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_TABLE_BUILDER_H_
