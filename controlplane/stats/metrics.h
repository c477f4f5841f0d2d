// Prometheus text exposition (format 0.0.4) of a Snapshot.
#ifndef DSRLB_CONTROLPLANE_STATS_METRICS_H_
#define DSRLB_CONTROLPLANE_STATS_METRICS_H_

#include <string>

#include "controlplane/stats/snapshot.h"

namespace dsrlb::stats {

std::string RenderMetrics(const Snapshot& snapshot);

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_METRICS_H_
