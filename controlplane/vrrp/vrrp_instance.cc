// The runtime around the pure state machine for one vrrp_instance.
#include "controlplane/vrrp/vrrp_instance.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "controlplane/vrrp/netlink_addr.h"
#include "controlplane/vrrp/netlink_route.h"
#include "controlplane/vrrp/vrrp_log.h"

namespace dsrlb::vrrp {
namespace {

constexpr size_t kHistory = 32;

std::array<uint8_t, 8> AuthBytes(const std::string& pass) {
  std::array<uint8_t, 8> a{};
  std::copy_n(pass.begin(), std::min<size_t>(8, pass.size()), a.begin());
  return a;
}

}  // namespace

VrrpInstance::VrrpInstance(const config::VrrpInstance& config, EventLoop* loop,
                           Hooks hooks)
    : config_(config), loop_(loop), hooks_(std::move(hooks)) {}

VrrpInstance::~VrrpInstance() {
  loop_->Cancel(timer_);
  loop_->Cancel(handover_timer_);
  for (auto id : garp_timers_) loop_->Cancel(id);
  if (socket_) loop_->UnwatchFd(socket_->rx_fd());
}

absl::StatusOr<std::unique_ptr<VrrpInstance>> VrrpInstance::Create(
    const config::VrrpInstance& c,
    const std::vector<config::VrrpScript>& scripts, EventLoop* loop,
    Hooks hooks) {
  const std::string where = absl::StrCat("vrrp_instance ", c.name, ": ");
  if (c.virtual_router_id == 0)
    return absl::InvalidArgumentError(where +
                                      "virtual_router_id must be 1..255");
  if (c.priority == 0)
    return absl::InvalidArgumentError(
        where + "priority must be 1..255 (0 is the stop signal)");
  std::unique_ptr<VrrpInstance> v(new VrrpInstance(c, loop, std::move(hooks)));
  ASSIGN_OR_RETURN(v->ifindex_, InterfaceIndex(c.interface));
  auto mac = InterfaceMac(c.interface);
  if (mac.ok()) v->mac_ = *mac;
  // The first VIP's family (keepalived): others are added, not advertised.
  v->family_ = c.unicast_src_ip ? c.unicast_src_ip->family
               : c.virtual_ipaddress.empty()
                   ? 4
                   : c.virtual_ipaddress[0].address.family;
  for (const auto& vip : c.virtual_ipaddress)
    if (vip.address.family == v->family_) v->advertised_.push_back(vip.address);
  if (c.version == 2 && v->family_ != 4)
    return absl::InvalidArgumentError(
        where + "VRRPv2 is IPv4 only: set vrrp_version 3 for IPv6");
  Params& p = v->params_;
  p.version = c.version;
  p.priority = c.priority;
  p.advert_int = c.advert_int;
  p.start_master = c.state == config::VrrpInstance::InitialState::kMaster;
  p.nopreempt = c.nopreempt;
  p.preempt_delay = c.preempt_delay;
  p.lower_prio_no_advert = c.strict_mode;
  if (c.unicast_src_ip) {
    p.primary = *c.unicast_src_ip;
  } else {
    std::vector<IpAddress> own =
        InterfaceAddresses(c.interface, v->family_, v->family_ == 6);
    for (const IpAddress& a : own)
      if (std::find(v->advertised_.begin(), v->advertised_.end(), a) ==
          v->advertised_.end()) {
        p.primary = a;
        break;
      }
    if (p.primary.family == 0)
      return absl::FailedPreconditionError(
          absl::StrCat(where, "interface ", c.interface, " has no ",
                       v->family_ == 6 ? "IPv6 link-local" : "IPv4",
                       " address to send from: add one or set unicast_src_ip"));
  }
  // Check the wire can carry the interval before anything starts.
  Advert probe;
  probe.version = c.version;
  probe.interval = c.advert_int;
  IpAddress dst = p.primary;
  RETURN_IF_ERROR(EncodeAdvert(probe, p.primary, dst).status());
  Expectation& e = v->expect_;
  e.version = c.version;
  e.family = v->family_;
  e.vrid = c.virtual_router_id;
  e.auth_type = c.auth_type == config::VrrpAuthType::kPass ? AuthType::kPass
                                                           : AuthType::kNone;
  if (c.auth_type == config::VrrpAuthType::kAh)
    return absl::UnimplementedError(
        where + "auth_type AH is not supported: use PASS or none");
  e.auth_data = AuthBytes(c.auth_pass);
  e.interval = c.advert_int;
  e.addresses = v->advertised_;
  e.check_ttl = c.unicast_peer.empty();
  v->machine_ = InitialMachine(p);
  for (const config::TrackScript& t : c.track_script) {
    auto it = std::find_if(
        scripts.begin(), scripts.end(),
        [&](const config::VrrpScript& s) { return s.name == t.name; });
    if (it == scripts.end())
      return absl::InvalidArgumentError(absl::StrCat(
          where, "track_script ", t.name, " names no vrrp_script"));
    VrrpInstance* self = v.get();
    v->scripts_.push_back(std::make_unique<ScriptTracker>(
        loop, *it, [self] { self->UpdateTracking(); }));
    v->script_weights_.push_back(t.weight != 0 ? t.weight : it->weight);
  }
  return v;
}

absl::Status VrrpInstance::Start() {
  SocketConfig sc;
  sc.family = family_;
  sc.interface = config_.interface;
  sc.ifindex = ifindex_;
  sc.src = params_.primary;
  sc.unicast_peers = config_.unicast_peer;
  ASSIGN_OR_RETURN(socket_, VrrpSocket::Open(sc));
  RETURN_IF_ERROR(loop_->WatchFd(socket_->rx_fd(), EPOLLIN,
                                 [this](uint32_t) { OnReadable(); }));
  auto garp = GarpSender::Open(ifindex_, mac_);
  if (garp.ok()) {
    garp_.emplace(std::move(*garp));
  } else {
    VrrpLog(absl::StrCat(config_.name, ": no GARP: ", garp.status().message()));
  }
  // A previous run killed while master may have left the VIPs behind: two
  // hosts answering ARP for them is worse than none until we win.
  for (const auto& vip : config_.virtual_ipaddress) {
    auto idx = vip.dev.empty() ? absl::StatusOr<int>(ifindex_)
                               : InterfaceIndex(vip.dev);
    if (idx.ok()) (void)DelAddress(*idx, vip.address, vip.prefix_len);
  }
  (void)ApplyRoutes(config_.virtual_routes, false);
  (void)ApplyRules(config_.virtual_rules, false);
  for (auto& s : scripts_) s->Start();
  UpdateTracking();
  Feed(Event::Startup());
  return absl::OkStatus();
}

void VrrpInstance::Shutdown() {
  if (handing_over_) FinishHandOver();
  for (auto& s : scripts_) s->Stop();
  Feed(Event::Shutdown());
  if (socket_) loop_->UnwatchFd(socket_->rx_fd());
}

// Priority 0 makes the backup take over after Skew_Time; until its first
// advert proves it master, neighbours with our MAC in their ARP cache still
// send here, and both hosts hold the same tables: keep forwarding.
void VrrpInstance::HandOver(absl::Duration bound, std::function<void()> done) {
  if (machine_.state != State::kMaster) {
    Shutdown();
    done();
    return;
  }
  for (auto& s : scripts_) s->Stop();
  handing_over_ = true;
  keep_vips_ = true;
  handover_done_ = std::move(done);
  Feed(Event::Shutdown());  // priority 0, addresses removed, VIPs kept
  keep_vips_ = false;
  VrrpLog(absl::StrCat(config_.name, ": handing over (priority 0 sent), ",
                       "forwarding until the new master's advert or ",
                       absl::FormatDuration(bound)));
  handover_timer_ = loop_->RunAfter(bound, [this] {
    handover_timer_ = 0;
    VrrpLog(absl::StrCat(config_.name, ": no new master seen: stopping"));
    FinishHandOver();
  });
}

void VrrpInstance::FinishHandOver() {
  if (!handing_over_) return;
  handing_over_ = false;
  loop_->Cancel(handover_timer_);
  handover_timer_ = 0;
  for (const auto& vip : config_.virtual_ipaddress)
    if (hooks_.on_vip) hooks_.on_vip(vip, false);
  vips_active_ = false;
  if (socket_) loop_->UnwatchFd(socket_->rx_fd());
  if (hooks_.on_update) hooks_.on_update(*this);
  auto done = std::move(handover_done_);
  handover_done_ = nullptr;
  if (done) done();
}

void VrrpInstance::SetDataplane(bool up, const std::string& why) {
  if (dataplane_up_ == up && dataplane_why_ == why) return;
  dataplane_up_ = up;
  dataplane_why_ = why;
  if (tracks_dataplane_ && machine_.state != State::kStopped) UpdateTracking();
}

void VrrpInstance::Feed(const Event& e) {
  StepResult r = Step(params_, machine_, e, loop_->clock()->Now());
  machine_ = r.machine;
  for (const Action& a : r.actions) {
    switch (a.type) {
      case Action::Type::kSendAdvert:
        SendAdvert(a.priority);
        break;
      case Action::Type::kBecomeMaster:
        BecomeMaster();
        break;
      case Action::Type::kLeaveMaster:
        LeaveMaster();
        break;
      case Action::Type::kStateChange: {
        Transition t{config_.name, absl::Now(), a.from, a.to, a.reason};
        VrrpLog(absl::StrCat(config_.name, ": ", StateName(a.from), " -> ",
                             StateName(a.to), " (", a.reason, ")"));
        if (a.to == State::kMaster) counters_.became_master++;
        transitions_.push_back(t);
        if (transitions_.size() > kHistory)
          transitions_.erase(transitions_.begin());
        if (hooks_.on_transition) hooks_.on_transition(*this, t);
        break;
      }
    }
  }
  Rearm();
  if (hooks_.on_update) hooks_.on_update(*this);
}

void VrrpInstance::Rearm() {
  loop_->Cancel(timer_);
  timer_ = 0;
  const absl::Time at = NextDeadline(machine_);
  if (at == absl::InfiniteFuture()) return;
  timer_ = loop_->RunAt(at, [this] {
    timer_ = 0;
    Feed(Event::Timer());
  });
}

void VrrpInstance::SendAdvert(uint8_t priority) {
  if (!socket_) return;
  Advert a;
  a.version = params_.version;
  a.vrid = config_.virtual_router_id;
  a.priority = priority;
  a.interval = params_.advert_int;
  a.auth_type = expect_.auth_type;
  if (a.auth_type == AuthType::kPass) a.auth_data = expect_.auth_data;
  a.addresses = advertised_;
  absl::Status s = socket_->Send(a);
  if (s.ok()) {
    counters_.adverts_sent++;
    if (priority == 0) counters_.priority_zero_sent++;
  } else {
    // A master whose link is down cannot send: counted, not fatal.
    if (counters_.send_errors++ % 100 == 0)
      VrrpLog(absl::StrCat(config_.name, ": ", s.message()));
  }
}

// Mark active first, then add the address, then announce: by the time a
// GARP draws traffic here the dataplane forwards it and the kernel answers
// ARP for it, so no packet that reaches us is dropped for want of either.
void VrrpInstance::BecomeMaster() {
  for (const auto& vip : config_.virtual_ipaddress)
    if (hooks_.on_vip) hooks_.on_vip(vip, true);
  vips_active_ = true;
  for (const auto& vip : config_.virtual_ipaddress) {
    auto idx = vip.dev.empty() ? absl::StatusOr<int>(ifindex_)
                               : InterfaceIndex(vip.dev);
    absl::Status s =
        idx.ok() ? AddAddress(*idx, vip.address, vip.prefix_len, vip.label)
                 : idx.status();
    if (!s.ok()) {
      counters_.address_errors++;
      VrrpLog(absl::StrCat(config_.name, ": ", s.message()));
    }
  }
  ApplyRoutesAndRules(true);
  ScheduleGarp();
}

// keepalived: the routes of a master go with its addresses; a route whose
// source is a VIP needs the address first, and goes before it does.
void VrrpInstance::ApplyRoutesAndRules(bool add) {
  std::vector<std::string> failed;
  if (add) {
    failed = ApplyRules(config_.virtual_rules, true);
    for (std::string& f : ApplyRoutes(config_.virtual_routes, true))
      failed.push_back(std::move(f));
  } else {
    failed = ApplyRoutes(config_.virtual_routes, false);
    for (std::string& f : ApplyRules(config_.virtual_rules, false))
      failed.push_back(std::move(f));
  }
  for (const std::string& f : failed) {
    counters_.address_errors++;
    VrrpLog(absl::StrCat(config_.name, ": ", f));
  }
}

// The reverse: stop claiming the address (no more ARP replies; the new
// master's GARP moves the neighbours), and only then stop forwarding, so
// packets from neighbours with a stale ARP entry are still served (both
// schedulers hold the same tables) until the address is gone.
void VrrpInstance::LeaveMaster() {
  for (auto id : garp_timers_) loop_->Cancel(id);
  garp_timers_.clear();
  ApplyRoutesAndRules(false);
  for (const auto& vip : config_.virtual_ipaddress) {
    auto idx = vip.dev.empty() ? absl::StatusOr<int>(ifindex_)
                               : InterfaceIndex(vip.dev);
    absl::Status s =
        idx.ok() ? DelAddress(*idx, vip.address, vip.prefix_len) : idx.status();
    if (!s.ok()) {
      counters_.address_errors++;
      VrrpLog(absl::StrCat(config_.name, ": ", s.message()));
    }
  }
  if (keep_vips_) return;  // a handover: FinishHandOver marks them
  for (const auto& vip : config_.virtual_ipaddress)
    if (hooks_.on_vip) hooks_.on_vip(vip, false);
  vips_active_ = false;
}

// vrrp_garp_interval / vrrp_gna_interval space the announcements out.
void VrrpInstance::Garp(int rounds) {
  if (!garp_) return;
  std::vector<IpAddress> vips;
  for (const auto& vip : config_.virtual_ipaddress) vips.push_back(vip.address);
  for (const GarpSend& send : GarpSchedule(vips, rounds, config_.garp_interval,
                                           config_.gna_interval)) {
    if (send.at <= absl::ZeroDuration()) {
      (void)garp_->Announce(send.vip);
      continue;
    }
    garp_timers_.push_back(loop_->RunAfter(send.at, [this, vip = send.vip] {
      if (garp_) (void)garp_->Announce(vip);
    }));
  }
}

// keepalived: garp_master_repeat at once, the same again after
// garp_master_delay, then one every garp_master_refresh.
void VrrpInstance::ScheduleGarp() {
  const int repeat = std::max(1, config_.garp_master_repeat);
  Garp(repeat);
  if (config_.garp_master_delay > absl::ZeroDuration())
    garp_timers_.push_back(loop_->RunAfter(config_.garp_master_delay,
                                           [this, repeat] { Garp(repeat); }));
  if (config_.garp_master_refresh > absl::ZeroDuration()) {
    struct Refresh {
      VrrpInstance* self;
      void operator()() const {
        self->Garp(1);
        self->garp_timers_.push_back(self->loop_->RunAfter(
            self->config_.garp_master_refresh, Refresh{self}));
      }
    };
    garp_timers_.push_back(
        loop_->RunAfter(config_.garp_master_refresh, Refresh{this}));
  }
}

void VrrpInstance::OnLinkChange() { UpdateTracking(); }

void VrrpInstance::SetGroupFault(bool fault) {
  if (group_fault_ == fault) return;
  group_fault_ = fault;
  UpdateTracking();
}

// keepalived's weights: > 0 adds while up/passing, < 0 adds while down/
// failing, 0 puts the instance in FAULT while down/failing. The instance's
// own interface always counts with weight 0, and so does the local
// dataplane for an instance whose VIPs it forwards.
int VrrpInstance::TrackedDelta(std::vector<std::string>& failed) const {
  int delta = 0;
  if (!InterfaceRunning(config_.interface))
    failed.push_back("interface " + config_.interface + " down");
  if (tracks_dataplane_ && !dataplane_up_) failed.push_back(dataplane_why_);
  for (const config::TrackInterface& t0 : config_.track_interface) {
    config::TrackInterface t = t0;
    if (in_sync_group_) t.weight = 0;
    const bool up = InterfaceRunning(t.name);
    if (t.weight == 0 && !up) failed.push_back("interface " + t.name + " down");
    if (t.weight > 0 && up) delta += t.weight;
    if (t.weight < 0 && !up) delta += t.weight;
  }
  for (size_t i = 0; i < scripts_.size(); i++) {
    const bool ok = scripts_[i]->ok();
    const int w = in_sync_group_ ? 0 : script_weights_[i];
    if (w == 0 && !ok)
      failed.push_back("track_script " + scripts_[i]->name() + " failing");
    if (w > 0 && ok) delta += w;
    if (w < 0 && !ok) delta += w;
  }
  return delta;
}

void VrrpInstance::UpdateTracking() {
  std::vector<std::string> failed;
  const int delta = TrackedDelta(failed);
  bool fault = !failed.empty();
  const bool changed = own_fault_ != fault;
  own_fault_ = fault;
  if (changed && hooks_.on_own_fault) hooks_.on_own_fault(*this);
  if (group_fault_ && !fault) failed.push_back("sync group member failed");
  fault = fault || group_fault_;
  const std::string reason = absl::StrJoin(failed, ", ");
  const bool reason_changed = reason != fault_reason_;
  fault_reason_ = reason;
  if (reason_changed && fault && machine_.state == State::kFault)
    VrrpLog(absl::StrCat(config_.name, ": FAULT: ", reason));
  if (delta != machine_.track_delta || fault != machine_.track_fault) {
    Feed(Event::Track(delta, fault, reason));
  } else if (reason_changed && hooks_.on_update) {
    hooks_.on_update(*this);
  }
}

void VrrpInstance::LogDrop(DropReason reason, const std::string& detail) {
  const size_t i = static_cast<size_t>(reason);
  counters_.drops[i]++;
  // One line per reason per second at most; the counter has the rest.
  const absl::Time now = loop_->clock()->Now();
  if (now - last_log_[i] < absl::Seconds(1)) {
    suppressed_[i]++;
    return;
  }
  VrrpLog(absl::StrCat(
      config_.name, ": dropped advert (", DropReasonName(reason), "): ", detail,
      suppressed_[i] ? absl::StrCat(" [+", suppressed_[i], " suppressed]")
                     : ""));
  last_log_[i] = now;
  suppressed_[i] = 0;
}

void VrrpInstance::OnReadable() {
  for (int budget = 0; budget < 64; budget++) {
    std::optional<VrrpSocket::Datagram> d = socket_->Receive();
    if (!d) break;
    // keepalived (vrrp_state_backup): with skip_check_adv_addr a backup
    // checks the addresses only of adverts from a new master.
    expect_.skip_addr_check_from = std::nullopt;
    if (config_.skip_check_adv_addr && machine_.state == State::kBackup &&
        machine_.master_addr.family != 0) {
      expect_.skip_addr_check_from = machine_.master_addr;
    }
    DecodeResult r = family_ == 4 ? DecodeIpv4Packet(d->ip_packet, expect_)
                                  : DecodeAdvert(d->payload, d->src, d->dst,
                                                 d->ttl, expect_);
    if (!r.ok) {
      // Other routers' VRIDs share the group: counted, never logged.
      if (r.reason == DropReason::kVridMismatch) {
        counters_.drops[static_cast<size_t>(r.reason)]++;
      } else {
        LogDrop(r.reason, r.detail);
      }
      continue;
    }
    const IpAddress& src = r.packet.src;
    if (src == params_.primary) {
      LogDrop(DropReason::kOwnPacket,
              "our own source address " + src.ToString());
      continue;
    }
    if (!config_.unicast_peer.empty() &&
        std::find(config_.unicast_peer.begin(), config_.unicast_peer.end(),
                  src) == config_.unicast_peer.end()) {
      LogDrop(DropReason::kUnknownPeer,
              src.ToString() + " is not a unicast_peer");
      continue;
    }
    counters_.adverts_received++;
    if (r.packet.advert.priority == 0) counters_.priority_zero_received++;
    if (handing_over_ && r.packet.advert.priority != 0) {
      VrrpLog(absl::StrCat(config_.name, ": ", src.ToString(),
                           " is master: handover done"));
      FinishHandOver();  // stops reading: this loop must not go on
      return;
    }
    Feed(
        Event::Advert(r.packet.advert.priority, r.packet.advert.interval, src));
  }
  if (hooks_.on_update) hooks_.on_update(*this);
}

InstanceStatus VrrpInstance::Status() const {
  InstanceStatus s;
  s.name = config_.name;
  s.interface = config_.interface;
  s.vrid = config_.virtual_router_id;
  s.version = params_.version;
  s.state = machine_.state;
  s.priority = params_.priority;
  s.effective_priority = machine_.effective_priority;
  s.master_addr = machine_.master_addr;
  s.source_addr = params_.primary;
  s.advert_int = params_.advert_int;
  s.master_adver_int = machine_.master_adver_int;
  s.vips = config_.virtual_ipaddress;
  s.vips_active = vips_active_;
  s.tracks_dataplane = tracks_dataplane_;
  if (machine_.state == State::kFault) s.fault_reason = fault_reason_;
  s.transitions = transitions_;
  s.counters = counters_;
  return s;
}

}  // namespace dsrlb::vrrp
