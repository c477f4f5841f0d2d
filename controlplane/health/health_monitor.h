// HealthMonitor: the health checks of every real server of a configuration,
// on one event loop, with keepalived's reload semantics.
//
// Thread model: the monitor lives on its EventLoop's thread. Construct it,
// call Apply() and destroy it on that thread (from elsewhere:
// loop->Post([&] { monitor.Apply(config); })). The event callback runs on
// that thread; it must not call Apply() or destroy the monitor itself (post
// instead). State() and States() may be called from any thread.
#ifndef DSRLB_CONTROLPLANE_HEALTH_HEALTH_MONITOR_H_
#define DSRLB_CONTROLPLANE_HEALTH_HEALTH_MONITOR_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/health/health_event.h"
#include "controlplane/health/real_server_health.h"

namespace dsrlb::health {

class CurlDriver;
class NotifyScriptRunner;
class RealServerAlerts;

class HealthMonitor {
 public:
  using Callback = std::function<void(const HealthEvent&)>;
  // Every finished attempt, before the Callback of a change it causes.
  using CheckCallback = std::function<void(const CheckReport&)>;
  using Key = std::pair<VsKey, RsKey>;

  HealthMonitor(EventLoop* loop, Callback callback);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Starts checking the real servers of `config`. On a reload, a real server
  // whose checking is unchanged keeps its state, counters and schedule; a
  // changed one starts over (up, or down with alpha); a removed one stops.
  // Servers are checked even if one checker cannot be built; the returned
  // status names every checker that could not (that server keeps its other
  // checkers).
  absl::Status Apply(const config::Config& config);

  // A virtual server's quorum_up / quorum_down, which the service model
  // decides (model/quorum.h): run like the notify scripts, without waiting.
  void RunScript(const std::string& command);
  // keepalived's shutdown: every check stops; for each virtual server with
  // `omega`, the notify_down of its real servers that are up runs, then its
  // quorum_down. Returns the commands started, in that order.
  std::vector<std::string> Shutdown();
  // Quorum and shutdown scripts still running.
  size_t scripts_running() const;
  // ha_suspend: whether this host holds `address` (VRRP master for it).
  // The checks of a virtual server with ha_suspend on that address stop
  // while it is not held and resume, at once, when it is. An address never
  // given is held (as LbState: a VIP no VRRP instance names is active).
  void SetVipHeld(const IpAddress& address, bool held);
  // On the loop's thread; before Apply() to see every attempt.
  void SetCheckCallback(CheckCallback callback) {
    check_callback_ = std::move(callback);
  }

  std::optional<RealServerState> State(const VsKey& vs, const RsKey& rs) const;
  std::map<Key, RealServerState> States() const;

 private:
  HealthEvent MakeEvent(const RealServerHealth& server) const;
  // Suspends or resumes each server as ha_suspend and held_ say.
  void ApplySuspension();
  bool Held(const IpAddress& address) const;
  std::unique_ptr<RealServerHealth> MakeServer(
      const VsKey& vs_key, const config::VirtualServer& vs,
      const config::RealServer& rs, std::vector<std::string>* errors);
  // The callback, for `event` and for each group member that follows its
  // virtual server.
  void Emit(const HealthEvent& event);
  // check_callback_, for the server and each group member following it.
  void ReportCheck(const RealServerHealth& server, const CheckResult& result);
  // snapshot_ from servers_ (and their group followers).
  void RefreshSnapshot(bool clear) ABSL_LOCKS_EXCLUDED(mu_);
  void WriteSnapshot(const RealServerHealth& server)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnResult(RealServerHealth& server, const CheckResult& result,
                const Check& by, bool rs_changed, bool weight_changed);

  EventLoop* loop_;
  Callback callback_;
  CheckCallback check_callback_;
  config::GlobalDefs global_;
  std::unique_ptr<CurlDriver> curl_;
  std::unique_ptr<RealServerAlerts> alerts_;
  std::unique_ptr<NotifyScriptRunner> vs_scripts_;
  std::map<Key, std::unique_ptr<RealServerHealth>> servers_;
  std::map<IpAddress, bool> held_;  // SetVipHeld; absent = held
  // A group's first member -> the other members, checked through it.
  std::map<VsKey, std::vector<VsKey>> followers_;
  mutable absl::Mutex mu_;
  std::map<Key, RealServerState> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_HEALTH_MONITOR_H_
