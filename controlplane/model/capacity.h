// What one table holds: the limits every entry point (--check, start,
// reload, the API) checks against, and the ring size each virtual server
// gets. One definition, so --check and the daemon cannot disagree.
#ifndef DSRLB_CONTROLPLANE_MODEL_CAPACITY_H_
#define DSRLB_CONTROLPLANE_MODEL_CAPACITY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::api {

// Format limits (dsrlb_shm.h): VIP and backend indices are uint16_t.
inline constexpr uint32_t kMaxVirtualServers = DSRLB_MAX_VIPS;
inline constexpr uint32_t kMaxRealServers = DSRLB_MAX_BACKEND_INDEX;
// Ring entries of all virtual servers together: 2^29 entries are 1 GiB per
// slot, 2 GiB of /dev/shm for the region (two slots). 8,192 virtual
// servers of 65,537 entries fit.
inline constexpr uint64_t kMaxRingEntries = DSRLB_MAX_RING_POOL_ENTRIES;
// Maglev's rule of thumb: at least 100 ring entries per backend keeps the
// imbalance under 1%.
inline constexpr uint32_t kRingEntriesPerBackend = 100;

struct Capacity {
  uint32_t max_virtual_servers = kMaxVirtualServers;
  uint32_t max_real_servers = kMaxRealServers;  // over all virtual servers
  uint64_t max_ring_entries = kMaxRingEntries;
  // The ring of a virtual server with few backends (--ring-size); 0 turns
  // the ring check off (tests of other limits).
  uint32_t ring_size = 65537;
};

// The ring size of a virtual server with `backends` real servers: the
// default, or the smallest prime >= 100 x backends when that is larger.
uint32_t RingSizeFor(uint32_t default_ring_size, size_t backends);

bool IsPrimeNumber(uint64_t n);

// ResourceExhausted, naming the limit and what to change, when a table of
// virtual servers with these real-server counts does not fit.
absl::Status CheckCapacity(const Capacity& capacity,
                           const std::vector<size_t>& real_servers_per_vs);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_CAPACITY_H_
