// Size, magic, version and geometry checks shared by both regions.
#include "dataplane/shm/region_check.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::shm {

absl::Status CheckRegionPrologue(absl::string_view kind, const uint8_t* base,
                                 size_t size, size_t header_size,
                                 uint64_t magic) {
  if (size < header_size)
    return absl::FailedPreconditionError(
        absl::StrCat(kind, " region is ", size,
                     " bytes, smaller than its header (", header_size, ")"));
  uint64_t found_magic;
  uint32_t version;
  std::memcpy(&found_magic, base, sizeof(found_magic));
  std::memcpy(&version, base + 8, sizeof(version));
  if (found_magic != magic)
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s region: bad magic 0x%016x (expected 0x%016x): not a dsrlb %s "
        "region",
        kind, found_magic, magic, kind));
  if (version != DSRLB_FORMAT_VERSION)
    return absl::FailedPreconditionError(absl::StrCat(
        kind, " region: format version ", version, ", this build reads ",
        DSRLB_FORMAT_VERSION, ": restart both planes from one build"));
  return absl::OkStatus();
}

absl::Status CheckVipAndBackendCounts(uint32_t max_vips,
                                      uint32_t max_backends) {
  if (max_vips == 0 || max_vips > 65535)
    return absl::InvalidArgumentError(
        absl::StrCat("max_vips ", max_vips, " not in [1, 65535]"));
  if (max_backends < 2 || max_backends > DSRLB_MAX_BACKEND_INDEX + 1)
    return absl::InvalidArgumentError(
        absl::StrCat("max_backends ", max_backends, " not in [2, 65536]"));
  return absl::OkStatus();
}

}  // namespace dsrlb::shm
