// RFC 5798 6.4 transitions; every side effect is returned as an Action.
#include "controlplane/vrrp/vrrp_state_machine.h"

#include <algorithm>

namespace dsrlb::vrrp {
namespace {

uint8_t EffectivePriority(const Params& p, int delta) {
  // keepalived leaves the owner at 255 whatever the weights say: an owner
  // that drops below 255 would no longer own its addresses.
  if (p.priority == kOwnerPriority) return kOwnerPriority;
  return static_cast<uint8_t>(std::clamp(int{p.priority} + delta, 1, 254));
}

class Stepper {
 public:
  Stepper(const Params& p, const Machine& m, absl::Time now)
      : p_(p), now_(now) {
    r_.machine = m;
  }

  StepResult Run(const Event& e) {
    switch (e.type) {
      case Event::Type::kStartup:
        OnStartup();
        break;
      case Event::Type::kShutdown:
        OnShutdown();
        break;
      case Event::Type::kAdvert:
        OnAdvert(e);
        break;
      case Event::Type::kTimer:
        OnTimer();
        break;
      case Event::Type::kTrack:
        OnTrack(e);
        break;
      case Event::Type::kForceMaster:
        if (m().state == State::kBackup)
          ToMaster("sync group member became master");
        break;
      case Event::Type::kForceBackup:
        if (m().state == State::kMaster && p_.priority != kOwnerPriority)
          ToBackup("sync group member left master",
                   MasterDownInterval(p_, m()));
        break;
    }
    return std::move(r_);
  }

 private:
  Machine& m() { return r_.machine; }
  void Emit(Action::Type t, uint8_t prio = 0) {
    r_.actions.push_back({t, prio});
  }
  void SendAdvert(uint8_t prio) { Emit(Action::Type::kSendAdvert, prio); }

  void Change(State to, std::string reason) {
    Action a{Action::Type::kStateChange};
    a.from = m().state;
    a.to = to;
    a.reason = std::move(reason);
    r_.actions.push_back(std::move(a));
    m().state = to;
  }

  void ToMaster(std::string reason) {
    Change(State::kMaster, std::move(reason));
    Emit(Action::Type::kBecomeMaster);
    SendAdvert(m().effective_priority);
    m().adver_at = now_ + p_.advert_int;
    m().master_down_at = absl::InfiniteFuture();
    m().preempt_at = absl::InfiniteFuture();
    m().master_addr = p_.primary;
  }

  void ToBackup(std::string reason, absl::Duration down_after) {
    if (m().state == State::kMaster) Emit(Action::Type::kLeaveMaster);
    Change(State::kBackup, std::move(reason));
    m().adver_at = absl::InfiniteFuture();
    m().master_down_at = now_ + down_after;
  }

  void ToFault(std::string reason) {
    if (m().state == State::kMaster) {
      SendAdvert(0);  // let a backup take over now, as keepalived does
      Emit(Action::Type::kLeaveMaster);
    }
    Change(State::kFault, std::move(reason));
    m().adver_at = m().master_down_at = absl::InfiniteFuture();
  }

  // RFC 5798 6.4.1, also the way back from FAULT.
  void Begin(std::string reason) {
    m().master_adver_int = p_.advert_int;
    m().master_addr = IpAddress{};
    if (m().track_fault)
      return ToFault((m().track_reason.empty() ? "tracked object failed"
                                               : m().track_reason) +
                     " at " + reason);
    if (p_.priority == kOwnerPriority)
      return ToMaster(reason + ", address owner");
    if (p_.preempt_delay > absl::ZeroDuration())
      m().preempt_at = now_ + p_.preempt_delay;
    ToBackup(reason, p_.start_master ? p_.advert_int + SkewTime(p_, m())
                                     : MasterDownInterval(p_, m()));
  }

  void OnStartup() {
    if (m().state != State::kInit && m().state != State::kStopped) return;
    m().effective_priority = EffectivePriority(p_, m().track_delta);
    Begin("startup");
  }

  void OnShutdown() {
    if (m().state == State::kStopped) return;
    if (m().state == State::kMaster) {
      SendAdvert(0);  // RFC 5798 6.4.3: the backup takes over after Skew_Time
      Emit(Action::Type::kLeaveMaster);
    }
    Change(State::kStopped, "shutdown");
    m().adver_at = m().master_down_at = m().preempt_at = absl::InfiniteFuture();
  }

