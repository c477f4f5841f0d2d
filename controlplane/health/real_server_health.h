// The health of one real server of one virtual server: its checkers (all
// must be up for the server to be up) and the state the monitor reports.
#ifndef DSRLB_CONTROLPLANE_HEALTH_REAL_SERVER_HEALTH_H_
#define DSRLB_CONTROLPLANE_HEALTH_REAL_SERVER_HEALTH_H_

#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/health/check_runner.h"
#include "controlplane/health/health_event.h"

namespace dsrlb::health {

class RealServerHealth {
 public:
  // After every attempt. `rs_changed` when the server's up/down flipped,
  // `weight_changed` when misc_dynamic set a new weight; `by` is the checker
  // whose result it was.
  using Listener = absl::AnyInvocable<void(
      RealServerHealth& server, const CheckResult& result, const Check& by,
      bool rs_changed, bool weight_changed)>;

  RealServerHealth(EventLoop* loop, VsKey vs, config::VirtualServer vs_config,
                   config::RealServer rs_config, Listener listener);
  RealServerHealth(const RealServerHealth&) = delete;
  RealServerHealth& operator=(const RealServerHealth&) = delete;

  void AddCheck(std::unique_ptr<Check> check, CheckTiming timing);
  void Start();
  // ha_suspend: no attempts while suspended (before or after Start()); the
  // state stays what it was.
  void SetSuspended(bool suspended);

  const VsKey& vs() const { return vs_; }
  RsKey rs() const { return {rs_config_.address, rs_config_.port}; }
  const config::VirtualServer& vs_config() const { return vs_config_; }
  const config::RealServer& rs_config() const { return rs_config_; }
  const RealServerState& state() const { return state_; }
  // A reload that keeps the checking: new weight, scripts, alert settings.
  void UpdateConfig(config::VirtualServer vs_config,
                    config::RealServer rs_config);

 private:
  void OnCheckResult(const CheckRunner& runner, const CheckResult& result,
                     bool changed);

  EventLoop* loop_;
  VsKey vs_;
  config::VirtualServer vs_config_;
  config::RealServer rs_config_;
  Listener listener_;
  std::vector<std::unique_ptr<CheckRunner>> runners_;
  RealServerState state_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_REAL_SERVER_HEALTH_H_
