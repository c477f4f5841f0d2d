// One log line per change: a route announced or withdrawn (with the
// reason), a VIP that cannot be announced (once per reason), the speaker
// lost and found again. The status follows each Sync and WithdrawAll.
#include "controlplane/bgp/announcer.h"

#include "absl/strings/str_cat.h"

namespace dsrlb::bgp {

Announcer::Announcer(std::unique_ptr<GobgpClient> client,
                     std::set<IpAddress> own_next_hops, Log log, Clock clock)
    : client_(std::move(client)),
      own_next_hops_(std::move(own_next_hops)),
      log_(std::move(log)),
      clock_(std::move(clock)) {}

void Announcer::SpeakerFailed(const absl::Status& st) {
  if (speaker_up_)
    log_(absl::StrCat("bgp: ", st.message(), "; trying again every second"));
  speaker_up_ = false;
  speaker_why_ = absl::StrCat("speaker ", client_->target(),
                              " unreachable: ", st.message());
}

void Announcer::SetStatus(const IpAddress& vip, bool announced,
                          const IpAddress& hop, const std::string& reason,
                          std::map<IpAddress, api::BgpStatus>* out) const {
  api::BgpStatus st;
  st.announced = announced;
  if (announced) st.next_hop = hop;
  st.reason = reason;
  st.speaker = client_->target();
  auto old = status_.find(vip);
  st.since_unix_ms = old != status_.end() &&
                             old->second.announced == announced &&
                             old->second.reason == reason
                         ? old->second.since_unix_ms
                         : absl::ToUnixMillis(clock_());
  (*out)[vip] = std::move(st);
}

void Announcer::Report(const std::map<IpAddress, RouteDecision>& decisions) {
  std::map<IpAddress, api::BgpStatus> next;
  for (const auto& [vip, d] : decisions) {
    auto a = announced_.find(vip);
    if (speaker_up_ && a != announced_.end()) {
      SetStatus(vip, true, a->second, "", &next);
    } else if (!speaker_up_ && (d.announce || a != announced_.end())) {
      // Whatever it had, a speaker that does not answer is not telling
      // the routers (or has lost its sessions).
      SetStatus(vip, false, {}, speaker_why_, &next);
    } else {
      SetStatus(vip, false, {}, d.announce ? "not announced yet" : d.why,
                &next);
    }
  }
  status_ = std::move(next);
}

bool Announcer::Verify(const std::map<IpAddress, RouteDecision>& decisions) {
  absl::StatusOr<std::vector<HostRoute>> listed = client_->ListAdded();
  if (!listed.ok()) {
    SpeakerFailed(listed.status());
    announced_.clear();  // whatever it had, a restart will have lost it
    return false;
  }
  if (!speaker_up_)
    log_(absl::StrCat("bgp: speaker ", client_->target(), " answers again"));
  speaker_up_ = true;
  announced_.clear();
  for (const HostRoute& r : *listed)
    if (decisions.count(r.vip) != 0 || own_next_hops_.count(r.next_hop) != 0)
      announced_[r.vip] = r.next_hop;
  return true;
}

void Announcer::Withdraw(const IpAddress& vip, const std::string& why) {
  const HostRoute route{vip, announced_.at(vip)};
  if (absl::Status st = client_->Withdraw(route); !st.ok()) {
    SpeakerFailed(st);
    return;
  }
  announced_.erase(vip);
  log_(absl::StrCat("bgp: withdrew ", ToString(route), ": ", why));
}

void Announcer::Sync(const std::map<IpAddress, RouteDecision>& decisions,
                     bool verify) {
  SyncRoutes(decisions, verify);
  Report(decisions);
}

void Announcer::SyncRoutes(const std::map<IpAddress, RouteDecision>& decisions,
                           bool verify) {
  if (verify ? !Verify(decisions) : !speaker_up_) return;
  // Withdraw first: a VIP that cannot be served leaves the router soonest.
  std::vector<IpAddress> gone;
  for (const auto& [vip, hop] : announced_) {
    auto d = decisions.find(vip);
    if (d == decisions.end() || !d->second.announce) gone.push_back(vip);
  }
  for (const IpAddress& vip : gone) {
    auto d = decisions.find(vip);
    const std::string why = d == decisions.end()
                                ? std::string(
                                      "no longer a virtual server in "
                                      "BGP mode")
                                : d->second.why;
    Withdraw(vip, why);
    if (!speaker_up_) return;
    not_announced_[vip] = why;
  }
  for (const auto& [vip, d] : decisions) {
    if (!d.announce) {
      std::string& logged = not_announced_[vip];
      if (logged != d.why && announced_.count(vip) == 0)
        log_(absl::StrCat("bgp: not announcing ", vip.ToString(), ": ", d.why));
      logged = d.why;
      continue;
    }
    not_announced_.erase(vip);
    auto a = announced_.find(vip);
    if (a != announced_.end() && a->second == d.next_hop) continue;
    const HostRoute route{vip, d.next_hop};
    if (absl::Status st = client_->Announce(route); !st.ok()) {
      SpeakerFailed(st);
      return;
    }
    announced_[vip] = d.next_hop;
    log_(absl::StrCat("bgp: announced ", ToString(route), " to ",
                      client_->target()));
  }
}

void Announcer::WithdrawAll(const std::string& why) {
  std::vector<IpAddress> all;
  for (const auto& [vip, hop] : announced_) all.push_back(vip);
  for (const IpAddress& vip : all) {
    Withdraw(vip, why);
    if (!speaker_up_) break;
  }
  std::map<IpAddress, api::BgpStatus> next;
  for (const auto& [vip, st] : status_) {
    if (!speaker_up_)
      SetStatus(vip, false, {}, speaker_why_, &next);
    else if (st.announced && announced_.count(vip) == 0)
      SetStatus(vip, false, {}, why, &next);
    else
      next[vip] = st;
  }
  status_ = std::move(next);
}

}  // namespace dsrlb::bgp
