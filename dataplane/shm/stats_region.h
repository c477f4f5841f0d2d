// Typed access to the stats region: per-lcore counters and liveness.
#ifndef DSRLB_DATAPLANE_SHM_STATS_REGION_H_
#define DSRLB_DATAPLANE_SHM_STATS_REGION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/shm/dsrlb_shm.h"
#include "dataplane/shm/mapped_file.h"

namespace dsrlb::shm {

struct StatsGeometry {
  uint32_t max_lcores = DSRLB_DEFAULT_MAX_LCORES;
  uint32_t max_vips = DSRLB_DEFAULT_MAX_VIPS;
  uint32_t max_backends = DSRLB_DEFAULT_MAX_BACKENDS;

  absl::Status Validate() const;
  dsrlb_lcore_layout Layout() const {
    return dsrlb_compute_lcore_layout(max_vips, max_backends);
  }
  uint64_t RegionSize() const;
};

// One backend's connections summed over lcores (dsrlb_conn_counts, wider:
// 64 lcores of 32-bit gauges may pass 2^32).
struct ConnTotals {
  uint64_t new_conns = 0;
  uint64_t active = 0;
  uint64_t inactive = 0;
};

// Counters summed over lcores.
struct StatsTotals {
  uint64_t counters[DSRLB_CTR_MAX] = {};
  uint64_t drops[DSRLB_DROP_MAX] = {};
  std::vector<dsrlb_pkt_bytes> vips;
  std::vector<dsrlb_pkt_bytes> backends;
  std::vector<ConnTotals> conns;  // by backend record, as `backends`
};

const char* CounterName(int counter);
const char* DropName(int drop);

class StatsRegion {
 public:
  // The dataplane's side: a fresh region, every lcore inactive.
  static absl::StatusOr<StatsRegion> Create(const std::string& path,
                                            const StatsGeometry& geometry);
  // Readers: maps and validates (magic, version, sizes, counter counts).
  static absl::StatusOr<StatsRegion> Open(const std::string& path);
  // Validates a region already in memory (tests, tools).
  static absl::Status Validate(const uint8_t* base, size_t size);

  dsrlb_stats_header* header() const { return hdr_; }
  const StatsGeometry& geometry() const { return geometry_; }
  const MappedFile& file() const { return file_; }

  dsrlb_lcore_stats* lcore(uint32_t i) const {
    return reinterpret_cast<dsrlb_lcore_stats*>(
        base() + hdr_->lcore_offset + uint64_t{i} * layout_.block_size);
  }
  uint64_t* counters(uint32_t i) const {
    return Field<uint64_t>(i, layout_.counters_offset);
  }
  uint64_t* drops(uint32_t i) const {
    return Field<uint64_t>(i, layout_.drops_offset);
  }
  dsrlb_pkt_bytes* vip_counters(uint32_t i) const {
    return Field<dsrlb_pkt_bytes>(i, layout_.vips_offset);
  }
  dsrlb_pkt_bytes* backend_counters(uint32_t i) const {
    return Field<dsrlb_pkt_bytes>(i, layout_.backends_offset);
  }
  dsrlb_conn_counts* conn_counters(uint32_t i) const {
    return Field<dsrlb_conn_counts>(i, layout_.conns_offset);
  }

  StatsTotals Sum() const;

 private:
  StatsRegion(MappedFile file, const StatsGeometry& geometry);
  uint8_t* base() const { return reinterpret_cast<uint8_t*>(hdr_); }
  template <typename T>
  T* Field(uint32_t lcore_index, uint64_t offset) const {
    return reinterpret_cast<T*>(reinterpret_cast<uint8_t*>(lcore(lcore_index)) +
                                offset);
  }

  MappedFile file_;
  dsrlb_stats_header* hdr_ = nullptr;
  StatsGeometry geometry_;
  dsrlb_lcore_layout layout_{};
};

// CLOCK_MONOTONIC / CLOCK_REALTIME in nanoseconds.
uint64_t MonotonicNs();
uint64_t RealtimeNs();

}  // namespace dsrlb::shm

#endif  // DSRLB_DATAPLANE_SHM_STATS_REGION_H_
