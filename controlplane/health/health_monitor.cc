// Reload logic and event delivery of the health monitor.
#include "controlplane/health/health_monitor.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controlplane/alerts/curl_driver.h"
#include "controlplane/alerts/notify_script.h"
#include "controlplane/health/check_factory.h"
#include "controlplane/health/rs_alerts.h"

namespace dsrlb::health {

HealthMonitor::HealthMonitor(EventLoop* loop, Callback callback)
    : loop_(loop),
      callback_(std::move(callback)),
      curl_(std::make_unique<CurlDriver>(loop)),
      alerts_(std::make_unique<RealServerAlerts>(loop)),
      vs_scripts_(std::make_unique<NotifyScriptRunner>(loop)) {}

HealthMonitor::~HealthMonitor() {
  servers_.clear();  // checks hold curl handles: before curl_ goes
}

std::unique_ptr<RealServerHealth> HealthMonitor::MakeServer(
    const VsKey& vs_key, const config::VirtualServer& vs,
    const config::RealServer& rs, std::vector<std::string>* errors) {
  const CheckContext context{loop_, curl_.get()};
  auto server = std::make_unique<RealServerHealth>(
      loop_, vs_key, vs, rs,
      [this](RealServerHealth& s, const CheckResult& result, const Check& by,
             bool rs_changed, bool weight_changed) {
        OnResult(s, result, by, rs_changed, weight_changed);
      });
  for (const config::Checker& checker : rs.checkers) {
    absl::StatusOr<std::unique_ptr<Check>> check =
        MakeCheck(context, vs, rs, checker);
    if (!check.ok()) {
      errors->push_back(std::string(check.status().message()));
      continue;
    }
    server->AddCheck(std::move(*check), TimingFor(vs, rs, checker));
  }
  return server;
}

absl::Status HealthMonitor::Apply(const config::Config& config) {
  global_ = config.global;
  std::vector<std::string> errors;
  std::map<Key, std::unique_ptr<RealServerHealth>> next;
  std::vector<RealServerHealth*> to_start;
  // Servers whose checking changed start over; if that flips their state
  // (a down server restarts up, or up restarts down with alpha) the owner
  // hears of it, as of any change.
  std::vector<std::pair<RealServerHealth*, bool>> restarted;
  followers_.clear();
  VsKey leader;
  for (const config::VirtualServer& vs : config.virtual_servers) {
    const VsKey vs_key{vs.address, vs.port, vs.protocol};
    // A virtual_server_group's members share one block's real servers and
    // checkers: checked once, as keepalived does, through the first member.
    if (!vs.group.empty() && vs.group_member > 0) {
      followers_[leader].push_back(vs_key);
      continue;
    }
    leader = vs_key;
    for (const config::RealServer& rs : vs.real_servers) {
      Key key{vs_key, RsKey{rs.address, rs.port}};
      if (next.contains(key)) {
        errors.push_back(absl::StrCat(
            rs.where.file, ":", rs.where.line, ": duplicate real server ",
            FormatRs(vs_key, key.second), " ignored"));
        continue;
      }
      auto old = servers_.find(key);
      if (old != servers_.end() &&
          SameChecking(old->second->vs_config(), old->second->rs_config(), vs,
                       rs)) {
        old->second->UpdateConfig(vs, rs);
        next[key] = std::move(old->second);
        servers_.erase(old);
        continue;
      }
      std::optional<bool> old_up;
      if (old != servers_.end()) old_up = old->second->state().up;
      auto server = MakeServer(vs_key, vs, rs, &errors);
      to_start.push_back(server.get());
      if (old_up.has_value() && *old_up != server->state().up)
        restarted.emplace_back(server.get(), *old_up);
      next[key] = std::move(server);
    }
  }
  servers_ = std::move(next);  // what is left of the old map stops here
  ApplySuspension();
  RefreshSnapshot(/*clear=*/true);
  for (const auto& [server, old_up] : restarted) {
    HealthEvent event = MakeEvent(*server);
    event.reason = "checker configuration changed: checking starts over";
    Emit(event);
  }
  for (RealServerHealth* server : to_start) server->Start();
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

void HealthMonitor::RefreshSnapshot(bool clear) {
  absl::MutexLock lock(&mu_);
  if (clear) snapshot_.clear();
  for (const auto& [key, server] : servers_) WriteSnapshot(*server);
}

void HealthMonitor::WriteSnapshot(const RealServerHealth& server) {
  snapshot_[{server.vs(), server.rs()}] = server.state();
  auto f = followers_.find(server.vs());
  if (f == followers_.end()) return;
  for (const VsKey& vs : f->second)
    snapshot_[{vs, server.rs()}] = server.state();
}

void HealthMonitor::Emit(const HealthEvent& event) {
  if (!callback_) return;
  callback_(event);
  auto f = followers_.find(event.vs);
  if (f == followers_.end()) return;
  for (const VsKey& vs : f->second) {
    HealthEvent copy = event;
    copy.vs = vs;
    callback_(copy);
  }
}

void HealthMonitor::SetVipHeld(const IpAddress& address, bool held) {
  auto [it, fresh] = held_.try_emplace(address, held);
  if (!fresh && it->second == held) return;
  it->second = held;
  ApplySuspension();
  RefreshSnapshot(/*clear=*/false);
}

bool HealthMonitor::Held(const IpAddress& address) const {
  auto it = held_.find(address);
  return it == held_.end() || it->second;
}

void HealthMonitor::ApplySuspension() {
  for (const auto& [key, server] : servers_) {
    // A group is held while this host holds any of its addresses
    // (keepalived counts the group's addresses present).
    bool held = Held(server->vs().address);
    auto f = followers_.find(server->vs());
    if (f != followers_.end())
      for (const VsKey& vs : f->second) held = held || Held(vs.address);
    const bool suspend = server->vs_config().ha_suspend && !held;
    if (suspend != server->state().suspended) server->SetSuspended(suspend);
  }
}

HealthEvent HealthMonitor::MakeEvent(const RealServerHealth& server) const {
  HealthEvent event;
  event.vs = server.vs();
  event.rs = server.rs();
  event.up = server.state().up;
  event.time = loop_->clock()->Now();
  event.wall_time = absl::Now();
  event.weight = server.state().weight;
  event.weight_from_check = server.state().weight_from_check;
  event.inhibit_on_failure = server.rs_config().inhibit_on_failure;
  return event;
}

void HealthMonitor::OnResult(RealServerHealth& server,
                             const CheckResult& result, const Check& by,
                             bool rs_changed, bool weight_changed) {
  {
    absl::MutexLock lock(&mu_);
    WriteSnapshot(server);
  }
  ReportCheck(server, result);
  if (!rs_changed && !weight_changed) return;
  HealthEvent event = MakeEvent(server);
  event.reason = result.text;
  // A weight change alone (misc_dynamic) is news for the table, not for
  // people: no mail, no script.
  if (rs_changed)
    alerts_->OnChange(global_, server.rs_config(), event, by.AlertName());
  Emit(event);
}

void HealthMonitor::ReportCheck(const RealServerHealth& server,
                                const CheckResult& result) {
  if (!check_callback_) return;
  CheckReport report{server.vs(), server.rs(),     result.ok,
                     result.text, result.duration, absl::Now()};
  check_callback_(report);
  auto f = followers_.find(server.vs());
  if (f == followers_.end()) return;
  for (const VsKey& vs : f->second) {
    report.vs = vs;
    check_callback_(report);
  }
}

void HealthMonitor::RunScript(const std::string& command) {
  if (command.empty()) return;
  if (absl::Status st = vs_scripts_->Run(command); !st.ok())
    std::fprintf(stderr, "dsrlb-control: quorum script %s: %s\n",
                 command.c_str(), std::string(st.message()).c_str());
}

std::vector<std::string> HealthMonitor::Shutdown() {
  std::vector<std::string> commands;
  // servers_ is ordered by virtual server: each one's real servers, then
  // the virtual server itself (keepalived's clear_service_vs).
  const config::VirtualServer* pending = nullptr;
  auto finish_vs = [&] {
    if (pending != nullptr && pending->omega && !pending->quorum_down.empty())
      commands.push_back(pending->quorum_down);
  };
  std::optional<VsKey> current;
  for (const auto& [key, server] : servers_) {
    if (current != key.first) {
      finish_vs();
      current = key.first;
      pending = &server->vs_config();
    }
    if (pending->omega && server->state().up &&
        !server->rs_config().notify_down.empty())
      commands.push_back(server->rs_config().notify_down);
  }
  finish_vs();
  (void)Apply(config::Config{});  // every check stops
  for (const std::string& c : commands) RunScript(c);
  return commands;
}

size_t HealthMonitor::scripts_running() const { return vs_scripts_->running(); }

std::optional<RealServerState> HealthMonitor::State(const VsKey& vs,
                                                    const RsKey& rs) const {
  absl::MutexLock lock(&mu_);
  auto it = snapshot_.find({vs, rs});
  if (it == snapshot_.end()) return std::nullopt;
  return it->second;
}

std::map<HealthMonitor::Key, RealServerState> HealthMonitor::States() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

}  // namespace dsrlb::health
