// TableSpec -> slot records and rings.
#include "controlplane/tables/table_builder.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::tables {
namespace {

uint32_t PowerOfTwoAtLeast(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return static_cast<uint32_t>(p);
}

absl::Status CheckFits(const TableSpec& spec, const shm::TableGeometry& g) {
  shm::TableGeometry need = NeededGeometry(spec);
  if (need.max_vips > g.max_vips)
    return absl::ResourceExhaustedError(absl::StrCat(
        spec.vips.size(), " VIPs (highest record ", need.max_vips - 1,
        "), the table region holds ", g.max_vips));
  if (need.max_backends > g.max_backends)
    return absl::ResourceExhaustedError(absl::StrCat(
        need.max_backends - 1, " real servers, the table region holds ",
        g.max_backends - 1));
  if (need.ring_pool_entries > g.ring_pool_entries)
    return absl::ResourceExhaustedError(
        absl::StrCat("rings of ", need.ring_pool_entries,
                     " entries in all do not fit the ring pool (",
                     g.ring_pool_entries, ")"));
  for (size_t i = 0; i < spec.vips.size(); i++) {
    if (!IsPrime(spec.RingSizeOf(spec.vips[i])))
      return absl::InvalidArgumentError(
          absl::StrCat("VIP ", spec.vips[i].address.ToString(), ": ring size ",
                       spec.RingSizeOf(spec.vips[i]), " is not prime"));
  }
  return absl::OkStatus();
}

void FillHeader(const TableSpec& spec, const shm::TableGeometry& need,
                dsrlb_slot_header* h) {
  h->hash_seed = spec.hash_seed;
  h->hash_function = DSRLB_HASH_MIX64_V1;
  h->ring_size = spec.ring_size;
  h->num_vips = spec.vips.empty() ? 0 : need.max_vips;
  h->num_backends = need.max_backends;
  h->tcp_timeout_s = spec.tcp_timeout_s;
  h->udp_timeout_s = spec.udp_timeout_s;
  std::memcpy(h->port_mac, spec.port_mac.data(), 6);
}

void FillVipRecord(const VipSpec& vs, uint32_t ring_offset, uint32_t m,
                   dsrlb_vip& vip) {
  std::memcpy(vip.addr, vs.address.bytes.data(), 16);
  vip.family = vs.address.family;
  vip.proto = vs.proto;
  vip.port = vs.port;
  vip.flags = DSRLB_VIP_IN_USE | (vs.active ? DSRLB_VIP_ACTIVE : 0) |
              (vs.port == 0 ? DSRLB_VIP_ALL_PORTS : 0) |
              (vs.persistence_timeout_s > 0 ? DSRLB_VIP_PERSISTENT : 0);
  vip.persistence_timeout_s = vs.persistence_timeout_s;
  vip.persistence_prefix_len = vs.persistence_prefix_len;
  vip.ring_offset = ring_offset;
  vip.ring_size = m;
}

uint64_t Fingerprint(uint32_t m, const std::vector<MaglevBackend>& mb,
                     const std::vector<uint16_t>& index) {
  uint64_t h = dsrlb_mix64(m + 0x9e3779b97f4a7c15ULL);
  for (size_t i = 0; i < mb.size(); i++) {
    for (unsigned char c : mb[i].key) h = dsrlb_mix64(h ^ c) + 1;
    h = dsrlb_mix64(h ^ (uint64_t{mb[i].weight} << 16 | index[i]));
  }
  return h;
}

const RingRecord* Known(const std::vector<RingRecord>* rings, uint32_t record,
                        uint64_t fp, uint32_t m) {
  if (rings == nullptr || record >= rings->size()) return nullptr;
  const RingRecord& r = (*rings)[record];
  return r.fingerprint == fp && r.size == m ? &r : nullptr;
}

// Leaves VIP `record`'s ring where the slot already has it, or copies it
// from reuse->from; its hash, or nullopt when it must be built.
std::optional<uint64_t> ReuseRing(RingReuse* reuse, uint32_t record,
                                  uint64_t fp, const dsrlb_vip& vip,
                                  uint16_t* out) {
  if (reuse == nullptr) return std::nullopt;
  const RingRecord* here =
      Known(reuse->target_rings, record, fp, vip.ring_size);
  if (here != nullptr && here->offset == vip.ring_offset) return here->hash;
  const RingRecord* there = Known(reuse->from_rings, record, fp, vip.ring_size);
  if (there == nullptr || reuse->from == nullptr ||
      record >= reuse->from->hdr->num_vips)
    return std::nullopt;
  const dsrlb_vip& old = reuse->from->vips[record];
  if (!(old.flags & DSRLB_VIP_IN_USE) || old.ring_size != vip.ring_size)
    return std::nullopt;
  std::memcpy(out, reuse->from->Ring(static_cast<int>(record)),
              sizeof(uint16_t) * vip.ring_size);
  reuse->copied++;
  return there->hash;
}

void Remember(RingReuse* reuse, uint32_t record, const dsrlb_vip& vip,
              uint64_t fp, uint64_t hash) {
  if (reuse == nullptr) return;
  if (reuse->rings.size() <= record) reuse->rings.resize(record + 1);
  reuse->rings[record] = RingRecord{fp, vip.ring_offset, vip.ring_size, hash};
  reuse->ring_sum += hash;
}

// The backend records of VIP record `record` (BackendSpec::record, or
// numbered on from *next), then its ring.
absl::Status FillBackendsAndRing(const VipSpec& vs, uint32_t record,
                                 uint32_t* next, shm::SlotView& slot,
                                 RingReuse* reuse) {
  dsrlb_vip& vip = slot.vips[record];
  std::vector<MaglevBackend> mb;
  std::vector<uint16_t> index;
  mb.reserve(vs.backends.size());
  for (const BackendSpec& bs : vs.backends) {
    const uint32_t r = bs.record != 0 ? bs.record : *next;
    *next = r + 1;
    index.push_back(static_cast<uint16_t>(r));
    dsrlb_backend& b = slot.backends[r];
    if (b.family != 0)
      return absl::InvalidArgumentError(
          absl::StrCat("backend record ", r, " given twice"));
    std::memcpy(b.addr, bs.address.bytes.data(), 16);
    b.family = bs.address.family;
    b.state = static_cast<uint8_t>(bs.state);
    std::memcpy(b.mac, bs.mac.data(), 6);
    b.port = bs.port;
    b.vip = static_cast<uint16_t>(record);
    b.weight = bs.weight;
    uint32_t ring_weight = bs.state == DSRLB_BACKEND_UP ? bs.weight : 0;
    mb.push_back(MaglevBackend{
        BackendKey(bs.address.family, bs.address.bytes.data(), bs.port),
        ring_weight});
    if (ring_weight > 0) vip.num_backends_in_ring++;
  }
  const uint32_t m = vip.ring_size;
  uint16_t* out = slot.rings + vip.ring_offset;
  const uint64_t fp = Fingerprint(m, mb, index);
  if (std::optional<uint64_t> hash = ReuseRing(reuse, record, fp, vip, out)) {
    Remember(reuse, record, vip, fp, *hash);
    return absl::OkStatus();
  }
  if (reuse != nullptr) reuse->rebuilt.push_back(record);
  ASSIGN_OR_RETURN(std::vector<uint32_t> ring,
                   BuildMaglevRing(mb, m, /*allow_empty=*/true));
  for (uint32_t i = 0; i < m; i++)
    out[i] = ring[i] == kNoBackend ? 0 : index[ring[i]];
  Remember(reuse, record, vip, fp, shm::SlotView::RingHash(record, out, m));
  return absl::OkStatus();
}

}  // namespace

