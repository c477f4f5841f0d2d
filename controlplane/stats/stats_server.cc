// cpp-httplib wiring for the status page and metrics.
#include "controlplane/stats/stats_server.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "controlplane/stats/metrics.h"
#include "controlplane/stats/status_page.h"

namespace dsrlb::stats {

absl::StatusOr<std::unique_ptr<StatsServer>> StatsServer::Start(
    const std::string& host, int port, SnapshotFn snapshot, int refresh_s) {
  std::unique_ptr<StatsServer> s(new StatsServer());
  s->snapshot_ = std::move(snapshot);
  s->refresh_s_ = refresh_s;
  s->server_ = std::make_unique<httplib::Server>();
  StatsServer* self = s.get();
  s->server_->Get("/", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(self->Page(), "text/html; charset=utf-8");
  });
  s->server_->Get("/metrics",
                  [self](const httplib::Request&, httplib::Response& res) {
                    res.set_content(RenderMetrics(self->snapshot_()),
                                    "text/plain; version=0.0.4; charset=utf-8");
                  });
  s->server_->Get("/healthz",
                  [](const httplib::Request&, httplib::Response& res) {
                    res.set_content("ok\n", "text/plain");
                  });
  int bound = port == 0 ? s->server_->bind_to_any_port(host)
                        : (s->server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return absl::UnavailableError(
        absl::StrCat("status page: cannot listen on ", host, ":", port,
                     " (address in use or not local?)"));
  s->port_ = bound;
  s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return s;
}

StatsServer::~StatsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string StatsServer::Page() {
  Snapshot now = snapshot_();
  absl::MutexLock lock(&mu_);
  std::string page =
      RenderStatusPage(now, previous_ ? &*previous_ : nullptr, refresh_s_);
  previous_ = std::move(now);
  return page;
}

}  // namespace dsrlb::stats
