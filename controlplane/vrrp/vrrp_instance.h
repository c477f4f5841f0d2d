// One running vrrp_instance: the pure state machine with its sockets, timer,
// tracking, VIP management (netlink) and GARPs around it. Loop thread only.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_INSTANCE_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_INSTANCE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/vrrp/garp.h"
#include "controlplane/vrrp/track_script.h"
#include "controlplane/vrrp/vrrp_socket.h"
#include "controlplane/vrrp/vrrp_state_machine.h"
#include "controlplane/vrrp/vrrp_status.h"

namespace dsrlb::vrrp {

class VrrpInstance {
 public:
  struct Hooks {
    // A VIP becomes active (true) or inactive (false) for the dataplane.
    std::function<void(const config::VirtualIpAddress&, bool active)> on_vip;
    // A state change, after its side effects were applied.
    std::function<void(VrrpInstance&, const Transition&)> on_transition;
    // own_fault() changed (a sync group recomputes its group fault).
    std::function<void(VrrpInstance&)> on_own_fault;
    // Anything in Status() changed (state, counters...).
    std::function<void(VrrpInstance&)> on_update;
  };

  // Checks the config against the host (interface, addresses); opens nothing.
  static absl::StatusOr<std::unique_ptr<VrrpInstance>> Create(
      const config::VrrpInstance& config,
      const std::vector<config::VrrpScript>& scripts, EventLoop* loop,
      Hooks hooks);
  ~VrrpInstance();

  absl::Status
  Start();          // opens sockets, removes stale VIPs, enters BACKUP/MASTER
  void Shutdown();  // priority 0 handover, VIPs removed
  // A graceful stop that hands over: a master sends priority 0 and removes
  // its addresses but keeps forwarding (VIPs active for the dataplane) until
  // the new master's first advert, or `bound`; then the VIPs go inactive and
  // `done` runs. A non-master stops at once and `done` runs at once.
  void HandOver(absl::Duration bound, std::function<void()> done);
  // This instance's VIPs are forwarded by the local dataplane: it follows
  // the dataplane's liveness (weight 0: FAULT while it is down).
  void SetTracksDataplane(bool tracks) { tracks_dataplane_ = tracks; }
  bool tracks_dataplane() const { return tracks_dataplane_; }
  void SetDataplane(bool up, const std::string& why);
  void Feed(const Event& e);
  void OnLinkChange();  // re-reads tracked interfaces

  InstanceStatus Status() const;
  State state() const { return machine_.state; }
  bool own_fault() const { return own_fault_; }
  void SetGroupFault(bool fault);
  // keepalived: in a sync group every tracked object counts with weight 0
  // (fails the group) — members with moving priorities would flap.
  void SetInSyncGroup(bool in_group) { in_sync_group_ = in_group; }
  const config::VrrpInstance& config() const { return config_; }

 private:
  VrrpInstance(const config::VrrpInstance& config, EventLoop* loop,
               Hooks hooks);
  void OnReadable();
  void Rearm();
  void SendAdvert(uint8_t priority);
  void BecomeMaster();
  void LeaveMaster();
  // virtual_rules then virtual_routes added (add), or the reverse removed.
  void ApplyRoutesAndRules(bool add);
  void Garp(int rounds);
  void ScheduleGarp();
  void UpdateTracking();
  void LogDrop(DropReason reason, const std::string& detail);
  void FinishHandOver();
  // keepalived's weights applied to interfaces and scripts: the priority
  // delta, and the failed weight-0 objects (FAULT reasons) appended.
  int TrackedDelta(std::vector<std::string>& failed) const;

  config::VrrpInstance config_;
  EventLoop* loop_;
  Hooks hooks_;
  Params params_;
  Machine machine_;
  Expectation expect_;
  int family_ = 4;
  int ifindex_ = 0;
  std::array<uint8_t, 6> mac_{};
  std::vector<IpAddress> advertised_;  // the VIPs of the instance's family
  std::unique_ptr<VrrpSocket> socket_;
  std::optional<GarpSender> garp_;
  EventLoop::TimerId timer_ = 0;
  std::vector<EventLoop::TimerId> garp_timers_;
  std::vector<std::unique_ptr<ScriptTracker>> scripts_;
  std::vector<int> script_weights_;
  bool own_fault_ = false;
  bool group_fault_ = false;
  bool in_sync_group_ = false;
  bool vips_active_ = false;
  bool tracks_dataplane_ = false;
  bool dataplane_up_ = false;  // until the first report: not forwarding
  std::string dataplane_why_ = "dataplane down: no heartbeat yet";
  std::string fault_reason_;  // what FAULT is for, while own/group fault
  bool handing_over_ = false;
  bool keep_vips_ = false;  // LeaveMaster leaves the VIPs active (handover)
  std::function<void()> handover_done_;
  EventLoop::TimerId handover_timer_ = 0;
  InstanceCounters counters_;
  std::vector<Transition> transitions_;
  std::array<absl::Time, kDropReasonCount> last_log_{};
  std::array<uint64_t, kDropReasonCount> suppressed_{};
};

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_INSTANCE_H_
