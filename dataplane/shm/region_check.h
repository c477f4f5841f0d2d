// The checks every region's header starts with: size, magic, version.
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

}  // namespace dsrlb::shm

#endif  // DSRLB_DATAPLANE_SHM_REGION_CHECK_H_