  void OnTimer() {
    if (m().state == State::kBackup && now_ >= m().master_down_at) {
      ToMaster("master down timer expired");
    } else if (m().state == State::kMaster && now_ >= m().adver_at) {
      SendAdvert(m().effective_priority);
      m().adver_at = now_ + p_.advert_int;
    }
  }

  void OnAdvert(const Event& e) {
    const uint8_t mine = m().effective_priority;
    if (m().state == State::kBackup) {
      if (e.priority == 0) {
        m().master_down_at = now_ + SkewTime(p_, m());
        return;
      }
      bool accept = p_.nopreempt || e.priority >= mine;
      if (!accept && p_.preempt_delay > absl::ZeroDuration()) {
        // keepalived: preemption waits preempt_delay after startup or after
        // first seeing this lower-priority master.
        if (m().preempt_at == absl::InfiniteFuture())
          m().preempt_at = now_ + p_.preempt_delay;
        accept = now_ < m().preempt_at;
      }
      if (e.priority >= mine) m().preempt_at = absl::InfiniteFuture();
      if (!accept) return;  // preempt: let Master_Down_Timer run out
      if (p_.version == 3) m().master_adver_int = e.interval;
      m().master_down_at = now_ + MasterDownInterval(p_, m());
      m().master_addr = e.src;
      return;
    }
    if (m().state == State::kMaster) {
      if (e.priority == 0) {
        SendAdvert(mine);
        m().adver_at = now_ + p_.advert_int;
        return;
      }
      if (e.priority > mine || (e.priority == mine && p_.primary < e.src)) {
        if (p_.version == 3) m().master_adver_int = e.interval;
        m().master_addr = e.src;
        ToBackup("higher priority advert from " + e.src.ToString(),
                 MasterDownInterval(p_, m()));
        return;
      }
      // A lower-priority master: answer at once so it backs off within one
      // round trip instead of one interval (keepalived does the same unless
      // vrrp_strict, where the RFC's "discard" holds).
      if (p_.lower_prio_no_advert) return;
      SendAdvert(mine);
      m().adver_at = now_ + p_.advert_int;
    }
  }

  void OnTrack(const Event& e) {
    m().track_delta = e.track_delta;
    m().track_fault = e.track_fault;
    m().track_reason = e.track_fault ? e.reason : "";
    m().effective_priority = EffectivePriority(p_, e.track_delta);
    const State s = m().state;
    if (e.track_fault && (s == State::kBackup || s == State::kMaster)) {
      ToFault(e.reason.empty() ? "tracked object failed" : e.reason);
    } else if (!e.track_fault && s == State::kFault) {
      Begin("tracked objects recovered");
    }
  }

  const Params& p_;
  absl::Time now_;
  StepResult r_;
};

}  // namespace

const char* StateName(State s) {
  switch (s) {
    case State::kInit:
      return "INIT";
    case State::kBackup:
      return "BACKUP";
    case State::kMaster:
      return "MASTER";
    case State::kFault:
      return "FAULT";
    case State::kStopped:
      return "STOPPED";
  }
  return "UNKNOWN";
}

StepResult Step(const Params& params, const Machine& machine,
                const Event& event, absl::Time now) {
  return Stepper(params, machine, now).Run(event);
}

Machine InitialMachine(const Params& params) {
  Machine m;
  m.effective_priority = EffectivePriority(params, 0);
  m.master_adver_int = params.advert_int;
  return m;
}

absl::Duration SkewTime(const Params& p, const Machine& m) {
  const int64_t weight = 256 - m.effective_priority;
  if (p.version == 2) return absl::Seconds(1) * weight / 256;
  return m.master_adver_int * weight / 256;
}

absl::Duration MasterDownInterval(const Params& p, const Machine& m) {
  const absl::Duration interval =
      p.version == 2 ? p.advert_int : m.master_adver_int;
  return 3 * interval + SkewTime(p, m);
}

absl::Time NextDeadline(const Machine& m) {
  if (m.state == State::kBackup) return m.master_down_at;
  if (m.state == State::kMaster) return m.adver_at;
  return absl::InfiniteFuture();
}

}  // namespace dsrlb::vrrp
