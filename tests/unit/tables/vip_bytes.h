// The bytes a dataplane reader acts on for one VIP record of a table slot:
// the record, its backend records (in record order) and its ring. Tests of
// patched publishes compare them to prove what a publish did not touch.
#ifndef DSRLB_TESTS_UNIT_TABLES_VIP_BYTES_H_
#define DSRLB_TESTS_UNIT_TABLES_VIP_BYTES_H_

#include <cstdint>
#include <vector>

#include "dataplane/shm/table_region.h"

namespace dsrlb::api {

struct VipBytes {
  std::vector<uint8_t> vip, backends, ring;
  bool operator==(const VipBytes&) const = default;
};

inline VipBytes BytesOf(const shm::SlotView& s, uint32_t v) {
  VipBytes out;
  const auto* p = reinterpret_cast<const uint8_t*>(&s.vips[v]);
  out.vip.assign(p, p + sizeof(dsrlb_vip));
  for (uint32_t b = 1; b < s.hdr->num_backends; b++) {
    if (s.backends[b].vip != v || s.backends[b].family == 0) continue;
    const auto* q = reinterpret_cast<const uint8_t*>(&s.backends[b]);
    out.backends.insert(out.backends.end(), q, q + sizeof(dsrlb_backend));
  }
  const auto* r = reinterpret_cast<const uint8_t*>(s.Ring(static_cast<int>(v)));
  out.ring.assign(r, r + 2 * s.RingSize(static_cast<int>(v)));
  return out;
}

// Every VIP record's bytes, in record order.
inline std::vector<VipBytes> AllBytes(const shm::SlotView& s) {
  std::vector<VipBytes> out;
  for (uint32_t v = 0; v < s.hdr->num_vips; v++) out.push_back(BytesOf(s, v));
  return out;
}

}  // namespace dsrlb::api

#endif  // DSRLB_TESTS_UNIT_TABLES_VIP_BYTES_H_
