// Flow table: 8-way buckets, tags and stamps on one cache line per bucket.
#include "dataplane/pipeline/flow_table.h"

#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::dataplane {

uint64_t FlowTable::Hash(const FlowKey& key) {
  uint64_t w[5];
  std::memcpy(w, &key, sizeof(w));
  // IPv4 keys are zero past the first 4 address bytes: skip those words.
  if (key.family == DSRLB_AF_INET) {
    uint64_t v4[2] = {w[0] ^ (w[2] << 32), w[4]};
    return dsrlb_hash_words(0x6c7f3e1d2b4a5968ULL, v4, 2);
  }
  return dsrlb_hash_words(0x6c7f3e1d2b4a5968ULL, w, 5);
}

FlowTable::FlowTable(uint32_t capacity) {
  uint32_t c = kWays;
  while (c < capacity && c < (1u << 31)) c <<= 1;
  capacity_ = c;
  bucket_mask_ = c / kWays - 1;
  buckets_ = std::make_unique<Bucket[]>(c / kWays);
  entries_ = std::make_unique<FlowEntry[]>(c);
  Clear();
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
  std::memset(static_cast<void*>(buckets_.get()), 0,
              sizeof(Bucket) * (bucket_mask_ + 1));
}

}  // namespace dsrlb::dataplane
