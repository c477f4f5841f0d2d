// Keeps every real server's MAC in the state current: reads the kernel's
// neighbour table, solicits what is missing, re-probes what went stale.
#ifndef DSRLB_CONTROLPLANE_NEIGHBOR_NEIGHBOR_RESOLVER_H_
#define DSRLB_CONTROLPLANE_NEIGHBOR_NEIGHBOR_RESOLVER_H_

#include <map>
#include <string>

#include "absl/time/time.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

struct ResolverOptions {
  std::string interface;  // only entries on it; empty = any
  // Pinned MACs (--static-neighbor), used as they are, never probed.
  std::map<IpAddress, Mac> static_neighbors;
  // A STALE entry is re-probed this often, so a server that changed its
  // MAC or went away is noticed although the dataplane bypasses the kernel.
  absl::Duration reprobe_stale = absl::Seconds(30);
};

class NeighborResolver {
 public:
  NeighborResolver(LbState* state, ResolverOptions options)
      : state_(state), options_(std::move(options)) {}

  // One pass over every real server address (the daemon calls it every
  // second). Single-threaded: only the resolver thread calls it.
  void RunOnce(absl::Time now);

 private:
  LbState* const state_;
  const ResolverOptions options_;
  int ifindex_ = -1;  // resolved on first use
  std::map<IpAddress, absl::Time> last_probe_;
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_NEIGHBOR_NEIGHBOR_RESOLVER_H_
