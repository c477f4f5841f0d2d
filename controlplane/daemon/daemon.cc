// Start-up order: config, first table, then the API, so a client never sees
// a state the dataplane has not been given.
#include "controlplane/daemon/daemon.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "controlplane/alerts/child_process.h"
#include "controlplane/api/grpc_server.h"
#include "controlplane/config/parser.h"
#include "controlplane/daemon/validate_config.h"
#include "controlplane/neighbor/neighbor.h"

namespace dsrlb::api {
namespace {

constexpr absl::Duration kResolveEvery = absl::Seconds(1);
constexpr absl::Duration kRetryPublish = absl::Seconds(1);
// Liveness is the stats heartbeat (stale after 1 s, Publisher); looking
// every 100 ms adds at most that to the time a dead dataplane takes to
// become FAULT.
constexpr absl::Duration kWatchEvery = absl::Milliseconds(100);
constexpr absl::Duration kReadDropsEvery = absl::Seconds(2);

void Log(const std::string& line) {
  std::fprintf(stderr, "dsrlb-control: %s\n", line.c_str());
}

stats::PageAccess PageAccessOf(
    const std::optional<config::StatusPageConfig>& c) {
  stats::PageAccess a;
  if (!c.has_value()) return a;
  a.auth = stats::Credentials{c->user, c->password};
  a.refresh_s = c->refresh_s;
  return a;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(
    DaemonOptions options, const std::vector<DaemonPartFactory>& parts) {
  auto d = std::unique_ptr<Daemon>(new Daemon(std::move(options)));
  const DaemonOptions& o = d->options_;
  // The table region grows with the configuration; these are the limits of
  // its format, the same --check applies (validate_config.h).
  d->state_.SetLimits(TableLimits(o));
  for (const DaemonPartFactory& make : parts) {
    ASSIGN_OR_RETURN(std::unique_ptr<DaemonPart> part, make(&d->state_));
    d->parts_.push_back(std::move(part));
  }
  if (!o.config_path.empty()) {
    auto config = config::LoadConfigFile(o.config_path, ConfigParseOptions(o));
    if (!config.ok()) return config.status();
    RETURN_IF_ERROR(d->ApplyConfig(*config).status());
  } else if (!o.state_file.empty()) {
    RETURN_IF_ERROR(d->operator_state_.Load());
    absl::MutexLock lock(&d->apply_mu_);
    d->ApplyOperatorChanges();
  }
  TableOptions table;
  table.ring_size = o.ring_size;
  table.hash_seed = o.hash_seed;
  if (!o.interface.empty()) {
    ASSIGN_OR_RETURN(table.port_mac, InterfaceMac(o.interface));
  }
  ASSIGN_OR_RETURN(d->table_lock_, shm::RegionLock::Acquire(o.table_region));
  ASSIGN_OR_RETURN(d->publisher_,
                   Publisher::Create(o.table_region, o.stats_region, table));
  ResolverOptions ro;
  ro.interface = o.interface;
  ro.static_neighbors = o.static_neighbors;
  // Pinned MACs are known before any server uses them, so a server added
  // later enters the ring with its first table.
  for (const auto& [ip, mac] : o.static_neighbors)
    d->state_.SetNeighbor(ip, NeighborState{mac, ""});
  d->resolver_ = std::make_unique<NeighborResolver>(&d->state_, ro);
  d->resolver_->RunOnce(absl::Now());
  StateSnapshot first = d->state_.Snapshot();
  if (auto g = d->publisher_->Publish(first); !g.ok())
    return absl::Status(g.status().code(),
                        absl::StrCat("first table: ", g.status().message()));
  (void)d->monitor_.PublishResult(absl::OkStatus());

  ServiceDeps deps;
  deps.state = &d->state_;
  deps.publisher = d->publisher_.get();
  deps.monitor = &d->monitor_;
  deps.events = &d->events_;
  deps.operator_state = &d->operator_state_;
  deps.stopping = &d->stopping_;
  Daemon* self = d.get();
  if (!o.config_path.empty()) deps.reload = [self]() { return self->Reload(); };
  d->service_ = std::make_unique<DsrlbService>(std::move(deps));
  GrpcEndpoints endpoints{o.socket, o.listen, o.tls_cert, o.tls_key,
                          o.tls_client_ca};
  ASSIGN_OR_RETURN(d->server_, StartGrpcServer(d->service_.get(), endpoints));
  RETURN_IF_ERROR(d->StartStatusServer());
  uint64_t first_version = first.version;
  d->publish_thread_ =
      std::thread([self, first_version] { self->PublishLoop(first_version); });
  d->resolve_thread_ = std::thread([self] { self->ResolveLoop(); });
  d->watch_thread_ = std::thread([self] { self->WatchLoop(); });
  Log(absl::StrCat("serving", o.socket.empty() ? "" : " unix:" + o.socket,
                   o.listen.empty() ? "" : " " + o.listen + " (TLS)",
                   "; table region ", o.table_region));
  return d;
}

Daemon::~Daemon() { Stop(); }

absl::StatusOr<ReloadSummary> Daemon::Reload() {
  auto config = config::LoadConfigFile(options_.config_path,
                                       ConfigParseOptions(options_));
  if (!config.ok()) {
    Log(absl::StrCat("reload failed, keeping the running state: ",
                     config.status().message()));
    return config.status();
  }
  absl::StatusOr<ReloadSummary> applied = ApplyConfig(*config);
  if (!applied.ok()) {
    Log(absl::StrCat("reload failed, keeping the running state: ",
                     applied.status().message()));
    return applied.status();
  }
  const ReloadSummary& s = *applied;
  Log(absl::StrCat("reloaded ", options_.config_path, ": ", s.virtual_servers,
                   " virtual server(s), ", s.real_servers, " real server(s)"));
  return s;
}

absl::StatusOr<ReloadSummary> Daemon::ApplyConfig(
    const config::Config& config) {
  // The validation --check runs, before anything changes.
  RETURN_IF_ERROR(ValidateConfig(config, options_));
  // Read first: a broken state file leaves the running state as it was.
  if (absl::Status st = operator_state_.Load(); !st.ok()) {
    Log(std::string(st.message()));
    return st;
  }
  ReloadSummary s;
  {
    absl::MutexLock lock(&apply_mu_);
    ASSIGN_OR_RETURN(s, state_.ApplyConfig(config));
    ApplyOperatorChanges();
  }
  // Scripts started from now on run as global_defs' script_user.
  health::ChildProcess::SetRunAs(
      config.global.script_uid
          ? std::optional<health::RunAs>(health::RunAs{
                *config.global.script_uid, *config.global.script_gid})
          : std::nullopt);
  {
    absl::MutexLock lock(&router_id_mu_);
    router_id_ = config.global.router_id;
    status_page_ = config.global.status_page;
    // Credentials and refresh follow a reload; the listening address is
    // the one the daemon started with.
    if (status_server_ != nullptr)
      status_server_->SetAccess(PageAccessOf(status_page_));
  }
  for (const auto& part : parts_) {
    if (absl::Status st = part->Apply(config); !st.ok()) {
      Log(absl::StrCat("applying the configuration: ", st.message()));
      return st;
    }
  }
  return s;
}

void Daemon::Stop() {
  if (stopping_.HasBeenNotified()) return;
  Log("stopping: handing over first");
  for (const auto& part : parts_) part->HandOver();
  stopping_.Notify();
  if (publish_thread_.joinable()) publish_thread_.join();
  if (resolve_thread_.joinable()) resolve_thread_.join();
  if (watch_thread_.joinable()) watch_thread_.join();
  // The handover left the VIPs inactive: the dataplane stops taking them.
  if (publisher_ != nullptr &&
      publisher_->PublishedStateVersion() != state_.Version())
    LogLines(monitor_.PublishResult(
        publisher_->Publish(state_.Snapshot()).status()));
  guard_.Remove();
  {
    // Destroyed outside the lock: a request in flight takes it.
    std::unique_ptr<stats::StatsServer> gone;
    {
      absl::MutexLock lock(&router_id_mu_);
      gone = std::move(status_server_);
    }
  }
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    server_.reset();
  }
  Log("stopped");
}

absl::Status Daemon::StartStatusServer() {
  // --status-listen wins over the configuration's `listen`.
  std::string host = options_.status_host;
  int port = options_.status_port;
  stats::PageAccess access;
  {
    absl::MutexLock lock(&router_id_mu_);
    if (port < 0 && status_page_.has_value()) {
      host = status_page_->host;
      port = status_page_->port;
    }
    access = PageAccessOf(status_page_);
  }
  if (port < 0) return absl::OkStatus();
  std::unique_ptr<stats::StatsServer> server;
  ASSIGN_OR_RETURN(
      server, stats::StatsServer::Start(
                  host, port, [this] { return StatusSnapshot(); }, access));
  Log(absl::StrCat(
      "status page http://",
      host.find(':') == std::string::npos ? host : "[" + host + "]", ":",
      server->port(), "/",
      access.auth.user.empty() ? "" : " (basic authentication)"));
  absl::MutexLock lock(&router_id_mu_);
  status_server_ = std::move(server);
  return absl::OkStatus();
}

stats::Snapshot Daemon::StatusSnapshot() {
  // The RPC bodies ignore their context; going through them keeps one
  // conversion for the API and the page. A failed call leaves its part
  // empty, which the page shows as nothing configured.
  stats::Snapshot s;
  s.taken = absl::Now();
  (void)service_->ListVirtualServers(nullptr, &list_all_, &s.servers);
  (void)service_->GetVrrpState(nullptr, &vrrp_all_, &s.vrrp);
  (void)service_->GetCounters(nullptr, &counters_all_, &s.counters);
  absl::MutexLock lock(&router_id_mu_);
  s.router_id = router_id_;
  return s;
}

void Daemon::ApplyOperatorChanges() {
  if (operator_state_.size() == 0) return;
  std::vector<std::string> stale = operator_state_.ApplyTo(&state_);
  Log(absl::StrCat("operator changes from ", operator_state_.path(), ": ",
                   operator_state_.size() - stale.size(), " applied, ",
                   stale.size(), " no longer apply"));
  for (const std::string& line : stale) Log("  not applied: " + line);
}

void Daemon::PublishLoop(uint64_t published) {
  while (!stopping_.HasBeenNotified()) {
    uint64_t now = state_.WaitForChange(published, absl::Milliseconds(200));
    if (now == published || stopping_.HasBeenNotified()) continue;
    // Only what changed since the table in force is read (a weight or a
    // health result costs its virtual server, not the table).
    uint64_t version = 0;
    auto g = publisher_->PublishChanges([&](uint64_t since) {
      absl::ReaderMutexLock lock(&apply_mu_);  // not halfway through a reload
      StateChanges changes = state_.ChangesSince(since);
      version = changes.snapshot.version;
      return changes;
    });
    LogLines(monitor_.PublishResult(g.status()));
    if (!g.ok()) {
      // The table in force stays; try again (a reader may be slow to move).
      Log(absl::StrCat("publish failed: ", g.status().message()));
      stopping_.WaitForNotificationWithTimeout(kRetryPublish);
      continue;
    }
    published = version;
    Event e;
    e.kind = Event::Kind::kTable;
    e.generation = *g;
    events_.Post(std::move(e));
  }
}

void Daemon::ResolveLoop() {
  // Every second, and at once when servers change, so a new server's
  // neighbour is solicited without waiting for the next round.
  uint64_t seen = 0;
  while (!stopping_.HasBeenNotified()) {
    uint64_t now = state_.WaitForChange(seen, kResolveEvery);
    if (stopping_.HasBeenNotified()) break;
    resolver_->RunOnce(absl::Now());
    // Our own SetNeighbor calls bump the version too: look past them.
    seen = std::max(now, state_.Version());
  }
}

}  // namespace dsrlb::api

namespace dsrlb::api {

void Daemon::LogLines(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) Log(l);
}

void Daemon::WatchLoop() {
  uint64_t guarded_version = 0;
  absl::Time drops_read = absl::InfinitePast();
  while (!stopping_.WaitForNotificationWithTimeout(kWatchEvery)) {
    const bool first = !monitor_.observed();
    const bool was_alive = monitor_.Get().dataplane_alive;
    LogLines(monitor_.Observe(publisher_->ReadStats(),
                              publisher_->PublishedGeneration(), absl::Now()));
    const PlaneHealth h = monitor_.Get();
    if (first || h.dataplane_alive != was_alive)
      for (const auto& part : parts_)
        part->OnDataplane(h.dataplane_alive, h.dataplane_reason);
    UpdateKernelGuard(&guarded_version, &drops_read);
  }
}

// Only with --interface: a control plane that does not know the interface
// it serves runs without a dataplane of its own (tests, tools).
void Daemon::UpdateKernelGuard(uint64_t* guarded_version,
                               absl::Time* drops_read) {
  if (options_.interface.empty()) return;
  const uint64_t version = state_.Version();
  if (version != *guarded_version) {
    const std::vector<VsKey> keys = state_.VirtualServerKeys();
    const bool was = guard_.in_place();
    if (absl::Status s = guard_.Apply(keys); !s.ok()) {
      if (was || *guarded_version == 0)
        Log(absl::StrCat("kernel guard: ", s.message()));
    } else if (!was) {
      Log(absl::StrCat("kernel guard: nftables table inet ", kGuardTable,
                       " drops the VIPs' traffic that reaches the kernel"));
    }
    *guarded_version = version;
  }
  if (absl::Now() - *drops_read < kReadDropsEvery) return;
  *drops_read = absl::Now();
  auto drops = guard_.Drops();
  monitor_.SetKernelGuard(guard_.in_place(), drops.ok() ? *drops : 0);
}

}  // namespace dsrlb::api
