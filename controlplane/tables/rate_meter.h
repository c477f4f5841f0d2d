// Per-second rates of the dataplane's cumulative counters (new connections,
// packets, bytes per backend and VIP record), computed by the control plane
// from two readings of the stats region about a second apart.
#ifndef DSRLB_CONTROLPLANE_TABLES_RATE_METER_H_
#define DSRLB_CONTROLPLANE_TABLES_RATE_METER_H_

#include <vector>

#include "absl/time/time.h"
#include "dataplane/shm/stats_region.h"

namespace dsrlb::api {

struct Rate {
  double conns = 0;  // new connections per second
  double packets = 0;
  double bytes = 0;
};

// A backend's highest values seen (HAProxy's session Max and rate Max).
struct Peak {
  uint64_t connections = 0;  // active + inactive
  double conns_per_second = 0;
};

// Rates by record, as StatsTotals holds the counters.
struct Rates {
  std::vector<Rate> vips;      // packets and bytes only: conns are per backend
  std::vector<Rate> backends;  // by backend record
  std::vector<Peak> peaks;     // by backend record
};

// Not thread-safe: the owner serializes Observe and rates().
class RateMeter {
 public:
  // Readings closer together than this are not used for a rate (the daemon
  // reads every 100 ms; the API may read at any time).
  static constexpr absl::Duration kInterval = absl::Seconds(1);

  // One reading of the counters, taken at `now`. The rates change when the
  // reading they were last computed from is at least kInterval old: they
  // are then the difference to that reading over the time between. A
  // counter that went down (a new stats region, a record rebased for a
  // newcomer) gives 0 for that interval.
  // Every reading also raises the peaks (connections at once, the rate
  // when it is computed).
  void Observe(absl::Time now, const shm::StatsTotals& totals);
  const Rates& rates() const { return rates_; }
  // Records given to another server start their peaks over.
  void ResetPeaks(const std::vector<uint32_t>& backend_records);

 private:
  void RaisePeaks(const shm::StatsTotals& totals, bool rates_fresh);

  bool have_base_ = false;
  absl::Time base_time_;
  shm::StatsTotals base_;
  Rates rates_;
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_TABLES_RATE_METER_H_
