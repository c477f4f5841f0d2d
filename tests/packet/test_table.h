// Building and publishing table specs for the golden tests.
#ifndef DSRLB_TESTS_PACKET_TEST_TABLE_H_
#define DSRLB_TESTS_PACKET_TEST_TABLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "controlplane/tables/table_spec.h"
#include "dataplane/shm/mapped_file.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::testing {

IpAddress Ip(const std::string& text);
std::array<uint8_t, 6> MacFromString(const std::string& text);

tables::BackendSpec Backend(const std::string& addr, const std::string& mac,
                            uint32_t weight = 1,
                            dsrlb_backend_state state = DSRLB_BACKEND_UP);

// Publishes `spec` into the region at `path` (created if missing), waiting
// for the readers in `stats` if given. Returns the new generation.
absl::StatusOr<uint64_t> Publish(const std::string& path,
                                 const tables::TableSpec& spec,
                                 const shm::StatsRegion* stats = nullptr);

// A read-only view of the current table of the region at `path`.
struct TableSnapshot {
  shm::MappedFile file;
  shm::TableRegion region;
  const shm::SlotView* slot = nullptr;
};
absl::StatusOr<std::unique_ptr<TableSnapshot>> OpenTable(
    const std::string& path);

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_PACKET_TEST_TABLE_H_
