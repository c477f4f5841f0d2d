// cpp-httplib wiring for the status page, its CSV and metrics.
#include "controlplane/stats/stats_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controlplane/stats/metrics.h"
#include "controlplane/stats/page_filter.h"
#include "controlplane/stats/status_page.h"

namespace dsrlb::stats {
namespace {

PageQuery QueryOf(const httplib::Request& req) {
  PageQuery q;
  q.vs = req.get_param_value("vs");
  size_t page = 0;
  if (absl::SimpleAtoi(req.get_param_value("page"), &page) && page > 0)
    q.page = page;
  return q;
}

constexpr char kCsvType[] = "text/csv; charset=utf-8";

}  // namespace

absl::StatusOr<std::unique_ptr<StatsServer>> StatsServer::Start(
    const std::string& host, int port, SnapshotFn snapshot, PageAccess access) {
  std::unique_ptr<StatsServer> s(new StatsServer());
  s->snapshot_ = std::move(snapshot);
  s->SetAccess(std::move(access));
  s->server_ = std::make_unique<httplib::Server>();
  s->Route();
  int bound = port == 0 ? s->server_->bind_to_any_port(host)
                        : (s->server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return absl::UnavailableError(
        absl::StrCat("status page: cannot listen on ", host, ":", port,
                     " (address in use or not local?)"));
  s->port_ = bound;
  StatsServer* self = s.get();
  s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return s;
}

void StatsServer::Route() {
  server_->Get(
      "/", [this](const httplib::Request& req, httplib::Response& res) {
        if (!Authorized(req, res)) return;
        if (req.has_param("csv"))  // HAProxy's ";csv" as a query: "/?csv"
          res.set_content(Csv(QueryOf(req)), kCsvType);
        else
          res.set_content(Page(QueryOf(req)), "text/html; charset=utf-8");
      });
  server_->Get("/;csv",
               [this](const httplib::Request& req, httplib::Response& res) {
                 if (!Authorized(req, res)) return;
                 res.set_content(Csv(QueryOf(req)), kCsvType);
               });
  server_->Get("/metrics",
               [this](const httplib::Request& req, httplib::Response& res) {
                 if (!Authorized(req, res)) return;
                 res.set_content(RenderMetrics(snapshot_()),
                                 "text/plain; version=0.0.4; charset=utf-8");
               });
  // A liveness probe says nothing about the servers: no credentials.
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
}

StatsServer::~StatsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void StatsServer::SetAccess(PageAccess access) {
  absl::MutexLock lock(&mu_);
  access_ = std::move(access);
}

bool StatsServer::Authorized(const httplib::Request& req,
                             httplib::Response& res) {
  Credentials want;
  {
    absl::MutexLock lock(&mu_);
    want = access_.auth;
  }
  if (BasicAuthAllows(req.get_header_value("Authorization"), want)) return true;
  res.status = 401;
  res.set_header("WWW-Authenticate", "Basic realm=\"dsrlb status\"");
  res.set_content("401 Unauthorized\n", "text/plain");
  return false;
}

std::string StatsServer::Page(const PageQuery& query) {
  int refresh_s = 0;
  {
    absl::MutexLock lock(&mu_);
    refresh_s = access_.refresh_s;
  }
  Snapshot now = snapshot_();
  // One page of the matching virtual servers: thousands of rows stay
  // readable and the page stays small.
  size_t matched = 0;
  const size_t total = now.servers.virtual_servers_size();
  Snapshot shown = FilterPage(now, query, &matched);
  return InsertAfterBody(RenderStatusPage(shown, refresh_s),
                         PageNavigation(query, matched, total));
}

std::string StatsServer::Csv(const PageQuery& query) {
  // Every matching virtual server: a CSV is read by programs, not paged.
  return RenderCsv(FilterAll(snapshot_(), query.vs));
}

}  // namespace dsrlb::stats
