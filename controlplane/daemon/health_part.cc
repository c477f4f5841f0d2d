// HealthThread -> LbState; the state's quorum changes -> quorum scripts;
// at a graceful stop, keepalived's omega; LbState's VIP activity -> the
// health thread (ha_suspend: checks of a virtual server pause while VRRP has
// this host backup for its address).
#include "controlplane/daemon/health_part.h"

#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "controlplane/health/health_thread.h"

namespace dsrlb::api {
namespace {

// omega's notify_down and quorum_down scripts get this long to finish
// before the daemon goes on stopping (and kills what still runs).
constexpr absl::Duration kOmegaLimit = absl::Seconds(5);

// How long the VIP watcher waits on the state before looking at stop_.
constexpr absl::Duration kWatchSlice = absl::Milliseconds(200);

class HealthPart : public DaemonPart {
 public:
  explicit HealthPart(LbState* state)
      : state_(state), thread_([state](const health::HealthEvent& e) {
          // NotFound only when a reload removed the server meanwhile.
          (void)state->SetHealth(e.vs, e.rs, e.up, e.reason,
                                 e.weight_from_check
                                     ? std::optional<uint32_t>(e.weight)
                                     : std::nullopt);
        }) {
    // Every attempt, for the last check and the counts (the status page).
    thread_.SetCheckCallback([state](const health::CheckReport& r) {
      (void)state->RecordCheck(r.vs, r.rs,
                               CheckOutcome{r.ok, r.text, r.duration,
                                            absl::ToUnixMillis(r.wall_time)});
    });
    // Called with the state's lock held: only hand the script over.
    state_->SetQuorumListener([this](const QuorumChange& change) {
      std::fprintf(stderr, "dsrlb-control: virtual server %s: %s\n",
                   ToString(change.vs).c_str(), change.reason.c_str());
      if (!change.script.empty()) thread_.RunScript(change.script);
    });
  }
  ~HealthPart() override {
    state_->SetQuorumListener(nullptr);
    stop_.Notify();
    if (watcher_.joinable()) watcher_.join();
  }

  absl::Status Apply(const config::Config& config) override {
    // The VIPs' activity as the state has it now (it took this
    // configuration already), before the checks of the new one start.
    PushVipActivity();
    absl::Status st = thread_.Apply(config);
    bool any_suspend = false;
    for (const config::VirtualServer& vs : config.virtual_servers)
      any_suspend = any_suspend || vs.ha_suspend;
    // Only ha_suspend needs VRRP's news; the watcher, once started, stays.
    if (any_suspend && !watcher_.joinable())
      watcher_ = std::thread([this] { WatchVips(); });
    return st;
  }

  void HandOver() override {
    for (const std::string& c : thread_.Shutdown(kOmegaLimit))
      std::fprintf(stderr, "dsrlb-control: omega: ran %s\n", c.c_str());
  }

 private:
  // Tells the health thread every VIP whose activity changed since the
  // last push.
  void PushVipActivity() {
    absl::MutexLock lock(&pushed_mu_);
    for (const auto& [address, active] : state_->VipActivity()) {
      auto [it, fresh] = pushed_.try_emplace(address, active);
      if (!fresh && it->second == active) continue;
      it->second = active;
      thread_.SetVipHeld(address, active);
    }
  }

  void WatchVips() {
    uint64_t seen = 0;
    while (!stop_.HasBeenNotified()) {
      const uint64_t now = state_->WaitForChange(seen, kWatchSlice);
      if (now == seen) continue;
      seen = now;
      PushVipActivity();
    }
  }

  LbState* const state_;
  health::HealthThread thread_;
  absl::Mutex pushed_mu_;
  std::map<IpAddress, bool> pushed_ ABSL_GUARDED_BY(pushed_mu_);
  absl::Notification stop_;
  std::thread watcher_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeHealthPart(LbState* state) {
  return std::make_unique<HealthPart>(state);
}

}  // namespace dsrlb::api
