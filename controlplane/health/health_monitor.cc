// Reload logic and event delivery of the health monitor.
#include "controlplane/health/health_monitor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controlplane/alerts/curl_driver.h"
#include "controlplane/health/check_factory.h"
#include "controlplane/health/rs_alerts.h"

namespace dsrlb::health {

HealthMonitor::HealthMonitor(EventLoop* loop, Callback callback)
    : loop_(loop),
      callback_(std::move(callback)),
      curl_(std::make_unique<CurlDriver>(loop)),
      alerts_(std::make_unique<RealServerAlerts>(loop)) {}

HealthMonitor::~HealthMonitor() {
  servers_.clear();  // checks hold curl handles: before curl_ goes
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
  const CheckContext context{loop_, curl_.get()};
  for (const config::VirtualServer& vs : config.virtual_servers) {
    const VsKey vs_key{vs.address, vs.port, vs.protocol};
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
      auto server = std::make_unique<RealServerHealth>(
          loop_, vs_key, vs, rs,
          [this](RealServerHealth& s, const CheckResult& result,
                 const Check& by, bool rs_changed, bool weight_changed) {
            OnResult(s, result, by, rs_changed, weight_changed);
          });
      for (const config::Checker& checker : rs.checkers) {
        absl::StatusOr<std::unique_ptr<Check>> check =
            MakeCheck(context, vs, rs, checker);
        if (!check.ok()) {
          errors.push_back(std::string(check.status().message()));
          continue;
        }
        server->AddCheck(std::move(*check), TimingFor(vs, rs, checker));
      }
      to_start.push_back(server.get());
      if (old_up.has_value() && *old_up != server->state().up)
        restarted.emplace_back(server.get(), *old_up);
      next[key] = std::move(server);
    }
  }
  servers_ = std::move(next);  // what is left of the old map stops here
  {
    absl::MutexLock lock(&mu_);
    snapshot_.clear();
    for (const auto& [key, server] : servers_) snapshot_[key] = server->state();
  }
  for (const auto& [server, old_up] : restarted) {
    HealthEvent event = MakeEvent(*server);
    event.reason = "checker configuration changed: checking starts over";
    if (callback_) callback_(event);
  }
  for (RealServerHealth* server : to_start) server->Start();
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

HealthEvent HealthMonitor::MakeEvent(const RealServerHealth& server) const {
  HealthEvent event;
  event.vs = server.vs();
  event.rs = server.rs();
  event.up = server.state().up;
  event.time = loop_->clock()->Now();
  event.wall_time = absl::Now();
  event.weight = server.state().weight;
  event.inhibit_on_failure = server.rs_config().inhibit_on_failure;
  return event;
}

void HealthMonitor::OnResult(RealServerHealth& server,
                             const CheckResult& result, const Check& by,
                             bool rs_changed, bool weight_changed) {
  {
    absl::MutexLock lock(&mu_);
    snapshot_[{server.vs(), server.rs()}] = server.state();
  }
  if (!rs_changed && !weight_changed) return;
  HealthEvent event = MakeEvent(server);
  event.reason = result.text;
  // A weight change alone (misc_dynamic) is news for the table, not for
  // people: no mail, no script.
  if (rs_changed)
    alerts_->OnChange(global_, server.rs_config(), event, by.AlertName());
  if (callback_) callback_(event);
}

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
