// Decodes table and stats regions into JSON for people and tests.
#ifndef DSRLB_CONTROLPLANE_TABLES_REGION_DECODER_H_
#define DSRLB_CONTROLPLANE_TABLES_REGION_DECODER_H_

#include <string>

#include "absl/status/statusor.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"
#include "nlohmann/json.hpp"

namespace dsrlb::tables {

// The current table: generation, geometry, and per VIP its backends with
// their ring share. A region that fails validation is an error naming why.
absl::StatusOr<nlohmann::json> DecodeTable(const shm::TableRegion& region);
// Liveness, per-lcore generations and counters, totals.
nlohmann::json DecodeStats(const shm::StatsRegion& region);

std::string FormatTable(const nlohmann::json& table);
std::string FormatStats(const nlohmann::json& stats);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_REGION_DECODER_H_
