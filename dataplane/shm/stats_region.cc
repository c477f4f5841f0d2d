// Stats region: creation by the dataplane, validation and sums for readers.
#include "dataplane/shm/stats_region.h"

#include <time.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "dataplane/shm/region_check.h"

namespace dsrlb::shm {
namespace {

const char* const kCounterNames[] = {
#define DSRLB_X_NAME(name, str) str,
    DSRLB_COUNTERS(DSRLB_X_NAME)
#undef DSRLB_X_NAME
};
const char* const kDropNames[] = {
#define DSRLB_X_NAME(name, str) str,
    DSRLB_DROPS(DSRLB_X_NAME)
#undef DSRLB_X_NAME
};

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

}  // namespace

uint64_t MonotonicNs() { return ClockNs(CLOCK_MONOTONIC); }
uint64_t RealtimeNs() { return ClockNs(CLOCK_REALTIME); }

const char* CounterName(int counter) {
  return counter >= 0 && counter < DSRLB_CTR_MAX ? kCounterNames[counter] : "?";
}
const char* DropName(int drop) {
  return drop >= 0 && drop < DSRLB_DROP_MAX ? kDropNames[drop] : "?";
}

absl::Status StatsGeometry::Validate() const {
  if (max_lcores == 0 || max_lcores > 1024)
    return absl::InvalidArgumentError(
        absl::StrCat("max_lcores ", max_lcores, " not in [1, 1024]"));
  RETURN_IF_ERROR(CheckVipAndBackendCounts(max_vips, max_backends));
  return absl::OkStatus();
}

uint64_t StatsGeometry::RegionSize() const {
  return dsrlb_align_up(sizeof(dsrlb_stats_header), DSRLB_CACHE_LINE) +
         uint64_t{max_lcores} * Layout().block_size;
}

StatsRegion::StatsRegion(MappedFile file, const StatsGeometry& geometry)
    : file_(std::move(file)),
      hdr_(reinterpret_cast<dsrlb_stats_header*>(file_.data())),
      geometry_(geometry),
      layout_(geometry.Layout()) {}

absl::StatusOr<StatsRegion> StatsRegion::Create(const std::string& path,
                                                const StatsGeometry& geometry) {
  RETURN_IF_ERROR(geometry.Validate());
  uint64_t size = geometry.RegionSize();
  ASSIGN_OR_RETURN(
      MappedFile file, MappedFile::Create(path, size, [&](uint8_t* base) {
        auto* h = reinterpret_cast<dsrlb_stats_header*>(base);
        h->magic = DSRLB_STATS_MAGIC;
        h->version = DSRLB_FORMAT_VERSION;
        h->header_size = sizeof(dsrlb_stats_header);
        h->region_size = size;
        h->max_lcores = geometry.max_lcores;
        h->max_vips = geometry.max_vips;
        h->max_backends = geometry.max_backends;
        h->num_counters = DSRLB_CTR_MAX;
        h->num_drops = DSRLB_DROP_MAX;
        h->lcore_block_size =
            static_cast<uint32_t>(geometry.Layout().block_size);
        h->lcore_offset = dsrlb_align_up(sizeof(*h), DSRLB_CACHE_LINE);
        h->writer_pid = static_cast<uint64_t>(getpid());
        h->start_time_ns = RealtimeNs();
        h->heartbeat_ns = MonotonicNs();
        h->running = 1;
      }));
  return StatsRegion(std::move(file), geometry);
}

absl::Status StatsRegion::Validate(const uint8_t* base, size_t size) {
  RETURN_IF_ERROR(CheckRegionPrologue(
      "stats", base, size, sizeof(dsrlb_stats_header), DSRLB_STATS_MAGIC));
  const auto* h = reinterpret_cast<const dsrlb_stats_header*>(base);
  if (h->header_size != sizeof(dsrlb_stats_header) || h->region_size != size)
    return absl::FailedPreconditionError(absl::StrCat(
        "stats region: header says ", h->region_size, " bytes (header ",
        h->header_size, "), mapping is ", size, " bytes"));
  if (h->num_counters != DSRLB_CTR_MAX || h->num_drops != DSRLB_DROP_MAX)
    return absl::FailedPreconditionError(
        absl::StrCat("stats region: ", h->num_counters, " counters and ",
                     h->num_drops, " drop reasons, this build has ",
                     DSRLB_CTR_MAX, " and ", DSRLB_DROP_MAX));
  StatsGeometry g{h->max_lcores, h->max_vips, h->max_backends};
  RETURN_IF_ERROR(g.Validate());
  if (g.RegionSize() != size || g.Layout().block_size != h->lcore_block_size)
    return absl::FailedPreconditionError(
        absl::StrCat("stats region: geometry needs ", g.RegionSize(),
                     " bytes, region has ", size));
  return absl::OkStatus();
}

absl::StatusOr<StatsRegion> StatsRegion::Open(const std::string& path) {
  ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path, /*writable=*/false));
  absl::Status st = Validate(file.data(), file.size());
  if (!st.ok())
    return absl::Status(st.code(), absl::StrCat(path, ": ", st.message()));
  const auto* h = reinterpret_cast<const dsrlb_stats_header*>(file.data());
  StatsGeometry g{h->max_lcores, h->max_vips, h->max_backends};
  return StatsRegion(std::move(file), g);
}

StatsTotals StatsRegion::Sum() const {
  StatsTotals t;
  t.vips.assign(geometry_.max_vips, dsrlb_pkt_bytes{});
  t.backends.assign(geometry_.max_backends, dsrlb_pkt_bytes{});
  t.conns.assign(geometry_.max_backends, ConnTotals{});
  for (uint32_t l = 0; l < geometry_.max_lcores; l++) {
    // Blocks are zero until used, so inactive ones add nothing; a stopped
    // lcore's counters still count.
    for (int c = 0; c < DSRLB_CTR_MAX; c++) t.counters[c] += counters(l)[c];
    for (int d = 0; d < DSRLB_DROP_MAX; d++) t.drops[d] += drops(l)[d];
    for (uint32_t v = 0; v < geometry_.max_vips; v++) {
      t.vips[v].packets += vip_counters(l)[v].packets;
      t.vips[v].bytes += vip_counters(l)[v].bytes;
    }
    for (uint32_t b = 0; b < geometry_.max_backends; b++) {
      t.backends[b].packets += backend_counters(l)[b].packets;
      t.backends[b].bytes += backend_counters(l)[b].bytes;
      const dsrlb_conn_counts& c = conn_counters(l)[b];
      t.conns[b].new_conns += c.new_conns;
      t.conns[b].active += c.active;
      t.conns[b].inactive += c.inactive;
    }
  }
  return t;
}

}  // namespace dsrlb::shm
