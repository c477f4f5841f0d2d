// Weighted Maglev consistent hashing: backends -> lookup ring of prime size.
#ifndef DSRLB_CONTROLPLANE_TABLES_MAGLEV_H_
#define DSRLB_CONTROLPLANE_TABLES_MAGLEV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dsrlb::tables {

inline constexpr uint32_t kDefaultRingSize = 65537;
// Ring entry for "no backend" (every backend down or drained).
inline constexpr uint32_t kNoBackend = 0xffffffffu;

struct MaglevBackend {
  // Identity of the backend: its permutation depends on this alone, so a
  // backend keeps its slots when others come and go. Use the address and
  // port bytes (e.g. from BackendKey()).
  std::string key;
  uint32_t weight = 1;  // 0 = drain: no slots
};

// The canonical key of a backend: family byte, 16 address bytes (IPv4 in the
// first 4), port big-endian.
std::string BackendKey(int family, const uint8_t addr[16], uint16_t port);

bool IsPrime(uint32_t n);

// Builds the ring: entry i is the index (into `backends`) of the backend
// owning hash slot i, or kNoBackend when every weight is 0 and
// allow_empty is set. Each backend's share of the ring follows its weight.
//
// Deterministic across processes and hosts: offset and skip of backend b are
// dsrlb_hash_words() (dsrlb_shm.h) of b.key with seeds kOffsetSeed and
// kSkipSeed; never a per-process randomized hash.
//
// Errors: ring_size not prime, more backends than ring_size, all weights 0
// (unless allow_empty), duplicate keys.
absl::StatusOr<std::vector<uint32_t>> BuildMaglevRing(
    absl::Span<const MaglevBackend> backends,
    uint32_t ring_size = kDefaultRingSize, bool allow_empty = false);

inline constexpr uint64_t kOffsetSeed = 0x6d61676c65764f46ULL;  // "maglevOF"
inline constexpr uint64_t kSkipSeed = 0x6d61676c65765350ULL;    // "maglevSP"

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_MAGLEV_H_
