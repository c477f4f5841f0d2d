// Per-lcore flow table: 5-tuple (or client affinity) -> backend, fixed size,
// set-associative with LRU-style eviction inside a bucket and idle timeouts.
#ifndef DSRLB_DATAPLANE_PIPELINE_FLOW_TABLE_H_
#define DSRLB_DATAPLANE_PIPELINE_FLOW_TABLE_H_

#include <cstdint>
#include <cstring>
#include <memory>

#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::dataplane {

// What an entry remembers a packet by. Padding is zero so keys compare as
// five 64-bit words. IPv4 addresses sit in src[0..3] / dst[0..3].
struct FlowKey {
  enum Kind : uint8_t { kFlow = 0, kAffinity = 1 };
  uint8_t src[16];
  uint8_t dst[16];
  uint16_t sport;  // host order; 0 in affinity keys
  uint16_t dport;  // host order; the VIP's port in affinity keys
  uint8_t family;  // DSRLB_AF_INET / DSRLB_AF_INET6
  uint8_t proto;
  uint8_t kind;
  uint8_t pad = 0;

  bool operator==(const FlowKey& o) const {
    return std::memcmp(this, &o, sizeof(FlowKey)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey compares as 5 words");

// One remembered flow: the backend by index, and by address so that an entry
// from an older table generation is only honoured if the record at that
// index is still the same server.
struct alignas(64) FlowEntry {
  FlowKey key;
  uint8_t backend_addr[16];
  uint16_t backend;  // index in the table's backend array; never 0
  uint8_t backend_family;
  uint8_t pad;
  uint32_t timeout;  // idle timeout in FlowTable time units
};
static_assert(sizeof(FlowEntry) == 64, "one cache line per entry");

class FlowTable {
 public:
  static constexpr uint32_t kWays = 8;
  static constexpr uint32_t kNone = UINT32_MAX;

  // Time unit of timestamps and timeouts: 2^20 ns (~1.05 ms), so a 32-bit
  // stamp wraps after ~52 days; only an entry idle that long could look
  // fresh again, and its backend is re-checked on every hit anyway.
  static uint32_t Now(uint64_t now_ns) { return static_cast<uint32_t>(now_ns >> 20); }
  static uint32_t TimeoutUnits(uint32_t seconds) {
    uint64_t u = (uint64_t{seconds} * 1000000000u) >> 20;
    return u > UINT32_MAX / 2 ? UINT32_MAX / 2 : static_cast<uint32_t>(u);
  }

  // Bucket-local hash of a key; independent of any table's seed so entries
  // survive a table change.
  static uint64_t Hash(const FlowKey& key) {
    return HashTuple(key.family, key.src, key.dst, key.sport, key.dport,
                     key.proto, key.kind);
  }
  // The same from the fields, wherever they are. Hashing a key right after
  // writing it measured 32 ns against 13 ns for keys written earlier
  // (pipeline_bench stages; store forwarding), so the pipeline hashes the
  // addresses in the frame. IPv4 reads 4 address bytes, IPv6 16.
  static uint64_t HashTuple(uint8_t family, const uint8_t* src,
                            const uint8_t* dst, uint16_t sport, uint16_t dport,
                            uint8_t proto, uint8_t kind) {
    constexpr uint64_t kSeed = 0x6c7f3e1d2b4a5968ULL;
    const uint64_t tail = uint64_t{sport} | uint64_t{dport} << 16 |
                          uint64_t{family} << 32 | uint64_t{proto} << 40 |
                          uint64_t{kind} << 48;
    if (family == DSRLB_AF_INET) {
      const uint64_t w[2] = {uint64_t{Load32(src)} | uint64_t{Load32(dst)} << 32,
                             tail};
      return dsrlb_hash_words(kSeed, w, 2);
    }
    const uint64_t w[5] = {Load64(src), Load64(src + 8), Load64(dst),
                           Load64(dst + 8), tail};
    return dsrlb_hash_words(kSeed, w, 5);
  }

  // capacity: number of entries, a power of two >= kWays (smaller values
  // are rounded up). Allocates everything here, never afterwards.
  explicit FlowTable(uint32_t capacity);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  enum class FindResult : uint8_t { kHit, kMiss, kExpired };
  // The entry for `key` (hash = Hash(key)) or kNone. An entry idle past its
  // timeout is freed and reported as kExpired.
  uint32_t Find(const FlowKey& key, uint64_t hash, uint32_t now,
                FindResult* result);

  enum class InsertResult : uint8_t { kFree, kExpired, kEvicted };
  // A slot for `key` (not present), stamped `now`: a free way, else the
  // least recently used way of the bucket (kExpired if that one had idled
  // out, kEvicted if it was live). The caller fills backend fields.
  uint32_t Insert(const FlowKey& key, uint64_t hash, uint32_t now,
                  uint32_t timeout, InsertResult* result);

  void Touch(uint32_t index, uint32_t now) {
    buckets_[index / kWays].stamp[index % kWays] = now;
  }
  void Erase(uint32_t index) { buckets_[index / kWays].sig[index % kWays] = 0; }
  FlowEntry& entry(uint32_t index) { return entries_[index]; }

  // Hints the bucket of `hash` into cache ahead of Find.
  void PrefetchBucket(uint64_t hash) const {
    __builtin_prefetch(&buckets_[BucketOf(hash)]);
  }
  // Hints the entries whose tag matches `hash` (bucket should be cached by
  // now: call after PrefetchBucket, a few packets later).
  void PrefetchEntry(uint64_t hash) const {
    const uint32_t b = BucketOf(hash), sig = Sig(hash);
    for (uint32_t w = 0; w < kWays; w++)
      if (buckets_[b].sig[w] == sig) __builtin_prefetch(&entries_[b * kWays + w]);
  }

  uint32_t capacity() const { return capacity_; }
  // Live (occupied) entries, expired ones included until reclaimed; O(n),
  // for tests and tools.
  uint32_t Occupied() const;
  void Clear();

 private:
  static uint64_t Load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static uint32_t Load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }

  // Tags and last-use stamps of one bucket share a cache line, so a lookup
  // touches that line plus the matching entry only.
  struct alignas(64) Bucket {
    uint32_t sig[kWays];    // 0 = free
    uint32_t stamp[kWays];  // last use, FlowTable time units
  };
  static_assert(sizeof(Bucket) == 64, "one cache line per bucket");

  uint32_t BucketOf(uint64_t hash) const {
    return static_cast<uint32_t>(hash) & bucket_mask_;
  }
  static uint32_t Sig(uint64_t hash) {
    return static_cast<uint32_t>(hash >> 32) | 1u;  // never 0 (= free)
  }

  // Anonymous mappings with transparent huge pages asked for, so the page
  // walks of a large table stay cheap. Measured gain is small (lookup at
  // 10^6 flows 325-422 ns with, 369-429 ns without, shared VM): the two
  // dependent DRAM misses dominate, which ProcessBurst's prefetch attacks.
  struct Unmap {
    size_t bytes;
    void operator()(void* p) const;
  };
  static std::unique_ptr<void, Unmap> Map(size_t bytes);

  uint32_t capacity_;
  uint32_t bucket_mask_;
  std::unique_ptr<void, Unmap> bucket_memory_;
  std::unique_ptr<void, Unmap> entry_memory_;
  Bucket* buckets_;
  FlowEntry* entries_;
};

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PIPELINE_FLOW_TABLE_H_
