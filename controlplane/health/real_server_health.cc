// Combines a real server's checkers into one up/down state.
#include "controlplane/health/real_server_health.h"

#include <utility>

namespace dsrlb::health {

RealServerHealth::RealServerHealth(EventLoop* loop, VsKey vs,
                                   config::VirtualServer vs_config,
                                   config::RealServer rs_config,
                                   Listener listener)
    : loop_(loop),
      vs_(vs),
      vs_config_(std::move(vs_config)),
      rs_config_(std::move(rs_config)),
      listener_(std::move(listener)) {
  vs_config_.real_servers.clear();  // only the virtual server's own settings
  // keepalived: a server without checkers is simply up; alpha starts the
  // checked ones down until their first success.
  state_.up = rs_config_.checkers.empty() || !vs_config_.alpha;
  state_.weight = rs_config_.weight;
  state_.last_check_time = absl::InfinitePast();
  state_.last_change_time = loop_->clock()->Now();
}

void RealServerHealth::AddCheck(std::unique_ptr<Check> check,
                                CheckTiming timing) {
  const size_t index = runners_.size();
  runners_.push_back(std::make_unique<CheckRunner>(
      loop_, std::move(check), timing,
      [this, index](const CheckResult& result, bool changed) {
        OnCheckResult(*runners_[index], result, changed);
      }));
}

void RealServerHealth::Start() {
  for (auto& runner : runners_) runner->Start();
}

void RealServerHealth::SetSuspended(bool suspended) {
  state_.suspended = suspended;
  for (auto& runner : runners_) {
    if (suspended)
      runner->Suspend();
    else
      runner->Resume();
  }
}

void RealServerHealth::UpdateConfig(config::VirtualServer vs_config,
                                    config::RealServer rs_config) {
  vs_config_ = std::move(vs_config);
  vs_config_.real_servers.clear();
  if (rs_config.weight != rs_config_.weight) {
    state_.weight = rs_config.weight;
    state_.weight_from_check = false;
  }
  rs_config_ = std::move(rs_config);
}

void RealServerHealth::OnCheckResult(const CheckRunner& runner,
                                     const CheckResult& result, bool changed) {
  const absl::Time now = loop_->clock()->Now();
  state_.checked = true;
  state_.last_check_ok = result.ok;
  state_.last_check_text = result.text;
  state_.last_check_time = now;
  bool weight_changed = false;
  if (result.weight.has_value() &&
      (*result.weight != state_.weight || !state_.weight_from_check)) {
    // The first weight a script sets is news even at the configured value:
    // from then on the weight is the script's.
    state_.weight = *result.weight;
    state_.weight_from_check = true;
    weight_changed = true;
  }
  bool rs_changed = false;
  if (changed) {
    bool all_up = true;
    for (const auto& r : runners_) all_up = all_up && r->up();
    if (all_up != state_.up) {
      state_.up = all_up;
      state_.last_change_time = now;
      rs_changed = true;
    }
  }
  listener_(*this, result, runner.check(), rs_changed, weight_changed);
}

}  // namespace dsrlb::health
