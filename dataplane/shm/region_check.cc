// Size, magic and version checks shared by both regions.
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

}  // namespace dsrlb::shm
