// The checks both regions share: header size, magic, version; and the
// VIP and backend counts of their geometry.
#ifndef DSRLB_DATAPLANE_SHM_REGION_CHECK_H_
#define DSRLB_DATAPLANE_SHM_REGION_CHECK_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dsrlb::shm {

// `kind` names the region in messages ("table", "stats"). Both headers
// begin with uint64_t magic, uint32_t version.
absl::Status CheckRegionPrologue(absl::string_view kind, const uint8_t* base,
                                 size_t size, size_t header_size,
                                 uint64_t magic);

// The geometry both regions share (each sizes per-VIP and per-backend
// arrays): max_vips in [1, 65535], max_backends in [2, 65536].
absl::Status CheckVipAndBackendCounts(uint32_t max_vips, uint32_t max_backends);

}  // namespace dsrlb::shm

#endif  // DSRLB_DATAPLANE_SHM_REGION_CHECK_H_
