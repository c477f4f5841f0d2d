// A HealthMonitor on its own thread and event loop, for a daemon whose other
// threads (gRPC, signals) apply configurations and read state.
#ifndef DSRLB_CONTROLPLANE_HEALTH_HEALTH_THREAD_H_
#define DSRLB_CONTROLPLANE_HEALTH_HEALTH_THREAD_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/health/health_monitor.h"

namespace dsrlb::health {

class HealthThread {
 public:
  // `callback` runs on the health thread (keep it short: hand the event to
  // the table publisher's queue).
  explicit HealthThread(HealthMonitor::Callback callback,
                        Clock* clock = RealClock::Get());
  // Stops checking: the monitor is destroyed on its thread, then joined.
  ~HealthThread();
  HealthThread(const HealthThread&) = delete;
  HealthThread& operator=(const HealthThread&) = delete;

  // Any thread except the health thread itself (the callback must not call
  // it): runs HealthMonitor::Apply there and waits for its status.
  absl::Status Apply(const config::Config& config);
  // Any thread: runs a quorum_up / quorum_down command on the health thread
  // (returns at once; the commands run in the order given).
  void RunScript(std::string command);
  // Any thread but the health thread: HealthMonitor::Shutdown (checks stop;
  // omega's scripts run), then waits up to `limit` for those scripts to end.
  // Returns the commands started.
  std::vector<std::string> Shutdown(absl::Duration limit);
  // Any thread, without waiting: HealthMonitor::SetVipHeld on the health
  // thread (in order with Apply).
  void SetVipHeld(const IpAddress& address, bool held) {
    loop_.Post([this, address, held] { monitor_->SetVipHeld(address, held); });
  }
  // Any thread but the health thread, before Apply(): every finished
  // attempt (HealthMonitor::SetCheckCallback), on the health thread.
  void SetCheckCallback(HealthMonitor::CheckCallback callback) {
    loop_.Post([this, callback = std::move(callback)]() mutable {
      monitor_->SetCheckCallback(std::move(callback));
    });
  }
  // Any thread.
  std::optional<RealServerState> State(const VsKey& vs, const RsKey& rs) const {
    return monitor_->State(vs, rs);
  }
  std::map<HealthMonitor::Key, RealServerState> States() const {
    return monitor_->States();
  }

 private:
  EventLoop loop_;
  std::unique_ptr<HealthMonitor> monitor_;
  std::thread thread_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_HEALTH_THREAD_H_
