// Table capacity: limits and per-virtual-server ring sizes.
#include "controlplane/model/capacity.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dsrlb::api {

bool IsPrimeNumber(uint64_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint64_t d = 3; d * d <= n; d += 2)
    if (n % d == 0) return false;
  return true;
}

uint32_t RingSizeFor(uint32_t default_ring_size, size_t backends) {
  uint64_t want = uint64_t{kRingEntriesPerBackend} * backends;
  if (want <= default_ring_size) return default_ring_size;
  while (!IsPrimeNumber(want)) want++;
  return static_cast<uint32_t>(want);
}

absl::Status CheckCapacity(const Capacity& capacity,
                           const std::vector<size_t>& real_servers_per_vs) {
  const size_t vs = real_servers_per_vs.size();
  if (vs > capacity.max_virtual_servers)
    return absl::ResourceExhaustedError(absl::StrCat(
        "virtual_server: ", vs, " virtual servers, the table holds ",
        capacity.max_virtual_servers));
  size_t rs = 0;
  uint64_t ring = 0;
  for (size_t n : real_servers_per_vs) {
    rs += n;
    if (capacity.ring_size != 0) ring += RingSizeFor(capacity.ring_size, n);
  }
  if (rs > capacity.max_real_servers)
    return absl::ResourceExhaustedError(
        absl::StrCat("real_server: ", rs, " real servers, the table holds ",
                     capacity.max_real_servers));
  if (ring > capacity.max_ring_entries)
    return absl::ResourceExhaustedError(absl::StrCat(
        "virtual_server: ", vs, " rings of ", ring,
        " entries in all (each max(--ring-size ", capacity.ring_size, ", ",
        kRingEntriesPerBackend,
        " x its real servers, prime)), the table holds ",
        capacity.max_ring_entries, " (a smaller --ring-size fits more)"));
  return absl::OkStatus();
}

}  // namespace dsrlb::api
