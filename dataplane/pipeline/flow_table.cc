// Flow table: 8-way buckets, tags, marks and stamps on one cache line per
// bucket; memory mapped once, 2 MiB aligned.
#include "dataplane/pipeline/flow_table.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::dataplane {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels say EINVAL
#endif

// Faults the whole mapping in now, at start-up, instead of page by page
// under traffic: with 10^4 flows spread over a 2^21-entry table the first
// pass took 202 ns/packet against 33 steady (pipeline_bench, 2026-12-02),
// every first touch of a bucket or entry page being a page fault (and a
// huge page's zeroing) inside the forwarding loop. Resident from the start,
// the table's configured size no longer shows in the per-packet cost while
// the flows fit in the cache.
void Populate(uint8_t* p, size_t len) {
  if (madvise(p, len, MADV_POPULATE_WRITE) == 0) return;
  if (errno != EINVAL) {
    std::fprintf(stderr,
                 "dsrlb: cannot make %zu MiB of flow table resident: lower "
                 "the flow table size\n",
                 len >> 20);
    std::abort();
  }
  // Older kernels: one write per 4 KiB page faults it in (a huge page
  // where the kernel grants one). The mapping is zero, so zero is written.
  for (size_t off = 0; off < len; off += 4096)
    reinterpret_cast<volatile uint8_t*>(p)[off] = 0;
}

}  // namespace

void FlowTable::Unmap::operator()(void* p) const { munmap(p, bytes); }

std::unique_ptr<void, FlowTable::Unmap> FlowTable::Map(size_t bytes) {
  // Over-map by one huge page and trim to a 2 MiB boundary: only aligned
  // 2 MiB ranges can become transparent huge pages, and an unaligned
  // mapping loses the first and last one (all of it for a small table).
  const size_t len = dsrlb_align_up(bytes, kHugePage);
  void* raw = mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  // Construction happens once, before any packet: no memory for the table
  // is a fatal configuration error, as at any other init step.
  if (raw == MAP_FAILED) {
    std::fprintf(stderr,
                 "dsrlb: cannot map %zu MiB for a flow table: lower the flow "
                 "table size\n",
                 bytes >> 20);
    std::abort();
  }
  auto* base = static_cast<uint8_t*>(raw);
  auto* p = reinterpret_cast<uint8_t*>(
      dsrlb_align_up(reinterpret_cast<uintptr_t>(base), kHugePage));
  if (p > base) munmap(base, static_cast<size_t>(p - base));
  const size_t tail = static_cast<size_t>(base + len + kHugePage - (p + len));
  if (tail > 0) munmap(p + len, tail);
  madvise(p, len, MADV_HUGEPAGE);  // advisory: fine if it is refused
  Populate(p, len);
  return std::unique_ptr<void, Unmap>(p, Unmap{len});
}

FlowTable::FlowTable(uint32_t capacity) {
  uint32_t c = kWays;
  while (c < capacity && c < (1u << 31)) c <<= 1;
  capacity_ = c;
  bucket_mask_ = c / kWays - 1;
  // Zeroed anonymous memory: every bucket free, every entry zero.
  bucket_memory_ = Map(sizeof(Bucket) * (c / kWays));
  entry_memory_ = Map(sizeof(FlowEntry) * size_t{c});
  buckets_ = static_cast<Bucket*>(bucket_memory_.get());
  entries_ = static_cast<FlowEntry*>(entry_memory_.get());
}

uint32_t FlowTable::Insert(const FlowKey& key, uint64_t hash, uint32_t now,
                           uint32_t timeout, InsertResult* result) {
  const uint32_t b = BucketOf(hash);
  Bucket& bucket = buckets_[b];
  uint32_t victim;
  // A free way (tag 0) found by the same one-compare tag test as lookups;
  // only a full bucket walks its stamps for the least recently used way.
  if (const uint32_t free = TagMatches(bucket, 0); free != 0) {
    victim = static_cast<uint32_t>(__builtin_ctz(free));
    *result = InsertResult::kFree;
    live_++;
  } else {
    victim = 0;
    uint32_t oldest_age = now - bucket.stamp[0];
    for (uint32_t w = 1; w < kWays; w++) {
      const uint32_t age = now - bucket.stamp[w];
      if (age > oldest_age) {
        victim = w;
        oldest_age = age;
      }
    }
    *result = oldest_age > entries_[b * kWays + victim].timeout
                  ? InsertResult::kExpired
                  : InsertResult::kEvicted;
  }
  FlowEntry& e = entries_[b * kWays + victim];
  bucket.sig[victim] = Sig(hash);
  bucket.mark[victim] = 0;
  bucket.stamp[victim] = now;
  e.key = key;
  e.timeout = timeout;
  return b * kWays + victim;
}

uint32_t FlowTable::Occupied() const {
  uint32_t n = 0;
  for (uint32_t b = 0; b <= bucket_mask_; b++)
    for (uint32_t w = 0; w < kWays; w++) n += buckets_[b].sig[w] != 0;
  return n;
}

void FlowTable::ClearMarks() {
  for (uint32_t b = 0; b <= bucket_mask_; b++)
    std::memset(buckets_[b].mark, 0, sizeof(buckets_[b].mark));
}

void FlowTable::Clear() {
  live_ = 0;
  std::memset(static_cast<void*>(buckets_), 0,
              sizeof(Bucket) * (bucket_mask_ + 1));
}

}  // namespace dsrlb::dataplane
