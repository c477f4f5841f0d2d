// TableSpec -> slot records and rings.
#include "controlplane/tables/table_builder.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::tables {

absl::Status FillSlot(const TableSpec& spec, shm::SlotView& slot) {
  const shm::TableGeometry& g = slot.geometry;
  if (spec.vips.size() > g.max_vips)
    return absl::ResourceExhaustedError(absl::StrCat(
        spec.vips.size(), " VIPs, the table region holds ", g.max_vips));
  size_t total_backends = 1;
  for (const VipSpec& v : spec.vips) total_backends += v.backends.size();
  if (total_backends > g.max_backends)
    return absl::ResourceExhaustedError(absl::StrCat(
        total_backends - 1, " real servers, the table region holds ",
        g.max_backends - 1));
  if (uint64_t{spec.ring_size} * spec.vips.size() > g.ring_pool_entries)
    return absl::ResourceExhaustedError(absl::StrCat(
        spec.vips.size(), " rings of ", spec.ring_size,
        " entries do not fit the ring pool (", g.ring_pool_entries, ")"));

  dsrlb_slot_header* h = slot.hdr;
  h->hash_seed = spec.hash_seed;
  h->hash_function = DSRLB_HASH_MIX64_V1;
  h->ring_size = spec.ring_size;
  h->num_vips = static_cast<uint32_t>(spec.vips.size());
  h->num_backends = static_cast<uint32_t>(total_backends);
  h->tcp_timeout_s = spec.tcp_timeout_s;
  h->udp_timeout_s = spec.udp_timeout_s;
  std::memcpy(h->port_mac, spec.port_mac.data(), 6);

  uint32_t next_backend = 1;
  for (size_t vi = 0; vi < spec.vips.size(); vi++) {
    const VipSpec& vs = spec.vips[vi];
    dsrlb_vip& vip = slot.vips[vi];
    std::memcpy(vip.addr, vs.address.bytes.data(), 16);
    vip.family = vs.address.family;
    vip.proto = vs.proto;
    vip.port = vs.port;
    vip.flags = DSRLB_VIP_IN_USE | (vs.active ? DSRLB_VIP_ACTIVE : 0) |
                (vs.port == 0 ? DSRLB_VIP_ALL_PORTS : 0) |
                (vs.persistence_timeout_s > 0 ? DSRLB_VIP_PERSISTENT : 0);
    vip.persistence_timeout_s = vs.persistence_timeout_s;
    vip.ring_offset = static_cast<uint32_t>(vi * spec.ring_size);
    if (absl::Status st = slot.IndexVip(static_cast<int>(vi)); !st.ok())
      return absl::Status(
          st.code(), absl::StrCat("VIP ", vs.address.ToString(), ":", vs.port,
                                  ": ", st.message()));

    std::vector<MaglevBackend> mb;
    mb.reserve(vs.backends.size());
    const uint32_t first = next_backend;
    for (const BackendSpec& bs : vs.backends) {
      dsrlb_backend& b = slot.backends[next_backend++];
      std::memcpy(b.addr, bs.address.bytes.data(), 16);
      b.family = bs.address.family;
      b.state = static_cast<uint8_t>(bs.state);
      std::memcpy(b.mac, bs.mac.data(), 6);
      b.port = bs.port;
      b.vip = static_cast<uint16_t>(vi);
      b.weight = bs.weight;
      uint32_t ring_weight = bs.state == DSRLB_BACKEND_UP ? bs.weight : 0;
      mb.push_back(MaglevBackend{
          BackendKey(bs.address.family, bs.address.bytes.data(), bs.port),
          ring_weight});
      if (ring_weight > 0) vip.num_backends_in_ring++;
    }
    ASSIGN_OR_RETURN(std::vector<uint32_t> ring,
                     BuildMaglevRing(mb, spec.ring_size, /*allow_empty=*/true));
    uint16_t* out = slot.rings + vip.ring_offset;
    for (uint32_t i = 0; i < spec.ring_size; i++)
      out[i] =
          ring[i] == kNoBackend ? 0 : static_cast<uint16_t>(first + ring[i]);
  }
  return absl::OkStatus();
}

absl::Status PublishSpec(shm::TableWriter& writer, const TableSpec& spec,
                         const shm::StatsRegion* readers) {
  ASSIGN_OR_RETURN(shm::SlotView slot, writer.BeginPublish(readers));
  if (absl::Status st = FillSlot(spec, slot); !st.ok()) {
    // Leave the current table in force: nothing was published.
    writer.AbortPublish();
    return st;
  }
  return writer.CommitPublish().status();
}

}  // namespace dsrlb::tables
