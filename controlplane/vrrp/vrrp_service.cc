// Instances, sync groups, notify scripts and the snapshot the API reads.
#include "controlplane/vrrp/vrrp_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/vrrp/netlink_addr.h"
#include "controlplane/vrrp/netlink_route.h"
#include "controlplane/vrrp/vrrp_log.h"

namespace dsrlb::vrrp {

absl::StatusOr<std::unique_ptr<VrrpService>> VrrpService::Create(
    const config::Config& config, EventLoop* loop, Callbacks callbacks) {
  std::unique_ptr<VrrpService> s(new VrrpService(loop, std::move(callbacks)));
  s->global_ = config.global;
  s->static_addresses_ = config.static_ipaddress;
  s->static_routes_ = config.static_routes;
  s->static_rules_ = config.static_rules;
  s->groups_ = config.vrrp_sync_groups;
  s->group_notified_.assign(s->groups_.size(), State::kInit);
  for (size_t i = 0; i < config.vrrp_instances.size(); i++) {
    const config::VrrpInstance& c = config.vrrp_instances[i];
    for (size_t j = 0; j < i; j++) {
      const config::VrrpInstance& o = config.vrrp_instances[j];
      if (o.name == c.name)
        return absl::InvalidArgumentError(
            absl::StrCat("vrrp_instance ", c.name, " defined twice"));
      if (o.interface == c.interface &&
          o.virtual_router_id == c.virtual_router_id)
        return absl::InvalidArgumentError(absl::StrCat(
            "vrrp_instance ", c.name, " and ", o.name, " share interface ",
            c.interface, " and virtual_router_id ", c.virtual_router_id,
            ": give each its own VRID"));
    }
    VrrpService* self = s.get();
    VrrpInstance::Hooks hooks;
    const std::string name = c.name;
    hooks.on_vip = [self, name](const config::VirtualIpAddress& vip,
                                bool active) {
      if (self->callbacks_.on_vip) self->callbacks_.on_vip(name, vip, active);
    };
    hooks.on_transition = [self](VrrpInstance& inst, const Transition& t) {
      self->OnTransition(inst, t);
    };
    hooks.on_update = [self](VrrpInstance& inst) {
      self->UpdateSnapshot(inst);
    };
    hooks.on_own_fault = [self](VrrpInstance& inst) {
      const int g = self->group_of_[self->IndexOf(inst)];
      if (g >= 0) self->loop_->Post([self, g] { self->UpdateGroupFault(g); });
    };
    ASSIGN_OR_RETURN(auto inst, VrrpInstance::Create(c, config.vrrp_scripts,
                                                     loop, std::move(hooks)));
    s->instances_.push_back(std::move(inst));
    int group = -1;
    for (size_t g = 0; g < s->groups_.size(); g++) {
      const auto& members = s->groups_[g].group;
      if (std::find(members.begin(), members.end(), c.name) != members.end())
        group = static_cast<int>(g);
    }
    s->group_of_.push_back(group);
    s->instances_.back()->SetInSyncGroup(group >= 0);
    // The VIPs this host forwards are the virtual servers' addresses.
    bool forwarded = false;
    for (const config::VirtualIpAddress& vip : c.virtual_ipaddress)
      for (const config::VirtualServer& vs : config.virtual_servers)
        if (vs.address == vip.address) forwarded = true;
    s->instances_.back()->SetTracksDataplane(forwarded &&
                                             s->callbacks_.track_dataplane);
  }
  for (const auto& g : s->groups_)
    for (const std::string& m : g.group)
      if (std::none_of(
              config.vrrp_instances.begin(), config.vrrp_instances.end(),
              [&](const config::VrrpInstance& i) { return i.name == m; }))
        return absl::InvalidArgumentError(absl::StrCat(
            "vrrp_sync_group ", g.name, " names no vrrp_instance ", m));
  {
    absl::MutexLock lock(&s->mu_);
    for (auto& inst : s->instances_) s->snapshot_.push_back(inst->Status());
  }
  return s;
}

VrrpService::~VrrpService() {
  if (links_) loop_->UnwatchFd(links_->fd());
}

absl::Status VrrpService::Start() {
  ASSIGN_OR_RETURN(LinkMonitor links, LinkMonitor::Open());
  links_ = std::make_unique<LinkMonitor>(std::move(links));
  RETURN_IF_ERROR(loop_->WatchFd(links_->fd(), EPOLLIN, [this](uint32_t) {
    links_->Drain();
    for (auto& inst : instances_) inst->OnLinkChange();
  }));
  ApplyStatic(true);
  for (auto& inst : instances_) RETURN_IF_ERROR(inst->Start());
  started_ = true;
  return absl::OkStatus();
}

// Addresses, then rules, then the routes that may need both; removal in the
// reverse order. keepalived logs a failure and goes on: so does dsrlb.
void VrrpService::ApplyStatic(bool add) {
  if (add == static_installed_) return;
  static_installed_ = add;
  std::vector<std::string> failed;
  auto append = [&failed](std::vector<std::string> more) {
    for (std::string& m : more) failed.push_back(std::move(m));
  };
  if (add) {
    append(ApplyStaticAddresses(static_addresses_, true));
    append(ApplyRules(static_rules_, true));
    append(ApplyRoutes(static_routes_, true));
  } else {
    append(ApplyRoutes(static_routes_, false));
    append(ApplyRules(static_rules_, false));
    append(ApplyStaticAddresses(static_addresses_, false));
  }
  for (const std::string& f : failed) VrrpLog(f);
}

void VrrpService::Shutdown() {
  if (!started_) {
    ApplyStatic(false);  // after a HandOver, or a Start that failed
    return;
  }
  started_ = false;
  for (auto& inst : instances_) inst->Shutdown();
  ApplyStatic(false);
}

void VrrpService::HandOver(std::function<void()> done) {
  if (!started_) {
    done();
    return;
  }
  started_ = false;
  handovers_pending_ = instances_.size();
  handover_done_ = std::move(done);
  if (instances_.empty()) {
    handover_done_();
    return;
  }
  for (auto& inst : instances_) {
    const absl::Duration bound =
        3 * inst->config().advert_int + absl::Seconds(1);
    inst->HandOver(bound, [this] {
      if (--handovers_pending_ == 0 && handover_done_) {
        auto done_now = std::move(handover_done_);
        handover_done_ = nullptr;
        done_now();
      }
    });
  }
}

void VrrpService::SetDataplane(bool up, const std::string& why) {
  for (auto& inst : instances_)
    if (inst->tracks_dataplane()) inst->SetDataplane(up, why);
}

void VrrpService::UpdateSnapshot(VrrpInstance& inst) {
  for (size_t i = 0; i < instances_.size(); i++) {
    if (instances_[i].get() != &inst) continue;
    InstanceStatus st = inst.Status();
    if (group_of_[i] >= 0) st.sync_group = groups_[group_of_[i]].name;
    absl::MutexLock lock(&mu_);
    snapshot_[i] = std::move(st);
  }
}

std::vector<InstanceStatus> VrrpService::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

std::vector<config::VirtualIpAddress> VrrpService::ActiveVips() const {
  absl::MutexLock lock(&mu_);
  std::vector<config::VirtualIpAddress> out;
  for (const InstanceStatus& s : snapshot_)
    if (s.vips_active) out.insert(out.end(), s.vips.begin(), s.vips.end());
  return out;
}

void VrrpService::Notify(const std::string& kind, const std::string& name,
                         State to, int priority,
                         const std::string& state_script,
                         const std::string& notify_script, bool smtp) {
  absl::Status s = absl::OkStatus();
  if (!state_script.empty()) s = scripts_.Run(state_script);
  if (s.ok() && !notify_script.empty())
    s = scripts_.Run(notify_script,
                     {kind, name, StateName(to), absl::StrCat(priority)});
  if (!s.ok()) VrrpLog(absl::StrCat(name, ": notify script: ", s.message()));
  if (!smtp || !health::SmtpMailer::Configured(global_)) return;
  // keepalived's wording, so existing mail filters keep working.
  const std::string what = kind == "GROUP" ? "VRRP Group " : "VRRP Instance ";
  std::string body = to == State::kMaster
                         ? "=> VRRP Instance is now owning VRRP VIPs <="
                     : to == State::kBackup
                         ? "=> VRRP Instance is no longer owning VRRP VIPs <="
                         : "=> VRRP Instance is in FAULT state <=";
  s = mailer_.Send(global_,
                   health::SmtpMailer::Subject(
                       global_, absl::StrCat(what, name, " - Entering ",
                                             StateName(to), " state")),
                   body);
  if (!s.ok()) VrrpLog(absl::StrCat(name, ": smtp_alert: ", s.message()));
}

void VrrpService::OnTransition(VrrpInstance& inst, const Transition& t) {
  const config::VrrpInstance& c = inst.config();
  const std::string* script = t.to == State::kMaster   ? &c.notify_master
                              : t.to == State::kBackup ? &c.notify_backup
                              : t.to == State::kFault  ? &c.notify_fault
                                                       : nullptr;
  if (t.to != State::kStopped)
    Notify("INSTANCE", c.name, t.to, inst.Status().effective_priority,
           script ? *script : std::string(), c.notify, c.smtp_alert);
  if (callbacks_.on_transition) callbacks_.on_transition(t);

  const size_t idx = IndexOf(inst);
  const int g = group_of_[idx];
  if (g < 0) return;
  // keepalived's sync group: members move together. A transition that the
  // group forced does not force others again (that would ping-pong), and a
  // post that is stale by the time it runs does nothing.
  const bool forced = t.reason.rfind("sync group", 0) == 0;
  loop_->Post([this, g, idx, forced, to = t.to, from = t.from] {
    if (instances_[idx]->state() != to) return;
    if (!forced) {
      for (size_t i = 0; i < instances_.size(); i++) {
        if (group_of_[i] != g || i == idx) continue;
        if (to == State::kMaster) instances_[i]->Feed(Event::ForceMaster());
        if (to == State::kBackup && from == State::kMaster)
          instances_[i]->Feed(Event::ForceBackup());
      }
    }
    const config::VrrpSyncGroup& grp = groups_[g];
    bool all_same = true;
    for (size_t i = 0; i < instances_.size(); i++)
      if (group_of_[i] == g && instances_[i]->state() != to) all_same = false;
    if (all_same && group_notified_[g] != to && to != State::kStopped) {
      group_notified_[g] = to;
      const std::string* script = to == State::kMaster   ? &grp.notify_master
                                  : to == State::kBackup ? &grp.notify_backup
                                  : to == State::kFault  ? &grp.notify_fault
                                                         : nullptr;
      Notify("GROUP", grp.name, to, 0, script ? *script : std::string(),
             grp.notify, grp.smtp_alert);
    }
  });
}

size_t VrrpService::IndexOf(const VrrpInstance& inst) const {
  size_t i = 0;
  while (instances_[i].get() != &inst) i++;
  return i;
}

// Any member's own fault (interface, script) fails the whole group.
void VrrpService::UpdateGroupFault(int g) {
  bool fault = false;
  for (size_t i = 0; i < instances_.size(); i++)
    if (group_of_[i] == g && instances_[i]->own_fault()) fault = true;
  for (size_t i = 0; i < instances_.size(); i++)
    if (group_of_[i] == g) instances_[i]->SetGroupFault(fault);
}

}  // namespace dsrlb::vrrp
