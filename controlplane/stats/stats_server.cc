// cpp-httplib wiring for the status page and metrics.
#include "controlplane/stats/stats_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controlplane/stats/metrics.h"
#include "controlplane/stats/page_filter.h"
#include "controlplane/stats/status_page.h"

namespace dsrlb::stats {

absl::StatusOr<std::unique_ptr<StatsServer>> StatsServer::Start(
    const std::string& host, int port, SnapshotFn snapshot, int refresh_s) {
  std::unique_ptr<StatsServer> s(new StatsServer());
  s->snapshot_ = std::move(snapshot);
  s->refresh_s_ = refresh_s;
  s->server_ = std::make_unique<httplib::Server>();
  StatsServer* self = s.get();
  s->server_->Get(
      "/", [self](const httplib::Request& req, httplib::Response& res) {
        PageQuery q;
        q.vs = req.get_param_value("vs");
        size_t page = 0;
        if (absl::SimpleAtoi(req.get_param_value("page"), &page) && page > 0)
          q.page = page;
        res.set_content(self->Page(q), "text/html; charset=utf-8");
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

std::string StatsServer::Page(const PageQuery& query) {
  Snapshot now = snapshot_();
  // One page of the matching virtual servers: thousands of rows stay
  // readable and the page stays small.
  size_t matched = 0;
  const size_t total = now.servers.virtual_servers_size();
  Snapshot shown = FilterPage(now, query, &matched);
  absl::MutexLock lock(&mu_);
  std::string page =
      RenderStatusPage(shown, previous_ ? &*previous_ : nullptr, refresh_s_);
  previous_ = std::move(now);
  return InsertAfterBody(std::move(page),
                         PageNavigation(query, matched, total));
}

}  // namespace dsrlb::stats