shm::TableGeometry NeededGeometry(const TableSpec& spec) {
  shm::TableGeometry g;
  uint64_t records = 0, backends = 1, next_backend = 1, ring = 0;
  for (size_t i = 0; i < spec.vips.size(); i++) {
    records = std::max<uint64_t>(records, uint64_t{spec.RecordOf(i)} + 1);
    for (const BackendSpec& b : spec.vips[i].backends) {
      const uint64_t r = b.record != 0 ? b.record : next_backend;
      next_backend = r + 1;
      backends = std::max(backends, r + 1);
    }
    ring += spec.RingSizeOf(spec.vips[i]);
  }
  // Saturate instead of wrapping: CheckFits compares against the region.
  g.max_vips = static_cast<uint32_t>(std::min<uint64_t>(records, UINT32_MAX));
  g.max_backends =
      static_cast<uint32_t>(std::min<uint64_t>(backends, UINT32_MAX));
  g.ring_pool_entries =
      static_cast<uint32_t>(std::min<uint64_t>(ring, UINT32_MAX));
  g.vip_index_size = PowerOfTwoAtLeast(2 * uint64_t{g.max_vips});
  return g;
}

bool Holds(const shm::TableGeometry& have, const shm::TableGeometry& need) {
  return have.max_vips >= need.max_vips &&
         have.max_backends >= need.max_backends &&
         have.ring_pool_entries >= need.ring_pool_entries &&
         have.vip_index_size >= need.vip_index_size;
}

