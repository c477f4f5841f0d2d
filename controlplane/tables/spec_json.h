// A TableSpec from JSON: for dsrlb-region build, demos and tests.
#ifndef DSRLB_CONTROLPLANE_TABLES_SPEC_JSON_H_
#define DSRLB_CONTROLPLANE_TABLES_SPEC_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "controlplane/tables/table_spec.h"

namespace dsrlb::tables {

// {"ring_size": 65537, "hash_seed": 0, "port_mac": "..",
//  "vips": [{"address": "192.168.4.15", "port": 80, "protocol": "tcp",
//            "active": true, "persistence_timeout": 0,
//            "backends": [{"address": "..", "port": 80, "weight": 1,
//                          "state": "up", "mac": "02:.."}]}]}
// Errors name the JSON path of the bad value.
absl::StatusOr<TableSpec> ParseTableSpecJson(const std::string& text);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_SPEC_JSON_H_
