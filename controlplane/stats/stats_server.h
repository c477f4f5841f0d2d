// Serves the status page (/), Prometheus metrics (/metrics) and a liveness
// probe (/healthz) over HTTP with cpp-httplib, on its own thread.
#ifndef DSRLB_CONTROLPLANE_STATS_STATS_SERVER_H_
#define DSRLB_CONTROLPLANE_STATS_STATS_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/stats/page_filter.h"
#include "controlplane/stats/snapshot.h"

namespace httplib {
class Server;
}

namespace dsrlb::stats {

class StatsServer {
 public:
  using SnapshotFn = std::function<Snapshot()>;

  // Listens on host:port (port 0 picks a free one). `snapshot` is called on
  // the server thread for every request.
  static absl::StatusOr<std::unique_ptr<StatsServer>> Start(
      const std::string& host, int port, SnapshotFn snapshot,
      int refresh_s = 5);
  ~StatsServer();

  int port() const { return port_; }

 private:
  StatsServer() = default;
  std::string Page(const PageQuery& query);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  int refresh_s_ = 5;
  SnapshotFn snapshot_;
  absl::Mutex mu_;
  std::optional<Snapshot> previous_ ABSL_GUARDED_BY(mu_);  // for rates
};

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_STATS_SERVER_H_
