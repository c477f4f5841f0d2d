// Table region: geometry checks, checksums, the writer's publish protocol.
#include "dataplane/shm/table_region.h"

#include <unistd.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "dataplane/shm/region_check.h"
#include "dataplane/shm/stats_region.h"

namespace dsrlb::shm {
namespace {

bool IsPowerOfTwo(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Folds `len` bytes into `h` eight at a time (the tail zero-padded).
uint64_t FoldBytes(uint64_t h, const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = dsrlb_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  if (i < len) {
    uint64_t w = 0;
    std::memcpy(&w, p + i, len - i);
    h = dsrlb_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  return h;
}

SlotView MakeSlotView(uint8_t* base, uint64_t offset,
                      const TableGeometry& geometry) {
  dsrlb_slot_layout l = geometry.Layout();
  uint8_t* s = base + offset;
  SlotView v;
  v.hdr = reinterpret_cast<dsrlb_slot_header*>(s);
  v.vip_index = reinterpret_cast<uint16_t*>(s + l.vip_index_offset);
  v.vips = reinterpret_cast<dsrlb_vip*>(s + l.vips_offset);
  v.backends = reinterpret_cast<dsrlb_backend*>(s + l.backends_offset);
  v.rings = reinterpret_cast<uint16_t*>(s + l.rings_offset);
  v.geometry = geometry;
  return v;
}

}  // namespace

absl::Status TableGeometry::Validate() const {
  RETURN_IF_ERROR(CheckVipAndBackendCounts(max_vips, max_backends));
  if (!IsPowerOfTwo(vip_index_size) || vip_index_size < 2 * max_vips)
    return absl::InvalidArgumentError(
        absl::StrCat("vip_index_size ", vip_index_size,
                     " must be a power of two of at least 2 * max_vips (",
                     2 * max_vips, ")"));
  if (ring_pool_entries == 0)
    return absl::InvalidArgumentError("ring_pool_entries is 0");
  return absl::OkStatus();
}

uint64_t TableGeometry::RegionSize() const {
  uint64_t slot = Layout().slot_size;
  return dsrlb_align_up(sizeof(dsrlb_table_header), 4096) +
         2 * dsrlb_align_up(slot, 4096);
}

absl::Status SlotView::IndexVip(int v) {
  const dsrlb_vip& vip = vips[v];
  if (Probe(vip.family, vip.addr, vip.proto, vip.port) >= 0)
    return absl::AlreadyExistsError("VIP already in the index");
  uint32_t mask = geometry.vip_index_size - 1;
  uint32_t i = dsrlb_vip_index_start(vip.family, vip.addr, vip.proto, vip.port,
                                     geometry.vip_index_size);
  for (uint32_t n = 0; n < geometry.vip_index_size; n++, i = (i + 1) & mask) {
    if (vip_index[i] == 0) {
      vip_index[i] = static_cast<uint16_t>(v + 1);
      return absl::OkStatus();
    }
  }
  return absl::ResourceExhaustedError("VIP index full");
}

void SlotView::Clear() {
  std::memset(hdr, 0, sizeof(*hdr));
  std::memset(vip_index, 0, sizeof(uint16_t) * geometry.vip_index_size);
  std::memset(vips, 0, sizeof(dsrlb_vip) * geometry.max_vips);
  std::memset(backends, 0, sizeof(dsrlb_backend) * geometry.max_backends);
}

uint64_t SlotView::VipHash(uint32_t v, const dsrlb_vip& vip) {
  return dsrlb_mix64(FoldBytes(dsrlb_mix64(uint64_t{v} ^ (uint64_t{1} << 40)),
                               &vip, sizeof(vip)));
}

uint64_t SlotView::BackendHash(uint32_t b, const dsrlb_backend& backend) {
  return dsrlb_mix64(FoldBytes(dsrlb_mix64(uint64_t{b} ^ (uint64_t{2} << 40)),
                               &backend, sizeof(backend)));
}

uint64_t SlotView::RingHash(uint32_t v, const uint16_t* ring, uint32_t m) {
  return dsrlb_mix64(
      FoldBytes(dsrlb_mix64(uint64_t{v} + 1), ring, sizeof(uint16_t) * m));
}

uint64_t SlotView::RecordSum() const {
  uint64_t sum = 0;
  uint32_t nv = std::min(hdr->num_vips, geometry.max_vips);
  uint32_t nb = std::min(hdr->num_backends, geometry.max_backends);
  for (uint32_t v = 0; v < nv; v++) sum += VipHash(v, vips[v]);
  for (uint32_t b = 0; b < nb; b++) sum += BackendHash(b, backends[b]);
  return sum;
}

uint64_t SlotView::ChecksumWithSums(uint64_t record_sum,
                                    uint64_t ring_sum) const {
  // Everything a reader acts on: the header less its checksum and the
  // index, folded; the used VIP and backend records and the rings of VIPs
  // in use as sums of per-record and per-ring hashes (so a writer can
  // update them record by record).
  uint64_t h = FoldBytes(0x6473726c62ULL, &hdr->generation, 8);
  h = FoldBytes(h, &hdr->hash_seed,
                sizeof(*hdr) - offsetof(dsrlb_slot_header, hash_seed));
  h = FoldBytes(h, vip_index, sizeof(uint16_t) * geometry.vip_index_size);
  return dsrlb_mix64(dsrlb_mix64(h ^ record_sum) ^ ring_sum);
}

uint64_t SlotView::RingSum() const {
  uint64_t sum = 0;
  uint32_t nv = std::min(hdr->num_vips, geometry.max_vips);
  for (uint32_t v = 0; v < nv; v++) {
    if (!(vips[v].flags & DSRLB_VIP_IN_USE)) continue;
    uint64_t end = uint64_t{vips[v].ring_offset} + vips[v].ring_size;
    if (end > geometry.ring_pool_entries) continue;  // Validate() reports it
    sum += RingHash(v, Ring(static_cast<int>(v)), vips[v].ring_size);
  }
  return sum;
}

uint64_t SlotView::ComputeChecksum() const {
  return ChecksumWithRings(RingSum());
}

absl::Status SlotView::Validate() const {
  RETURN_IF_ERROR(ValidateRecords(/*scan_rings=*/true));
  uint64_t sum = ComputeChecksum();
  if (sum != hdr->checksum)
    return absl::DataLossError(absl::StrFormat(
        "slot checksum mismatch: stored 0x%016x, computed 0x%016x",
        hdr->checksum, sum));
  return absl::OkStatus();
}

absl::Status SlotView::ValidateSome(
    const std::vector<uint32_t>& some_vips,
    const std::vector<uint32_t>& some_backends) const {
  for (uint32_t v : some_vips) {
    if (v >= hdr->num_vips)
      return absl::DataLossError(
          absl::StrCat("VIP record ", v, ", slot has ", hdr->num_vips));
    if (!(vips[v].flags & DSRLB_VIP_IN_USE)) continue;
    uint64_t end = uint64_t{vips[v].ring_offset} + vips[v].ring_size;
    if (end > geometry.ring_pool_entries)
      return absl::DataLossError(absl::StrCat("VIP ", v, " ring ends at ", end,
                                              ", past the ring pool (",
                                              geometry.ring_pool_entries, ")"));
    const uint16_t* ring = Ring(static_cast<int>(v));
    for (uint32_t i = 0; i < vips[v].ring_size; i++) {
      if (ring[i] >= hdr->num_backends)
        return absl::DataLossError(
            absl::StrCat("VIP ", v, " ring entry ", i, " names backend ",
                         ring[i], ", slot has ", hdr->num_backends));
    }
  }
  for (uint32_t b : some_backends) {
    if (b == 0 || b >= hdr->num_backends || backends[b].vip >= hdr->num_vips)
      return absl::DataLossError(absl::StrCat(
          "backend ", b, " (of VIP ",
          b < geometry.max_backends ? backends[b].vip : 0, "), slot has ",
          hdr->num_backends, " backends, ", hdr->num_vips, " VIPs"));
  }
  return absl::OkStatus();
}

absl::Status SlotView::ValidateRecords(bool scan_rings) const {
  if (hdr->num_vips > geometry.max_vips)
    return absl::DataLossError(absl::StrCat("slot holds ", hdr->num_vips,
                                            " VIPs, region max is ",
                                            geometry.max_vips));
  if (hdr->num_backends > geometry.max_backends)
    return absl::DataLossError(absl::StrCat("slot holds ", hdr->num_backends,
                                            " backends, region max is ",
                                            geometry.max_backends));
  if (hdr->hash_function != DSRLB_HASH_MIX64_V1)
    return absl::DataLossError(
        absl::StrCat("slot uses hash function ", hdr->hash_function,
                     ", this build knows ", int{DSRLB_HASH_MIX64_V1}));
  for (uint32_t v = 0; v < hdr->num_vips; v++) {
    if (!(vips[v].flags & DSRLB_VIP_IN_USE)) continue;
    const uint32_t m = vips[v].ring_size;
    uint64_t end = uint64_t{vips[v].ring_offset} + m;
    if (end > geometry.ring_pool_entries)
      return absl::DataLossError(absl::StrCat("VIP ", v, " ring ends at ", end,
                                              ", past the ring pool (",
                                              geometry.ring_pool_entries, ")"));
    if (!scan_rings) continue;
    const uint16_t* ring = Ring(static_cast<int>(v));
    for (uint32_t i = 0; i < m; i++) {
      if (ring[i] >= hdr->num_backends)
        return absl::DataLossError(
            absl::StrCat("VIP ", v, " ring entry ", i, " names backend ",
                         ring[i], ", slot has ", hdr->num_backends));
    }
  }
  for (uint32_t b = 1; b < hdr->num_backends; b++) {
    if (backends[b].vip >= hdr->num_vips)
      return absl::DataLossError(absl::StrCat("backend ", b, " belongs to VIP ",
                                              backends[b].vip, ", slot has ",
                                              hdr->num_vips));
  }
  // FindVip reads vips[e - 1] for every index entry e it probes.
  for (uint32_t i = 0; i < geometry.vip_index_size; i++) {
    const uint16_t e = vip_index[i];
    if (e != 0 &&
        (e > hdr->num_vips || !(vips[e - 1].flags & DSRLB_VIP_IN_USE)))
      return absl::DataLossError(absl::StrCat(
          "VIP index entry ", i, " names VIP ", e - 1, ", slot has ",
          hdr->num_vips, e > hdr->num_vips ? "" : " and that one is unused"));
  }
  return absl::OkStatus();
}

void TableRegion::Init(uint8_t* base, const TableGeometry& geometry) {
  auto* h = reinterpret_cast<dsrlb_table_header*>(base);
  std::memset(h, 0, sizeof(*h));
  h->magic = DSRLB_TABLE_MAGIC;
  h->version = DSRLB_FORMAT_VERSION;
  h->header_size = sizeof(dsrlb_table_header);
  h->region_size = geometry.RegionSize();
  h->slot_size = dsrlb_align_up(geometry.Layout().slot_size, 4096);
  h->slot_offset[0] = dsrlb_align_up(sizeof(dsrlb_table_header), 4096);
  h->slot_offset[1] = h->slot_offset[0] + h->slot_size;
  h->max_vips = geometry.max_vips;
  h->max_backends = geometry.max_backends;
  h->vip_index_size = geometry.vip_index_size;
  h->ring_pool_entries = geometry.ring_pool_entries;
  h->writer_pid = static_cast<uint64_t>(getpid());
}

absl::StatusOr<TableRegion> TableRegion::FromMemory(uint8_t* base,
                                                    size_t size) {
  RETURN_IF_ERROR(CheckRegionPrologue(
      "table", base, size, sizeof(dsrlb_table_header), DSRLB_TABLE_MAGIC));
  auto* h = reinterpret_cast<dsrlb_table_header*>(base);
  if (h->header_size != sizeof(dsrlb_table_header))
    return absl::FailedPreconditionError(
        absl::StrCat("table region: header size ", h->header_size,
                     ", expected ", sizeof(dsrlb_table_header)));
  TableGeometry g{h->max_vips, h->max_backends, h->vip_index_size,
                  h->ring_pool_entries};
  if (absl::Status st = g.Validate(); !st.ok())
    return absl::FailedPreconditionError(
        absl::StrCat("table region: bad geometry: ", st.message()));
  if (h->region_size != size || g.RegionSize() != size)
    return absl::FailedPreconditionError(absl::StrCat(
        "table region: size mismatch: header says ", h->region_size,
        " bytes, geometry needs ", g.RegionSize(), ", mapping is ", size));
  uint64_t slot_size = dsrlb_align_up(g.Layout().slot_size, 4096);
  uint64_t first = dsrlb_align_up(sizeof(dsrlb_table_header), 4096);
  if (h->slot_size != slot_size || h->slot_offset[0] != first ||
      h->slot_offset[1] != first + slot_size)
    return absl::FailedPreconditionError(
        "table region: slot offsets disagree with its geometry");
  TableRegion r;
  r.hdr_ = h;
  r.geometry_ = g;
  r.slots_[0] = MakeSlotView(base, h->slot_offset[0], g);
  r.slots_[1] = MakeSlotView(base, h->slot_offset[1], g);
  return r;
}

absl::StatusOr<const SlotView*> TableRegion::ValidatedCurrent() const {
  uint64_t g = LoadGeneration();
  if (g == 0) return absl::UnavailableError("no table published yet");
  const SlotView& s = slots_[g & 1];
  if (s.hdr->generation != g)
    return absl::DataLossError(
        absl::StrCat("slot ", g & 1, " holds generation ", s.hdr->generation,
                     ", header says ", g));
  absl::Status st = s.Validate();
  if (!st.ok())
    return absl::Status(st.code(), absl::StrCat("table region slot ", g & 1,
                                                ": ", st.message()));
  return &s;
}

absl::Status WaitForReaders(const StatsRegion& readers, uint64_t generation,
                            const PublishOptions& options) {
  struct Watch {
    uint64_t heartbeat;
    absl::Time since;
  };
  const uint32_t n = readers.geometry().max_lcores;
  std::vector<Watch> watch(n, Watch{~0ull, absl::InfinitePast()});
  const absl::Time deadline = absl::Now() + options.timeout;
  // Pairs with the reader's seq_cst store of seen_generation: the caller
  // stored the new generation before calling us.
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  for (;;) {
    if (__atomic_load_n(&readers.header()->running, __ATOMIC_ACQUIRE) == 0)
      return absl::OkStatus();
    absl::Time now = absl::Now();
    std::vector<uint32_t> holding;
    for (uint32_t l = 0; l < n; l++) {
      const dsrlb_lcore_stats* s = readers.lcore(l);
      if (!(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & DSRLB_LCORE_ACTIVE))
        continue;
      uint64_t seen = __atomic_load_n(&s->seen_generation, __ATOMIC_SEQ_CST);
      if (seen == 0 || seen >= generation) continue;
      uint64_t hb = __atomic_load_n(&s->heartbeat, __ATOMIC_RELAXED);
      if (hb != watch[l].heartbeat) watch[l] = Watch{hb, now};
      if (now - watch[l].since >= options.dead_after) continue;  // dead
      holding.push_back(s->lcore_id);
    }
    if (holding.empty()) return absl::OkStatus();
    if (now >= deadline)
      return absl::DeadlineExceededError(absl::StrCat(
          "lcores ", absl::StrJoin(holding, ","), " still use generation < ",
          generation, " after ", absl::FormatDuration(options.timeout)));
    std::this_thread::yield();
  }
}

absl::StatusOr<TableWriter> TableWriter::Create(const std::string& path,
                                                const TableGeometry& geometry) {
  RETURN_IF_ERROR(geometry.Validate());
  ASSIGN_OR_RETURN(
      MappedFile file,
      MappedFile::Create(path, geometry.RegionSize(), [&](uint8_t* base) {
        TableRegion::Init(base, geometry);
      }));
  ASSIGN_OR_RETURN(TableRegion region,
                   TableRegion::FromMemory(file.data(), file.size()));
  return TableWriter(std::move(file), region);
}

absl::StatusOr<TableWriter> TableWriter::Open(const std::string& path) {
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path, /*writable=*/true));
  ASSIGN_OR_RETURN(TableRegion region,
                   TableRegion::FromMemory(file.data(), file.size()));
  region.header()->writer_pid = static_cast<uint64_t>(getpid());
  return TableWriter(std::move(file), region);
}

absl::StatusOr<SlotView> TableWriter::BeginPublish(
    const StatsRegion* readers, const PublishOptions& options) {
  uint64_t current = region_.LoadGeneration();
  // The next generation reuses the slot of generation current - 1; no
  // reader may still be on it.
  if (readers != nullptr && current > 0)
    RETURN_IF_ERROR(WaitForReaders(*readers, current, options));
  SlotView slot = region_.slot(static_cast<int>((current + 1) & 1));
  slot.Clear();
  slot.hdr->generation = current + 1;
  slot.hdr->hash_function = DSRLB_HASH_MIX64_V1;
  in_publish_ = true;
  return slot;
}

absl::StatusOr<SlotView> TableWriter::BeginPatch(
    const StatsRegion* readers, const PublishOptions& options) {
  uint64_t current = region_.LoadGeneration();
  if (current == 0)
    return absl::FailedPreconditionError("nothing published to patch");
  if (readers != nullptr)
    RETURN_IF_ERROR(WaitForReaders(*readers, current, options));
  SlotView slot = region_.slot(static_cast<int>((current + 1) & 1));
  slot.hdr->generation = current + 1;
  in_publish_ = true;
  return slot;
}

absl::StatusOr<uint64_t> TableWriter::CommitPatch(
    uint64_t record_sum, uint64_t ring_sum, const std::vector<uint32_t>& vips,
    const std::vector<uint32_t>& backends) {
  if (!in_publish_)
    return absl::FailedPreconditionError("CommitPatch without BeginPatch");
  in_publish_ = false;
  uint64_t next = region_.LoadGeneration() + 1;
  const SlotView& slot = region_.slot(static_cast<int>(next & 1));
  RETURN_IF_ERROR(slot.ValidateSome(vips, backends));
  slot.hdr->checksum = slot.ChecksumWithSums(record_sum, ring_sum);
  dsrlb_table_header* h = region_.header();
  h->publish_time_ns = RealtimeNs();
  __atomic_store_n(&h->generation, next, __ATOMIC_SEQ_CST);
  return next;
}

absl::StatusOr<uint64_t> TableWriter::CommitPublish(
    std::optional<uint64_t> ring_sum) {
  if (!in_publish_)
    return absl::FailedPreconditionError("CommitPublish without BeginPublish");
  in_publish_ = false;
  uint64_t next = region_.LoadGeneration() + 1;
  const SlotView& slot = region_.slot(static_cast<int>(next & 1));
  if (ring_sum.has_value()) {
    // The caller built every ring it did not copy from a validated table
    // and knows their hashes: records checked, rings not scanned again.
    slot.hdr->checksum = slot.ChecksumWithRings(*ring_sum);
    RETURN_IF_ERROR(slot.ValidateRecords(/*scan_rings=*/false));
  } else {
    slot.hdr->checksum = slot.ComputeChecksum();
    RETURN_IF_ERROR(slot.Validate());
  }
  dsrlb_table_header* h = region_.header();
  h->publish_time_ns = RealtimeNs();
  __atomic_store_n(&h->generation, next, __ATOMIC_SEQ_CST);
  return next;
}

}  // namespace dsrlb::shm
