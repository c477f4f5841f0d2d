// dsrlb-control's running parts wired together: state, publisher thread,
// neighbour resolver thread, gRPC server; reload and stop.
#ifndef DSRLB_CONTROLPLANE_DAEMON_DAEMON_H_
#define DSRLB_CONTROLPLANE_DAEMON_DAEMON_H_

#include <grpcpp/server.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "controlplane/api/service.h"
#include "controlplane/daemon/daemon_options.h"
#include "controlplane/daemon/daemon_part.h"
#include "controlplane/daemon/kernel_guard.h"
#include "controlplane/model/event_hub.h"
#include "controlplane/model/lb_state.h"
#include "controlplane/model/operator_state.h"
#include "controlplane/neighbor/neighbor_resolver.h"
#include "controlplane/stats/snapshot.h"
#include "controlplane/stats/stats_server.h"
#include "controlplane/tables/plane_monitor.h"
#include "controlplane/tables/publisher.h"
#include "dataplane/shm/region_lock.h"

namespace dsrlb::api {

class Daemon {
 public:
  // Loads the configuration, publishes the first table and starts serving.
  // Every error is fatal for the caller and says what to fix.
  // `parts` (health checks, VRRP) are made before the configuration is
  // loaded and follow it from then on.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(
      DaemonOptions options, const std::vector<DaemonPartFactory>& parts = {});
  ~Daemon();

  // Re-reads --config; on error the running state stays as it was.
  absl::StatusOr<ReloadSummary> Reload();
  // A graceful stop is a handover: the parts hand over first (a VRRP master
  // sends priority 0 and forwards until the peer is master), then the last
  // table (VIPs inactive) is published and the kernel guard removed, and
  // only then do the API and the threads stop.
  void Stop();

  LbState& state() { return state_; }

  // What the status page shows: the same answers List, GetVrrpState and
  // GetCounters give an API client.
  stats::Snapshot StatusSnapshot();

 private:
  explicit Daemon(DaemonOptions options)
      : options_(std::move(options)),
        state_(&events_),
        operator_state_(options_.state_file) {}
  void PublishLoop(uint64_t published);
  // The state (with the operator's changes over it), then every part.
  absl::StatusOr<ReloadSummary> ApplyConfig(const config::Config& config);
  // Lays the operator's changes over the state; logs those that no longer
  // apply.
  void ApplyOperatorChanges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  void ResolveLoop();
  // Every kWatchEvery: the dataplane's liveness (to the parts), stale
  // tables, the kernel guard's rules and drops.
  void WatchLoop();
  void UpdateKernelGuard(uint64_t* guarded_version, absl::Time* drops_read);
  void LogLines(const std::vector<std::string>& lines);
  absl::Status StartStatusServer();

  const DaemonOptions options_;
  EventHub events_;
  LbState state_;
  // Held while the configuration and the operator's changes are laid down,
  // so no table is published from the one without the other.
  absl::Mutex apply_mu_;
  OperatorState operator_state_;
  std::vector<std::unique_ptr<DaemonPart>> parts_;
  shm::RegionLock table_lock_;  // one writer per table region
  std::unique_ptr<Publisher> publisher_;
  PlaneMonitor monitor_;
  KernelGuard guard_;  // watch thread only, then Stop
  std::unique_ptr<NeighborResolver> resolver_;
  std::unique_ptr<DsrlbService> service_;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex router_id_mu_;
  std::string router_id_ ABSL_GUARDED_BY(router_id_mu_);  // global_defs
  // global_defs' status_page block, if any (listen, auth, refresh).
  std::optional<config::StatusPageConfig> status_page_
      ABSL_GUARDED_BY(router_id_mu_);
  std::unique_ptr<stats::StatsServer> status_server_
      ABSL_GUARDED_BY(router_id_mu_);
  const v1::ListVirtualServersRequest list_all_;
  const v1::GetVrrpStateRequest vrrp_all_;
  const v1::GetCountersRequest counters_all_;
  absl::Notification stopping_;
  std::thread publish_thread_;
  std::thread resolve_thread_;
  std::thread watch_thread_;
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_DAEMON_H_
