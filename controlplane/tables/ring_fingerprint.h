// A fingerprint of one VIP's ring as a flow sees it: which real server
// (address, port) each ring entry names, in order, with what else picks the
// entry (hash function and seed, ring size, persistence). Backend record
// numbers do not enter it, so two schedulers whose records differ (servers
// added in another order) agree exactly when they send every flow of the
// VIP to the same real server.
#ifndef DSRLB_CONTROLPLANE_TABLES_RING_FINGERPRINT_H_
#define DSRLB_CONTROLPLANE_TABLES_RING_FINGERPRINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/shm/table_region.h"

namespace dsrlb::tables {

// Backend identities already hashed, kept between calls so that a ring
// costs one array read per entry (a publish fingerprints every ring it
// builds).
class FingerprintScratch {
 public:
  uint64_t Identity(const shm::SlotView& slot, uint16_t b);
  void NextRing();

 private:
  std::vector<uint64_t> identity_;
  std::vector<uint32_t> stamp_;  // identity_[b] is this ring's when equal
  uint32_t epoch_ = 0;
};

// DSRLB_HASH_MIX64_V1 throughout (dsrlb_shm.h): the same on every host.
// The sequence: which real server each entry of VIP record `v`'s ring in
// `slot` (a published, valid slot) names, in order. It follows from the
// ring's inputs alone (RingRecord::fingerprint), so it can be kept.
uint64_t RingSequenceHash(const shm::SlotView& slot, uint32_t v,
                          FingerprintScratch* scratch);
// The fingerprint: the sequence with the rest of what picks an entry (hash
// function and seed, ring size, persistence), read from `slot`.
uint64_t RingFingerprint(const shm::SlotView& slot, uint32_t v,
                         uint64_t sequence_hash);

// 16 lowercase hex digits, as dsrlbctl shows it.
std::string FingerprintText(uint64_t fingerprint);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_RING_FINGERPRINT_H_
