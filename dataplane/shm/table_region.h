// Typed access to the table region: create, validate, look up, publish.
#ifndef DSRLB_DATAPLANE_SHM_TABLE_REGION_H_
#define DSRLB_DATAPLANE_SHM_TABLE_REGION_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dataplane/shm/dsrlb_shm.h"
#include "dataplane/shm/mapped_file.h"

namespace dsrlb::shm {

class StatsRegion;

struct TableGeometry {
  uint32_t max_vips = DSRLB_DEFAULT_MAX_VIPS;
  uint32_t max_backends = DSRLB_DEFAULT_MAX_BACKENDS;
  uint32_t vip_index_size = DSRLB_DEFAULT_VIP_INDEX_SIZE;
  uint32_t ring_pool_entries = DSRLB_DEFAULT_RING_POOL_ENTRIES;

  absl::Status Validate() const;
  dsrlb_slot_layout Layout() const {
    return dsrlb_compute_slot_layout(max_vips, max_backends, vip_index_size,
                                     ring_pool_entries);
  }
  uint64_t RegionSize() const;
};

// Pointers into one slot of a mapped table region.
struct SlotView {
  dsrlb_slot_header* hdr = nullptr;
  uint16_t* vip_index = nullptr;
  dsrlb_vip* vips = nullptr;
  dsrlb_backend* backends = nullptr;
  uint16_t* rings = nullptr;
  TableGeometry geometry;

  // Index of the VIP for (family, addr, proto, port): an exact match first,
  // then an all-ports VIP on the same address and protocol; -1 if none.
  int FindVip(uint8_t family, const uint8_t* addr, uint8_t proto,
              uint16_t port) const {
    int v = Probe(family, addr, proto, port);
    return v >= 0 ? v : Probe(family, addr, proto, 0);
  }

  // The ring of VIP `v` (RingSize(v) entries; 0 = no backend).
  const uint16_t* Ring(int v) const { return rings + vips[v].ring_offset; }
  uint32_t RingSize(int v) const { return vips[v].ring_size; }

  // Inserts VIP `v` (already filled in vips[v]) into the open-addressing
  // index. Fails when the index is full or the key is already there.
  absl::Status IndexVip(int v);

  // Clears everything a checksum covers, ready for a new table.
  void Clear();
  uint64_t ComputeChecksum() const;
  // The checksum's parts, each a sum of hashes so a writer can update it
  // record by record and ring by ring: a hash per VIP record (index v), per
  // backend record (index b) and per ring (VIP record v, m entries); their
  // sums over the records the header counts (rings: of VIPs in use); and
  // the checksum given those sums.
  static uint64_t VipHash(uint32_t v, const dsrlb_vip& vip);
  static uint64_t BackendHash(uint32_t b, const dsrlb_backend& backend);
  static uint64_t RingHash(uint32_t v, const uint16_t* ring, uint32_t m);
  uint64_t RecordSum() const;
  uint64_t RingSum() const;
  uint64_t ChecksumWithSums(uint64_t record_sum, uint64_t ring_sum) const;
  uint64_t ChecksumWithRings(uint64_t ring_sum) const {
    return ChecksumWithSums(RecordSum(), ring_sum);
  }
  // Checksum and internal consistency (counts, ring bounds, indices).
  absl::Status Validate() const;
  // Consistency without the checksum; ring entries checked if scan_rings.
  absl::Status ValidateRecords(bool scan_rings) const;
  // ValidateRecords for the VIP records `vips` (rings scanned) and the
  // backend records `backends` alone: what a patch rewrote.
  absl::Status ValidateSome(const std::vector<uint32_t>& vips,
                            const std::vector<uint32_t>& backends) const;

 private:
  int Probe(uint8_t family, const uint8_t* addr, uint8_t proto,
            uint16_t port) const {
    uint32_t mask = geometry.vip_index_size - 1;
    uint32_t i = dsrlb_vip_index_start(family, addr, proto, port,
                                       geometry.vip_index_size);
    for (uint32_t n = 0; n < geometry.vip_index_size; n++, i = (i + 1) & mask) {
      uint16_t e = vip_index[i];
      if (e == 0) return -1;
      const dsrlb_vip& vip = vips[e - 1];
      if (vip.port == port && vip.proto == proto && vip.family == family &&
          std::memcmp(vip.addr, addr, family == DSRLB_AF_INET ? 4 : 16) == 0)
        return e - 1;
    }
    return -1;
  }
};

// A validated view over a mapped table region (no ownership).
class TableRegion {
 public:
  // Fails, naming the problem, on bad magic, version, header or region size.
  static absl::StatusOr<TableRegion> FromMemory(uint8_t* base, size_t size);
  // Writes a fresh header (generation 0) for `geometry` into `base`.
  static void Init(uint8_t* base, const TableGeometry& geometry);

