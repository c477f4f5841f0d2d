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

// The fingerprint of VIP record `v` of `slot` (a published, valid slot).
// DSRLB_HASH_MIX64_V1 throughout (dsrlb_shm.h): the same on every host.
uint64_t RingFingerprint(const shm::SlotView& slot, uint32_t v,
                         FingerprintScratch* scratch);

// 16 lowercase hex digits, as dsrlbctl shows it.
std::string FingerprintText(uint64_t fingerprint);

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_RING_FINGERPRINT_H_
