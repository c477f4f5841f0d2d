// One consistent look at the control plane, as the API reports it: what the
// status page and /metrics render.
#ifndef DSRLB_CONTROLPLANE_STATS_SNAPSHOT_H_
#define DSRLB_CONTROLPLANE_STATS_SNAPSHOT_H_

#include "absl/time/time.h"
#include "dsrlb.pb.h"

namespace dsrlb::stats {

struct Snapshot {
  v1::ListVirtualServersResponse servers;
  v1::GetVrrpStateResponse vrrp;
  v1::GetCountersResponse counters;
  absl::Time taken;  // wall clock, for ages and rates
  std::string router_id;
};

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_SNAPSHOT_H_
