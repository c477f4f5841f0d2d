// VrrpService on its own event-loop thread -> LbState. The instances start
// with the first configuration; a reload does not restart them (that would
// make a master give up its VIPs), so VRRP changes need a restart.
#include "controlplane/daemon/vrrp_part.h"

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/event_loop.h"
#include "controlplane/vrrp/vrrp_service.h"

namespace dsrlb::api {
namespace {

constexpr absl::Duration kStatusEvery = absl::Seconds(1);

VrrpStatus FromVrrp(const vrrp::InstanceStatus& s) {
  VrrpStatus out;
  out.name = s.name;
  out.state = vrrp::StateName(s.state);
  out.virtual_router_id = s.vrid;
  out.priority = s.priority;
  out.effective_priority = s.effective_priority;
  out.interface = s.interface;
  if (s.master_addr.family != 0) out.master_address = s.master_addr.ToString();
  for (const config::VirtualIpAddress& v : s.vips)
    out.virtual_addresses.push_back(v.address.ToString());
  out.version = static_cast<uint32_t>(s.version);
  out.adverts_received = s.counters.adverts_received;
  out.adverts_sent = s.counters.adverts_sent;
  for (uint64_t d : s.counters.drops) out.bad_packets += d;
  out.fault_reason = s.fault_reason;
  out.tracks_dataplane = s.tracks_dataplane;
  if (!s.transitions.empty())
    out.last_transition_unix_ms =
        absl::ToUnixMillis(s.transitions.back().wall_time);
  return out;
}

class VrrpPart : public DaemonPart {
 public:
  explicit VrrpPart(LbState* state) : state_(state) {
    thread_ = std::thread([this] { loop_.Run(); });
  }

  ~VrrpPart() override {
    absl::Notification done;
    loop_.Post([this, &done] {
      if (service_ != nullptr) service_->Shutdown();
      loop_.Stop();
      done.Notify();
    });
    done.WaitForNotification();
    thread_.join();
    service_.reset();
  }

  void OnDataplane(bool up, const std::string& why) override {
    loop_.Post([this, up, why] {
      dataplane_up_ = up;
      dataplane_why_ = why;
      if (service_ != nullptr) service_->SetDataplane(up, why);
    });
  }

  // Waits on the loop's handover; the instances bound it (3 adverts + 1 s),
  // the extra minute only guards against a loop that never answers.
  void HandOver() override {
    auto done = std::make_shared<absl::Notification>();
    loop_.Post([this, done] {
      if (service_ == nullptr) return done->Notify();
      service_->HandOver([done] { done->Notify(); });
    });
    done->WaitForNotificationWithTimeout(absl::Minutes(1));
  }

  absl::Status Apply(const config::Config& config) override {
    absl::Status result;
    absl::Notification done;
    loop_.Post([&] {
      result = StartOnLoop(config);
      done.Notify();
    });
    done.WaitForNotification();
    return result;
  }

 private:
  // Loop thread.
  absl::Status StartOnLoop(const config::Config& config) {
    if (service_ != nullptr) {
      std::fprintf(stderr,
                   "dsrlb-control: VRRP instances keep running as started; "
                   "restart dsrlb-control to apply vrrp_instance changes\n");
      return absl::OkStatus();
    }
    if (config.vrrp_instances.empty() && config.static_ipaddress.empty() &&
        config.static_routes.empty() && config.static_rules.empty())
      return absl::OkStatus();
    vrrp::VrrpService::Callbacks cb;
    cb.on_vip = [this](const std::string&, const config::VirtualIpAddress& vip,
                       bool active) {
      state_->SetVipActive(vip.address, active);
    };
    cb.on_transition = [this](const vrrp::Transition& t) {
      for (VrrpStatus s : state_->Snapshot().vrrp) {
        if (s.name != t.instance) continue;
        s.state = vrrp::StateName(t.to);
        s.fault_reason = t.to == vrrp::State::kFault ? t.reason : "";
        s.last_transition_unix_ms = absl::ToUnixMillis(t.wall_time);
        (void)state_->SetVrrpStatus(s, t.reason);
      }
    };
    cb.track_dataplane = true;
    auto created = vrrp::VrrpService::Create(config, &loop_, std::move(cb));
    if (!created.ok()) return created.status();
    service_ = std::move(*created);
    service_->SetDataplane(dataplane_up_, dataplane_why_);
    if (absl::Status st = service_->Start(); !st.ok()) {
      service_->Shutdown();
      service_.reset();
      return st;
    }
    SyncStatus();
    return absl::OkStatus();
  }

  // Loop thread: priorities, master and counters for GetVrrpState.
  void SyncStatus() {
    if (service_ == nullptr) return;
    for (const vrrp::InstanceStatus& s : service_->Snapshot())
      (void)state_->SetVrrpStatus(FromVrrp(s), "");
    loop_.RunAfter(kStatusEvery, [this] { SyncStatus(); });
  }

  LbState* const state_;
  EventLoop loop_;
  std::unique_ptr<vrrp::VrrpService> service_;
  // Loop thread: the last report, for instances started after it.
  bool dataplane_up_ = false;
  std::string dataplane_why_ = "dataplane down: no heartbeat yet";
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeVrrpPart(LbState* state) {
  return std::make_unique<VrrpPart>(state);
}

}  // namespace dsrlb::api
