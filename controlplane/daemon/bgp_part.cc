// One thread: it wakes on every state change and every 100 ms, decides
// (bgp/route_policy.h) and syncs the speaker (bgp/announcer.h); once a
// second it re-reads the speaker's routes, which brings them back after a
// gobgpd restart. After each sync it hands the announcer's status to the
// state (LbState::SetBgpStatus), where the API reads it.
#include "controlplane/daemon/bgp_part.h"

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "controlplane/bgp/announcer.h"
#include "controlplane/bgp/route_policy.h"
#include "controlplane/config/bgp_mode.h"

namespace dsrlb::api {
namespace {

// A dataplane that dies is noticed by the daemon's watch (heartbeat stale
// after 1 s, looked at every 100 ms); this adds at most one more tick.
constexpr absl::Duration kTick = absl::Milliseconds(100);
constexpr absl::Duration kVerifyEvery = absl::Seconds(1);

void Log(const std::string& line) {
  std::fprintf(stderr, "dsrlb-control: %s\n", line.c_str());
}

class BgpPart : public DaemonPart {
 public:
  explicit BgpPart(LbState* state) : state_(state) {
    thread_ = std::thread([this] { Run(); });
  }
  ~BgpPart() override { StopThread(); }

  absl::Status Apply(const config::Config& config) override {
    absl::MutexLock lock(&mu_);
    inputs_.bgp = config.bgp;
    inputs_.vrrp_addresses = config::VrrpAddresses(config);
    inputs_version_++;
    return absl::OkStatus();
  }

  void OnDataplane(bool up, const std::string& why) override {
    absl::MutexLock lock(&mu_);
    inputs_.dataplane_up = up;
    inputs_.dataplane_why = why;
    inputs_version_++;
  }

  // The routes leave first: the router moves the flows to the other
  // schedulers while this one still forwards what is in flight.
  void HandOver() override {
    StopThread();
    if (announcer_ == nullptr) return;
    announcer_->WithdrawAll("stopping");
    state_->SetBgpStatus(announcer_->status());
  }

 private:
  void StopThread() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    if (thread_.joinable()) thread_.join();
  }

  // The announcer for the configured speaker and next hops (a new one
  // when they changed: the old one withdraws what it announced).
  void FollowSpeaker(const bgp::PolicyInputs& in) {
    const std::string target = in.bgp ? in.bgp->speaker : "";
    std::set<IpAddress> hops;
    if (in.bgp && in.bgp->next_hop) hops.insert(*in.bgp->next_hop);
    if (in.bgp && in.bgp->next_hop6) hops.insert(*in.bgp->next_hop6);
    if (announcer_ != nullptr && announcer_->target() == target &&
        announcer_->own_next_hops() == hops)
      return;
    if (announcer_ != nullptr)
      announcer_->WithdrawAll("the bgp block's speaker or next hops changed");
    announcer_.reset();
    if (target.empty()) return;
    announcer_ = std::make_unique<bgp::Announcer>(
        std::make_unique<bgp::GobgpClient>(target), std::move(hops), Log);
    Log("bgp: announcing through speaker " + target);
  }

  void Run() {
    uint64_t seen_state = 0, seen_inputs = 0;
    absl::Time next_verify = absl::InfinitePast();
    while (!stop_.HasBeenNotified()) {
      const uint64_t version = state_->WaitForChange(seen_state, kTick);
      if (stop_.HasBeenNotified()) break;
      bgp::PolicyInputs in;
      uint64_t inputs_version;
      {
        absl::MutexLock lock(&mu_);
        in = inputs_;
        inputs_version = inputs_version_;
      }
      const bool verify = absl::Now() >= next_verify;
      if (version == seen_state && inputs_version == seen_inputs && !verify)
        continue;
      seen_state = version;
      seen_inputs = inputs_version;
      FollowSpeaker(in);
      if (announcer_ == nullptr) {
        state_->SetBgpStatus({});
        continue;
      }
      if (verify) next_verify = absl::Now() + kVerifyEvery;
      announcer_->Sync(bgp::DecideRoutes(state_->Snapshot(), in), verify);
      state_->SetBgpStatus(announcer_->status());
    }
  }

  LbState* const state_;
  absl::Mutex mu_;
  bgp::PolicyInputs inputs_ ABSL_GUARDED_BY(mu_);
  uint64_t inputs_version_ ABSL_GUARDED_BY(mu_) = 0;
  // The thread's until it stops, then HandOver's.
  std::unique_ptr<bgp::Announcer> announcer_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeBgpPart(LbState* state) {
  return std::make_unique<BgpPart>(state);
}

}  // namespace dsrlb::api