  dsrlb_table_header* header() const { return hdr_; }
  const TableGeometry& geometry() const { return geometry_; }
  const SlotView& slot(int i) const { return slots_[i]; }
  uint64_t LoadGeneration() const {
    return __atomic_load_n(&hdr_->generation, __ATOMIC_ACQUIRE);
  }
  // The current slot, validated (checksum, generation); for attaching.
  absl::StatusOr<const SlotView*> ValidatedCurrent() const;

 private:
  dsrlb_table_header* hdr_ = nullptr;
  TableGeometry geometry_;
  std::array<SlotView, 2> slots_;
};

// One lcore's reader side of the publish protocol.
class TableReader {
 public:
  TableReader(const TableRegion* region, dsrlb_lcore_stats* lcore)
      : region_(region), lcore_(lcore) {}

  // Call at the top of each burst. Returns the table to use for the whole
  // burst, or nullptr while nothing is published. Announces the generation
  // in the lcore's stats block before using it, then re-checks it (hazard
  // pointer style) so the writer can never miss a reader.
  const SlotView* Acquire() {
    uint64_t g = region_->LoadGeneration();
    while (g != seen_) {
      __atomic_store_n(&lcore_->seen_generation, g, __ATOMIC_SEQ_CST);
      uint64_t again =
          __atomic_load_n(&region_->header()->generation, __ATOMIC_SEQ_CST);
      if (again == g) {
        seen_ = g;
        switches_++;
        break;
      }
      g = again;
    }
    return seen_ == 0 ? nullptr : &region_->slot(static_cast<int>(seen_ & 1));
  }
  uint64_t generation() const { return seen_; }
  uint64_t switches() const { return switches_; }

 private:
  const TableRegion* region_;
  dsrlb_lcore_stats* lcore_;
  uint64_t seen_ = 0;
  uint64_t switches_ = 0;
};

struct PublishOptions {
  // How long to wait for live readers to leave the slot being reused.
  absl::Duration timeout = absl::Seconds(2);
  // A reader whose heartbeat has not moved for this long is dead.
  absl::Duration dead_after = absl::Milliseconds(500);
};

// The single writer of a table region (the control plane).
class TableWriter {
 public:
  static absl::StatusOr<TableWriter> Create(const std::string& path,
                                            const TableGeometry& geometry);
  // Re-attaches to an existing region (restarted control plane) and goes on
  // from its generation.
  static absl::StatusOr<TableWriter> Open(const std::string& path);

  // Returns the slot the next generation goes into, cleared, once no live
  // reader can still use it (readers == nullptr: no dataplane attached).
  absl::StatusOr<SlotView> BeginPublish(const StatsRegion* readers,
                                        const PublishOptions& options = {});
  // Seals the slot from BeginPublish and makes it current; returns the new
  // generation. Fails (publishing nothing) if the slot is inconsistent.
  // With `ring_sum` (SlotView::RingSum() as the writer knows it without
  // reading every ring again) the rings are neither scanned nor re-hashed.
  absl::StatusOr<uint64_t> CommitPublish(
      std::optional<uint64_t> ring_sum = std::nullopt);
  // Like BeginPublish, but the slot is not cleared: it keeps the table of
  // generation - 1, and the writer rewrites only what differs from the table
  // it publishes (a change of a few records costs those records).
  absl::StatusOr<SlotView> BeginPatch(const StatsRegion* readers,
                                      const PublishOptions& options = {});
  // Seals the slot from BeginPatch: the checksum from the record and ring
  // sums the writer keeps (SlotView::RecordSum() and RingSum() of the slot
  // as it now is); only the records it rewrote are checked again (the rest
  // were checked when they were written).
  absl::StatusOr<uint64_t> CommitPatch(uint64_t record_sum, uint64_t ring_sum,
                                       const std::vector<uint32_t>& vips,
                                       const std::vector<uint32_t>& backends);
  // Gives up the slot from BeginPublish; the current table stays.
  void AbortPublish() { in_publish_ = false; }
  // For a region no reader has mapped yet (made to replace a smaller one):
  // its first publish gets generation + 1, so generations never go back.
  void ContinueFrom(uint64_t generation) {
    __atomic_store_n(&region_.header()->generation, generation,
                     __ATOMIC_RELEASE);
  }

  const TableRegion& region() const { return region_; }
  const std::string& path() const { return file_.path(); }

 private:
  TableWriter(MappedFile file, TableRegion region)
      : file_(std::move(file)), region_(region) {}

  MappedFile file_;
  TableRegion region_;
  bool in_publish_ = false;
};

// Waits until every live lcore in `readers` has announced a generation
// >= `generation` (or none yet). Lcores whose heartbeat stands still for
// options.dead_after are skipped as dead. DeadlineExceeded names the lcores
// still holding on when options.timeout passes.
absl::Status WaitForReaders(const StatsRegion& readers, uint64_t generation,
                            const PublishOptions& options);

}  // namespace dsrlb::shm

#endif  // DSRLB_DATAPLANE_SHM_TABLE_REGION_H_
