// Rates from two readings of cumulative counters.
#include "controlplane/tables/rate_meter.h"

#include <algorithm>

namespace dsrlb::api {
namespace {

double PerSecond(uint64_t now, uint64_t before, double seconds) {
  return now >= before ? static_cast<double>(now - before) / seconds : 0;
}

}  // namespace

void RateMeter::RaisePeaks(const shm::StatsTotals& totals, bool rates_fresh) {
  if (rates_.peaks.size() < totals.conns.size())
    rates_.peaks.resize(totals.conns.size());
  for (size_t b = 0; b < totals.conns.size(); b++) {
    Peak& p = rates_.peaks[b];
    p.connections = std::max(p.connections,
                             totals.conns[b].active + totals.conns[b].inactive);
    if (rates_fresh && b < rates_.backends.size())
      p.conns_per_second =
          std::max(p.conns_per_second, rates_.backends[b].conns);
  }
}

void RateMeter::ResetPeaks(const std::vector<uint32_t>& backend_records) {
  for (uint32_t r : backend_records)
    if (r < rates_.peaks.size()) rates_.peaks[r] = Peak{};
}

void RateMeter::Observe(absl::Time now, const shm::StatsTotals& totals) {
  if (!have_base_) {
    have_base_ = true;
    base_time_ = now;
    base_ = totals;
    RaisePeaks(totals, false);
    return;
  }
  if (now - base_time_ < kInterval) {
    RaisePeaks(totals, false);
    return;
  }
  const double s = absl::ToDoubleSeconds(now - base_time_);
  rates_.vips.assign(totals.vips.size(), Rate{});
  for (size_t v = 0; v < totals.vips.size() && v < base_.vips.size(); v++) {
    rates_.vips[v].packets =
        PerSecond(totals.vips[v].packets, base_.vips[v].packets, s);
    rates_.vips[v].bytes =
        PerSecond(totals.vips[v].bytes, base_.vips[v].bytes, s);
  }
  rates_.backends.assign(totals.backends.size(), Rate{});
  for (size_t b = 0; b < totals.backends.size() && b < base_.backends.size();
       b++) {
    Rate& r = rates_.backends[b];
    r.packets =
        PerSecond(totals.backends[b].packets, base_.backends[b].packets, s);
    r.bytes = PerSecond(totals.backends[b].bytes, base_.backends[b].bytes, s);
    if (b < totals.conns.size() && b < base_.conns.size())
      r.conns =
          PerSecond(totals.conns[b].new_conns, base_.conns[b].new_conns, s);
  }
  base_time_ = now;
  base_ = totals;
  RaisePeaks(totals, true);
}

}  // namespace dsrlb::api
