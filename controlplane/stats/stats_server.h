// Serves the status page (/), its CSV export (/;csv or /?csv), Prometheus
// metrics (/metrics) and a liveness probe (/healthz) over HTTP with
// cpp-httplib, on its own thread; basic authentication on all but /healthz.
#ifndef DSRLB_CONTROLPLANE_STATS_STATS_SERVER_H_
#define DSRLB_CONTROLPLANE_STATS_STATS_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/stats/basic_auth.h"
#include "controlplane/stats/page_filter.h"
#include "controlplane/stats/snapshot.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace dsrlb::stats {

// Who may read the page and how often it reloads; changed by a reload.
struct PageAccess {
  Credentials auth;   // empty user: anyone who can connect
  int refresh_s = 5;  // the page's meta refresh; 0 = never
};

class StatsServer {
 public:
  using SnapshotFn = std::function<Snapshot()>;

  // Listens on host:port (port 0 picks a free one). `snapshot` is called on
  // the server thread for every request.
  static absl::StatusOr<std::unique_ptr<StatsServer>> Start(
      const std::string& host, int port, SnapshotFn snapshot,
      PageAccess access = {});
  ~StatsServer();

  int port() const { return port_; }
  void SetAccess(PageAccess access) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  StatsServer() = default;
  void Route();
  // False (and a 401 with a WWW-Authenticate challenge) without the
  // configured credentials.
  bool Authorized(const httplib::Request& req, httplib::Response& res)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::string Page(const PageQuery& query) ABSL_LOCKS_EXCLUDED(mu_);
  std::string Csv(const PageQuery& query);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  SnapshotFn snapshot_;
  absl::Mutex mu_;
  PageAccess access_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_STATS_SERVER_H_