shm::TableGeometry GrownGeometry(const shm::TableGeometry& need) {
  const shm::TableGeometry defaults;
  shm::TableGeometry g;
  g.max_vips = std::min<uint32_t>(
      DSRLB_MAX_VIPS,
      std::max(defaults.max_vips, PowerOfTwoAtLeast(need.max_vips)));
  g.max_vips = std::max(g.max_vips, need.max_vips);
  g.max_backends = std::min<uint32_t>(
      DSRLB_MAX_BACKENDS,
      std::max(defaults.max_backends, PowerOfTwoAtLeast(need.max_backends)));
  g.max_backends = std::max(g.max_backends, need.max_backends);
  g.vip_index_size = PowerOfTwoAtLeast(2 * uint64_t{g.max_vips});
  uint64_t ring = uint64_t{need.ring_pool_entries} * 5 / 4;
  ring = std::max<uint64_t>(ring, defaults.ring_pool_entries);
  g.ring_pool_entries = static_cast<uint32_t>(
      std::max<uint64_t>(std::min<uint64_t>(ring, DSRLB_MAX_RING_POOL_ENTRIES),
                         need.ring_pool_entries));
  return g;
}

absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot) {
  return FillSlot(spec, slot, nullptr);
}

absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot,
                      RingReuse* reuse) {
  RETURN_IF_ERROR(CheckFits(spec, slot.geometry));
  if (!spec.vip_records.empty() && spec.vip_records.size() != spec.vips.size())
    return absl::InvalidArgumentError("vip_records does not match vips");
  FillHeader(spec, NeededGeometry(spec), slot.hdr);
  uint32_t next_backend = 1;
  uint32_t ring_offset = 0;
  for (size_t i = 0; i < spec.vips.size(); i++) {
    const VipSpec& vs = spec.vips[i];
    const uint32_t record = spec.RecordOf(i);
    if (slot.vips[record].flags & DSRLB_VIP_IN_USE)
      return absl::InvalidArgumentError(
          absl::StrCat("VIP record ", record, " given twice"));
    const uint32_t m = spec.RingSizeOf(vs);
    FillVipRecord(vs, ring_offset, m, slot.vips[record]);
    if (absl::Status st = slot.IndexVip(static_cast<int>(record)); !st.ok())
      return absl::Status(
          st.code(), absl::StrCat("VIP ", vs.address.ToString(), ":", vs.port,
                                  ": ", st.message()));
    RETURN_IF_ERROR(
        FillBackendsAndRing(vs, record, &next_backend, slot, reuse));
    ring_offset += m;
  }
  return absl::OkStatus();
}

absl::Status RewriteVip(const TableSpec& spec, size_t i, shm::SlotView& slot,
                        RingReuse* reuse) {
  const VipSpec& vs = spec.vips[i];
  const uint32_t record = spec.RecordOf(i);
  const uint32_t m = spec.RingSizeOf(vs);
  if (record >= slot.hdr->num_vips ||
      !(slot.vips[record].flags & DSRLB_VIP_IN_USE) ||
      slot.vips[record].ring_size != m)
    return absl::FailedPreconditionError(
        absl::StrCat("VIP record ", record, " is not where the patch expects"));
  for (const BackendSpec& bs : vs.backends) {
    if (bs.record == 0 || bs.record >= slot.hdr->num_backends)
      return absl::FailedPreconditionError(
          absl::StrCat("backend record ", bs.record, " out of the slot"));
    std::memset(&slot.backends[bs.record], 0, sizeof(dsrlb_backend));
  }
  const uint32_t offset = slot.vips[record].ring_offset;
  std::memset(&slot.vips[record], 0, sizeof(dsrlb_vip));
  FillVipRecord(vs, offset, m, slot.vips[record]);
  uint32_t next = 1;
  return FillBackendsAndRing(vs, record, &next, slot, reuse);
}

absl::Status PublishSpec(shm::TableWriter& writer, const TableSpec& spec,
                         const shm::StatsRegion* readers, RingReuse* reuse) {
  ASSIGN_OR_RETURN(shm::SlotView slot, writer.BeginPublish(readers));
  if (absl::Status st = FillSlot(spec, slot, reuse); !st.ok()) {
    // Leave the current table in force: nothing was published.
    writer.AbortPublish();
    return st;
  }
  if (reuse == nullptr) return writer.CommitPublish().status();
  return writer.CommitPublish(reuse->ring_sum).status();
}

}  // namespace dsrlb::tables
