// RingSequenceHash folds each entry's backend identity in order (an empty
// entry, backend 0, folds 0); RingFingerprint hashes it with the header
// words.
#include "controlplane/tables/ring_fingerprint.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"

namespace dsrlb::tables {
namespace {

// "DSRLBFP1" as a little-endian word: this fingerprint's own seed.
constexpr uint64_t kFingerprintSeed = 0x315046424C525344ULL;
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

uint64_t BackendIdentity(const dsrlb_backend& b) {
  uint64_t w[3];
  std::memcpy(&w[0], b.addr, 8);
  std::memcpy(&w[1], b.addr + 8, 8);
  w[2] = (uint64_t{b.family} << 16) | b.port;
  return dsrlb_hash_words(kFingerprintSeed, w, 3);
}

}  // namespace

uint64_t FingerprintScratch::Identity(const shm::SlotView& slot, uint16_t b) {
  if (b == 0 || b >= slot.hdr->num_backends) return 0;
  if (b >= stamp_.size()) {
    stamp_.resize(slot.hdr->num_backends, 0);
    identity_.resize(slot.hdr->num_backends, 0);
  }
  if (stamp_[b] != epoch_) {
    identity_[b] = BackendIdentity(slot.backends[b]);
    stamp_[b] = epoch_;
  }
  return identity_[b];
}

// A new epoch forgets every identity (the next ring may be in another
// slot, where record b is another server).
void FingerprintScratch::NextRing() {
  if (++epoch_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0);
    epoch_ = 1;
  }
}

uint64_t RingSequenceHash(const shm::SlotView& slot, uint32_t v,
                          FingerprintScratch* scratch) {
  scratch->NextRing();
  uint64_t h = kFingerprintSeed;
  const uint16_t* ring = slot.Ring(static_cast<int>(v));
  for (uint32_t i = 0; i < slot.vips[v].ring_size; i++)
    h = dsrlb_mix64(h ^ scratch->Identity(slot, ring[i])) + kGolden;
  return dsrlb_mix64(h);
}

uint64_t RingFingerprint(const shm::SlotView& slot, uint32_t v,
                         uint64_t sequence_hash) {
  const dsrlb_vip& vip = slot.vips[v];
  const uint64_t persistent = (vip.flags & DSRLB_VIP_PERSISTENT) != 0;
  const uint64_t words[5] = {
      slot.hdr->hash_seed, slot.hdr->hash_function, vip.ring_size,
      persistent | (uint64_t{vip.persistence_prefix_len} << 8), sequence_hash};
  return dsrlb_hash_words(kFingerprintSeed, words, 5);
}

std::string FingerprintText(uint64_t fingerprint) {
  return absl::StrFormat("%016x", fingerprint);
}

}  // namespace dsrlb::tables
