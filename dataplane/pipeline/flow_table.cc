// Flow table: 8-way buckets, tags and stamps on one cache line per bucket.
#include "dataplane/pipeline/flow_table.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::dataplane {

void FlowTable::Unmap::operator()(void* p) const { munmap(p, bytes); }

std::unique_ptr<void, FlowTable::Unmap> FlowTable::Map(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  // Construction happens once, before any packet: no memory for the table
  // is a fatal configuration error, as at any other init step.
  if (p == MAP_FAILED) {
    std::fprintf(stderr,
                 "dsrlb: cannot map %zu MiB for a flow table: lower the flow "
                 "table size\n", bytes >> 20);
    std::abort();
  }
  madvise(p, bytes, MADV_HUGEPAGE);  // advisory: fine if it is refused
  return std::unique_ptr<void, Unmap>(p, Unmap{bytes});
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

uint32_t FlowTable::Find(const FlowKey& key, uint64_t hash, uint32_t now,
                         FindResult* result) {
  const uint32_t b = BucketOf(hash);
  const uint32_t sig = Sig(hash);
  Bucket& bucket = buckets_[b];
  for (uint32_t w = 0; w < kWays; w++) {
    if (bucket.sig[w] != sig) continue;
    const uint32_t index = b * kWays + w;
    const FlowEntry& e = entries_[index];
    if (!(e.key == key)) continue;
    if (now - bucket.stamp[w] > e.timeout) {
      bucket.sig[w] = 0;
      *result = FindResult::kExpired;
      return kNone;
    }
    *result = FindResult::kHit;
    return index;
  }
  *result = FindResult::kMiss;
  return kNone;
}

uint32_t FlowTable::Insert(const FlowKey& key, uint64_t hash, uint32_t now,
                           uint32_t timeout, InsertResult* result) {
  const uint32_t b = BucketOf(hash);
  Bucket& bucket = buckets_[b];
  uint32_t victim = kWays;
  uint32_t oldest_age = 0;
  for (uint32_t w = 0; w < kWays; w++) {
    if (bucket.sig[w] == 0) {
      victim = w;
      break;
    }
    uint32_t age = now - bucket.stamp[w];
    if (victim == kWays || age > oldest_age) {
      victim = w;
      oldest_age = age;
    }
  }
  FlowEntry& e = entries_[b * kWays + victim];
  if (bucket.sig[victim] == 0)
    *result = InsertResult::kFree;
  else
    *result = oldest_age > e.timeout ? InsertResult::kExpired
                                     : InsertResult::kEvicted;
  bucket.sig[victim] = Sig(hash);
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

void FlowTable::Clear() {
  std::memset(static_cast<void*>(buckets_), 0,
              sizeof(Bucket) * (bucket_mask_ + 1));
}

}  // namespace dsrlb::dataplane
