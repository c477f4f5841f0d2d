// Every vrrp_instance and vrrp_sync_group of a configuration on one event
// loop, and the narrow seam the daemon uses: which VIPs are active, a
// thread-safe snapshot of every instance, and a stream of transitions.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_SERVICE_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_SERVICE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/event_loop.h"
#include "controlplane/alerts/notify_script.h"
#include "controlplane/alerts/smtp_alert.h"
#include "controlplane/config/config.h"
#include "controlplane/vrrp/netlink_addr.h"
#include "controlplane/vrrp/vrrp_instance.h"
#include "controlplane/vrrp/vrrp_status.h"

namespace dsrlb::vrrp {

class VrrpService {
 public:
  struct Callbacks {
    // Loop thread. The daemon sets the table region's VIP ACTIVE flag here;
    // it runs before the address is added (active) and after it is removed
    // (inactive).
    std::function<void(const std::string& instance,
                       const config::VirtualIpAddress& vip, bool active)>
        on_vip;
    // Loop thread: every state change (for WatchEvents).
    std::function<void(const Transition&)> on_transition;
    // dsrlb-control: instances whose VIPs are virtual_server addresses
    // follow SetDataplane, and start as if the dataplane were down.
    bool track_dataplane = false;
  };

  static absl::StatusOr<std::unique_ptr<VrrpService>> Create(
      const config::Config& config, EventLoop* loop, Callbacks callbacks);
  ~VrrpService();

  // Loop thread. Start installs static_ipaddress, static_rules and
  // static_routes (a failure is logged, as keepalived does); Shutdown
  // removes them after the instances stop (also after HandOver).
  absl::Status Start();
  void Shutdown();  // masters send priority 0 and remove their VIPs
  // Graceful stop that hands over (VrrpInstance::HandOver) every instance;
  // `done` runs on the loop once each is done (at most 3 adverts + 1 s).
  void HandOver(std::function<void()> done);
  // The local dataplane's liveness: instances whose VIPs are virtual_server
  // addresses go to FAULT ("why") while it is down.
  void SetDataplane(bool up, const std::string& why);

  // Any thread.
  std::vector<InstanceStatus> Snapshot() const;
  std::vector<config::VirtualIpAddress> ActiveVips() const;

 private:
  VrrpService(EventLoop* loop, Callbacks callbacks)
      : loop_(loop),
        callbacks_(std::move(callbacks)),
        scripts_(loop),
        mailer_(loop) {}
  void OnTransition(VrrpInstance& inst, const Transition& t);
  void UpdateSnapshot(VrrpInstance& inst);
  void ApplyStatic(bool add);
  void UpdateGroupFault(int group);
  size_t IndexOf(const VrrpInstance& inst) const;
  void Notify(const std::string& kind, const std::string& name, State to,
              int priority, const std::string& notify_state_script,
              const std::string& notify_script, bool smtp);

  EventLoop* loop_;
  Callbacks callbacks_;
  // The health checkers' runners: one way to run notify scripts and send
  // keepalived's alert mail, whoever raises the alert.
  health::NotifyScriptRunner scripts_;
  health::SmtpMailer mailer_;
  config::GlobalDefs global_;
  std::vector<config::StaticAddress> static_addresses_;
  std::vector<config::IpRoute> static_routes_;
  std::vector<config::IpRule> static_rules_;
  bool static_installed_ = false;
  std::vector<config::VrrpSyncGroup> groups_;
  std::vector<std::unique_ptr<VrrpInstance>> instances_;
  std::vector<int> group_of_;  // instance index → group index or -1
  std::vector<State> group_notified_;
  std::unique_ptr<LinkMonitor> links_;
  bool started_ = false;
  size_t handovers_pending_ = 0;
  std::function<void()> handover_done_;

  mutable absl::Mutex mu_;
  std::vector<InstanceStatus> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_SERVICE_H_
