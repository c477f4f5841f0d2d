// libFuzzer target: any bytes as a table region, through the validator
// (TableRegion::FromMemory, then SlotView::Validate on each slot). The
// harness rewrites each slot's checksum first, so inputs reach the
// consistency checks behind it. A slot the validator accepts must be safe to
// use as the workers do: a VIP lookup lands on an in-use VIP below num_vips
// with the key looked up, every ring entry is a backend index below
// num_backends, every backend is owned by a VIP in range. ASan
// catches a read the validator should have refused. Stateless: each input
// gets its own copy of the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "dataplane/shm/table_region.h"

namespace {

using dsrlb::shm::SlotView;
using dsrlb::shm::TableRegion;

void Check(bool cond) {
  if (!cond) std::abort();
}

// Uses an accepted slot the way the pipeline does.
void Exercise(const SlotView& s) {
  const dsrlb_slot_header& h = *s.hdr;
  for (uint32_t v = 0; v < h.num_vips; v++) {
    const dsrlb_vip& vip = s.vips[v];
    if (!(vip.flags & DSRLB_VIP_IN_USE)) continue;
    // Not refused (yet): two records with one key (the lookup finds one),
    // an in-use VIP missing from the index (its packets drop as no_vip).
    const int found = s.FindVip(vip.family, vip.addr, vip.proto, vip.port);
    if (found < 0) continue;
    Check(static_cast<uint32_t>(found) < h.num_vips);
    const dsrlb_vip& f = s.vips[found];
    Check((f.flags & DSRLB_VIP_IN_USE) && f.family == vip.family &&
          f.proto == vip.proto && f.port == vip.port);
    const uint16_t* ring = s.Ring(static_cast<int>(v));
    for (uint32_t i = 0; i < h.ring_size; i++) Check(ring[i] < h.num_backends);
  }
  for (uint32_t b = 1; b < h.num_backends; b++)
    Check(s.backends[b].vip < h.num_vips);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;
  // 8-byte aligned, exactly `size` bytes: ASan sees any read past the end.
  std::unique_ptr<uint64_t[]> words(new uint64_t[size / 8 + 1]);
  uint8_t* base = reinterpret_cast<uint8_t*>(words.get());
  std::memcpy(base, data, size);
  auto region = TableRegion::FromMemory(base, size);
  if (!region.ok()) return 0;
  for (int i = 0; i < 2; i++) {
    const SlotView& s = region->slot(i);
    s.hdr->checksum = s.ComputeChecksum();
    if (s.Validate().ok()) Exercise(s);
  }
  (void)region->ValidatedCurrent();
  return 0;
}
