// Per-lcore flow table: 5-tuple (or client affinity) -> backend, fixed size,
// set-associative with LRU-style eviction inside a bucket and idle timeouts.
// The lookup is in this header so the pipeline's per-packet path inlines it.
#ifndef DSRLB_DATAPLANE_PIPELINE_FLOW_TABLE_H_
#define DSRLB_DATAPLANE_PIPELINE_FLOW_TABLE_H_

#include <cstdint>
#include <cstring>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::dataplane {

// What an entry remembers a packet by. Padding is zero so keys compare as
// five 64-bit words: make keys with FlowKey{} (no member initializer, so a
// burst's array of keys costs nothing to declare). IPv4 addresses sit in
// src[0..3] / dst[0..3], so an IPv4 key is three meaningful words (src, dst,
// ports+family+proto+kind) and two zero words.
struct FlowKey {
  enum Kind : uint8_t { kFlow = 0, kAffinity = 1 };
  uint8_t src[16];
  uint8_t dst[16];
  uint16_t sport;  // host order; 0 in affinity keys
  uint16_t dport;  // host order; the VIP's port in affinity keys
  uint8_t family;  // DSRLB_AF_INET / DSRLB_AF_INET6
  uint8_t proto;
  uint8_t kind;
  uint8_t pad;

  bool operator==(const FlowKey& o) const {
    return std::memcmp(this, &o, sizeof(FlowKey)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey compares as 5 words");

// The last word of a key: ports, family, protocol, kind (little-endian
// layout of FlowKey's tail).
inline uint64_t FlowKeyTail(uint16_t sport, uint16_t dport, uint8_t family,
                            uint8_t proto, uint8_t kind) {
  return uint64_t{sport} | uint64_t{dport} << 16 | uint64_t{family} << 32 |
         uint64_t{proto} << 40 | uint64_t{kind} << 48;
}

// One remembered flow: the backend by index, and by address so that an entry
// from an older table generation is only honoured if the record at that
// index is still the same server.
struct alignas(64) FlowEntry {
  FlowKey key;
  uint8_t backend_addr[16];
  uint16_t backend;  // index in the table's backend array; never 0
  uint8_t backend_family;
  uint8_t conn;      // ConnState (conn_state.h), counted while held
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
  static uint32_t Now(uint64_t now_ns) {
    return static_cast<uint32_t>(now_ns >> 20);
  }
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
  // The same from the fields, wherever they are. IPv4 reads 4 address
  // bytes, IPv6 16.
  static uint64_t HashTuple(uint8_t family, const uint8_t* src,
                            const uint8_t* dst, uint16_t sport, uint16_t dport,
                            uint8_t proto, uint8_t kind) {
    const uint64_t tail = FlowKeyTail(sport, dport, family, proto, kind);
    if (family == DSRLB_AF_INET)
      return HashV4(uint64_t{Load32(src)} | uint64_t{Load32(dst)} << 32, tail);
    const uint64_t w[5] = {Load64(src), Load64(src + 8), Load64(dst),
                           Load64(dst + 8), tail};
    return dsrlb_hash_words(kSeed, w, 5);
  }
  // IPv4: one 64 x 64 -> 128-bit multiply of the two seeded words, its
  // halves folded (wyhash's "mum"): every input bit reaches the bucket bits
  // (low) and the tag bits (high) through the high half. Only this lcore
  // ever computes it (no cross-process agreement needed; the Maglev hash
  // of dsrlb_shm.h is a different one), so it trades the three mix rounds
  // of dsrlb_hash_words (~30 instructions) and the former multiply +
  // finalizer (~13) for ~6.
  static uint64_t HashV4(uint64_t addrs, uint64_t tail) {
    __extension__ typedef unsigned __int128 U128;
    const U128 m = static_cast<U128>(addrs ^ kSeed) * (tail ^ kSeedTail);
    return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
  }

  // capacity: number of entries, a power of two >= kWays (smaller values
  // are rounded up). Allocates everything here, never afterwards.
  explicit FlowTable(uint32_t capacity);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  enum class FindResult : uint8_t { kHit, kMiss, kExpired };
  // The entry for `key` (hash = Hash(key)) or kNone. An entry idle past its
  // timeout is freed and reported as kExpired; last_freed() then names it
  // (its contents stay until the slot is reused).
  uint32_t Find(const FlowKey& key, uint64_t hash, uint32_t now,
                FindResult* result) {
    return FindIf(hash, now, result,
                  [&key](const FlowKey& k) { return SameKey(k, key); });
  }
  // Find for an IPv4 flow key given compactly: `addrs` = source address
  // bytes | destination address bytes << 32 (as loaded from the packet),
  // `tail` = FlowKeyTail(...). Compares three words and two zero words, with
  // no 40-byte key built.
  uint32_t FindV4(uint64_t addrs, uint64_t tail, uint64_t hash, uint32_t now,
                  FindResult* result) {
    return FindIf(hash, now, result, [addrs, tail](const FlowKey& k) {
      return SameV4(k, addrs, tail);
    });
  }

 private:
  struct Bucket;  // below

 public:
  // The lines the hit path reads, copied into locals once per burst (stores
  // through a frame may alias any member, so members would be reloaded
  // after every MAC rewrite).
  class Lines {
   public:
    // The entry for an IPv4 flow key (as FindV4) only when using it needs
    // nothing else: present, not idled out, and marked `mark` (validated in
    // the current table epoch); then stamped `now`. Otherwise nullptr and
    // nothing changed: the caller takes FindV4 and its bookkeeping.
    // The addresses come apart (src, dst as loaded), compared 32 bits each.
    FlowEntry* HitV4(uint32_t src, uint32_t dst, uint64_t tail, uint64_t hash,
                     uint32_t now, uint16_t mark) const {
      const uint32_t b = static_cast<uint32_t>(hash) & mask_;
      const uint16_t sig = Sig(hash);
      return Probe</*kRecheckTags=*/false>(b, TagMatches(buckets_[b], sig), sig,
                                           src, dst, tail, now, mark);
    }
    // HitV4 over the ways PrefetchEntries named earlier in the burst (bit w
    // = way w), without comparing the bucket's tags again: each way's own
    // tag is checked (the burst may have freed or reused the way since).
    // An entry the burst inserted since is not seen: the caller's general
    // path finds it.
    FlowEntry* HitV4Ways(uint32_t src, uint32_t dst, uint64_t tail,
                         uint64_t hash, uint32_t ways, uint32_t now,
                         uint16_t mark) const {
      return Probe</*kRecheckTags=*/true>(static_cast<uint32_t>(hash) & mask_,
                                          ways, Sig(hash), src, dst, tail, now,
                                          mark);
    }

   private:
    friend class FlowTable;
    template <bool kRecheckTags>
    FlowEntry* Probe(uint32_t b, uint32_t ways, uint16_t sig, uint32_t src,
                     uint32_t dst, uint64_t tail, uint32_t now,
                     uint16_t mark) const {
      Bucket& bucket = buckets_[b];
      for (uint32_t m = ways; m != 0; m &= m - 1) {
        const uint32_t w = static_cast<uint32_t>(__builtin_ctz(m));
        if (kRecheckTags && bucket.sig[w] != sig) continue;
        FlowEntry& e = entries_[b * kWays + w];
        if (((Load32(e.key.src) ^ src) | (Load32(e.key.dst) ^ dst) |
             (Word(e.key, 4) ^ tail)) != 0)
          continue;
        if (bucket.mark[w] != mark || now - bucket.stamp[w] > e.timeout)
          return nullptr;
        bucket.stamp[w] = now;
        return &e;
      }
      return nullptr;
    }
    Bucket* buckets_;
    FlowEntry* entries_;
    uint32_t mask_;
  };
  Lines lines() const {
    Lines l;
    l.buckets_ = buckets_;
    l.entries_ = entries_;
    l.mask_ = bucket_mask_;
    return l;
  }

  enum class InsertResult : uint8_t { kFree, kExpired, kEvicted };
  // A slot for `key` (not present), stamped `now`: a free way, else the
  // least recently used way of the bucket (kExpired if that one had idled
  // out, kEvicted if it was live). The caller fills backend fields, and
  // conn; only key and timeout are written, so after kExpired / kEvicted
  // the slot still holds the replaced entry's backend and conn. The slot's
  // mark (below) is cleared.
  uint32_t Insert(const FlowKey& key, uint64_t hash, uint32_t now,
                  uint32_t timeout, InsertResult* result);

  void Touch(uint32_t index, uint32_t now) {
    buckets_[index / kWays].stamp[index % kWays] = now;
  }
  void Erase(uint32_t index) {
    buckets_[index / kWays].sig[index % kWays] = 0;
    live_--;
  }
  FlowEntry& entry(uint32_t index) { return entries_[index]; }
  uint32_t last_freed() const { return last_freed_; }

  // Frees the entries of the next `buckets` buckets (round robin over the
  // table) that idled past their timeout, calling on_free(entry) for each
  // before it goes; returns how many. Lookups free an idle entry only when
  // its flow comes back: this is what removes the others. Entries idle for
  // at most `min_age` (the smallest timeout in use) are passed over on the
  // bucket line alone, without reading their entry line.
  template <typename OnFree>
  uint32_t Sweep(uint32_t now, uint32_t buckets, uint32_t min_age,
                 OnFree on_free) {
    uint32_t freed = 0;
    for (uint32_t i = 0; i < buckets; i++) {
      const uint32_t b = sweep_next_;
      sweep_next_ = (b + 1) & bucket_mask_;
      Bucket& bucket = buckets_[b];
      for (uint32_t m = ~TagMatches(bucket, 0) & ((1u << kWays) - 1); m != 0;
           m &= m - 1) {
        const uint32_t w = static_cast<uint32_t>(__builtin_ctz(m));
        const uint32_t age = now - bucket.stamp[w];
        if (age <= min_age || age <= entries_[b * kWays + w].timeout) continue;
        on_free(entries_[b * kWays + w]);
        bucket.sig[w] = 0;
        live_--;
        freed++;
      }
    }
    return freed;
  }

  // A 16-bit mark per slot, kept on the bucket line next to the tag: the
  // pipeline stores there the table epoch an entry was last validated in, so
  // a hit in the same epoch needs no look at the backend record. Insert
  // clears it; ClearMarks() clears them all (when the epoch counter wraps).
  uint16_t mark(uint32_t index) const {
    return buckets_[index / kWays].mark[index % kWays];
  }
  void set_mark(uint32_t index, uint16_t m) {
    buckets_[index / kWays].mark[index % kWays] = m;
  }
  void ClearMarks();

  // Hints the bucket of `hash` into cache ahead of Find.
  void PrefetchBucket(uint64_t hash) const {
    __builtin_prefetch(&buckets_[BucketOf(hash)]);
  }
  // Hints the entries whose tag matches `hash` into cache and returns their
  // ways (bit w = way w) for HitV4Ways; the bucket should be cached by now
  // (PrefetchBucket a few packets before).
  uint32_t PrefetchEntries(uint64_t hash) const {
    const uint32_t b = BucketOf(hash);
    const uint32_t ways = TagMatches(buckets_[b], Sig(hash));
    for (uint32_t m = ways; m != 0; m &= m - 1)
      __builtin_prefetch(
          &entries_[b * kWays + static_cast<uint32_t>(__builtin_ctz(m))]);
    return ways;
  }
  uint32_t capacity() const { return capacity_; }
  // Whether the lines the table's flows live on are more than a core's
  // cache is likely to hold, so that prefetching them ahead of use pays:
  // up to 512 KiB the prefetch passes cost ~90 instructions per packet and
  // save nothing. Counted by live entries (each on its own bucket line and
  // entry line at worst, 128 B), not by capacity: 10 flows in a 2^21 table
  // cost what they cost in a 2^10 one.
  bool prefetch_pays() const {
    return uint64_t{live_} * 128 > (uint64_t{512} << 10);
  }
  // Occupied ways, kept up to date by Insert / Erase / expiry / Clear
  // (expired entries count until reclaimed); O(1).
  uint32_t live() const { return live_; }
  // Bytes of memory per entry (entry line + its share of the bucket line).
  static constexpr uint32_t kBytesPerEntry = sizeof(FlowEntry) + 64 / kWays;
  // Live (occupied) entries, expired ones included until reclaimed; O(n),
  // for tests and tools.
  uint32_t Occupied() const;
  void Clear();

 private:
  static constexpr uint64_t kSeed = 0x6c7f3e1d2b4a5968ULL;
  static constexpr uint64_t kSeedTail = 0x9e3779b97f4a7c15ULL;
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
  // Five word compares instead of a memcmp call, loaded in place.
  static uint64_t Word(const FlowKey& k, size_t i) {
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<const uint8_t*>(&k) + 8 * i, 8);
    return v;
  }
  // Three words: the tail carries the family, and a stored IPv4 key's
  // words 1 and 3 (address bytes 4-15) are zero, as every key is built
  // from FlowKey{} with 4 address bytes copied in.
  static bool SameV4(const FlowKey& k, uint64_t addrs, uint64_t tail) {
    return ((Word(k, 0) ^ (addrs & 0xffffffffu)) |
            (Word(k, 2) ^ (addrs >> 32)) | (Word(k, 4) ^ tail)) == 0;
  }
  static bool SameKey(const FlowKey& a, const FlowKey& b) {
    return ((Word(a, 0) ^ Word(b, 0)) | (Word(a, 1) ^ Word(b, 1)) |
            (Word(a, 2) ^ Word(b, 2)) | (Word(a, 3) ^ Word(b, 3)) |
            (Word(a, 4) ^ Word(b, 4))) == 0;
  }

  template <typename Match>
  uint32_t FindIf(uint64_t hash, uint32_t now, FindResult* result,
                  Match match) {
    const uint32_t b = BucketOf(hash);
    Bucket& bucket = buckets_[b];
    for (uint32_t m = TagMatches(bucket, Sig(hash)); m != 0; m &= m - 1) {
      const uint32_t w = static_cast<uint32_t>(__builtin_ctz(m));
      const uint32_t index = b * kWays + w;
      const FlowEntry& e = entries_[index];
      if (!match(e.key)) continue;
      if (now - bucket.stamp[w] > e.timeout) {
        bucket.sig[w] = 0;
        live_--;
        last_freed_ = index;
        *result = FindResult::kExpired;
        return kNone;
      }
      *result = FindResult::kHit;
      return index;
    }
    *result = FindResult::kMiss;
    return kNone;
  }

  // Tags, marks and last-use stamps of one bucket share a cache line, so a
  // lookup touches that line plus the matching entry only. 16-bit tags: a
  // wrong tag match (1 in 4096 lookups over 8 ways) costs one key compare.
  struct alignas(64) Bucket {
    uint16_t sig[kWays];    // 0 = free
    uint16_t mark[kWays];   // see mark()
    uint32_t stamp[kWays];  // last use, FlowTable time units
  };
  static_assert(sizeof(Bucket) == 64, "one cache line per bucket");

  uint32_t BucketOf(uint64_t hash) const {
    return static_cast<uint32_t>(hash) & bucket_mask_;
  }
  static uint16_t Sig(uint64_t hash) {
    return static_cast<uint16_t>(hash >> 48) | 1u;  // never 0 (= free)
  }
  // Bit w set when way w carries tag `sig`: one SSE2 compare of the eight
  // tags instead of a loop of eight.
  static uint32_t TagMatches(const Bucket& b, uint16_t sig) {
#if defined(__SSE2__)
    const __m128i tags =
        _mm_load_si128(reinterpret_cast<const __m128i*>(b.sig));
    const __m128i eq =
        _mm_cmpeq_epi16(tags, _mm_set1_epi16(static_cast<short>(sig)));
    // Narrow the eight 16-bit lanes to bytes, then one bit per way.
    return static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128())));
#else
    uint32_t m = 0;
    for (uint32_t w = 0; w < kWays; w++) m |= uint32_t{b.sig[w] == sig} << w;
    return m;
#endif
  }

  // Anonymous mappings aligned to 2 MiB with transparent huge pages asked
  // for, so the page walks of a large table stay cheap (README.md).
  struct Unmap {
    size_t bytes;
    void operator()(void* p) const;
  };
  static std::unique_ptr<void, Unmap> Map(size_t bytes);

  uint32_t capacity_;
  uint32_t live_ = 0;
  uint32_t last_freed_ = kNone;
  uint32_t sweep_next_ = 0;
  uint32_t bucket_mask_;
  std::unique_ptr<void, Unmap> bucket_memory_;
  std::unique_ptr<void, Unmap> entry_memory_;
  Bucket* buckets_;
  FlowEntry* entries_;
};

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PIPELINE_FLOW_TABLE_H_
