// The service state and its mutations.
#include "controlplane/model/lb_state.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "controlplane/config/server_rules.h"
#include "controlplane/model/quorum.h"

namespace dsrlb::api {
namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

Health InitialHealth(const config::VirtualServer& vs,
                     const config::RealServer& rs) {
  if (rs.checkers.empty()) return Health::kUnchecked;
  // keepalived: without `alpha` a server is up until a check fails.
  return vs.alpha ? Health::kDown : Health::kUp;
}

VirtualServerState FromConfig(const config::VirtualServer& c) {
  VirtualServerState vs;
  vs.key = VsKey{c.address, c.port, c.protocol};
  vs.algo = c.lb_algo;
  vs.persistence_timeout_s = c.persistence_timeout_s;
  vs.persistence_granularity = static_cast<uint8_t>(c.persistence_granularity);
  vs.quorum = c.quorum;
  vs.hysteresis = c.hysteresis;
  // keepalived decides a configured virtual server's quorum from nothing
  // alive (set_quorum_states), then from the servers it starts with.
  vs.quorum_up = false;
  vs.quorum_up_script = c.quorum_up;
  vs.quorum_down_script = c.quorum_down;
  for (const config::RealServer& r : c.real_servers) {
    RealServerState rs;
    rs.key = RsKey{r.address, r.port};
    rs.weight = r.weight;
    rs.inhibit_on_failure = r.inhibit_on_failure;
    rs.has_checkers = !r.checkers.empty();
    rs.health = InitialHealth(c, r);
    rs.last_change_unix_ms = NowMs();
    vs.real_servers.push_back(std::move(rs));
  }
  if (c.sorry_server.has_value()) {
    RealServerState rs;
    rs.key = RsKey{c.sorry_server->address, c.sorry_server->port};
    rs.weight = 1;  // keepalived's sorry server weight
    rs.inhibit_on_failure = c.sorry_server->inhibit;
    rs.sorry = true;
    rs.last_change_unix_ms = NowMs();
    vs.real_servers.push_back(std::move(rs));
  }
  return vs;
}

}  // namespace

absl::StatusOr<ReloadSummary> LbState::ApplyConfig(
    const config::Config& config) {
  std::vector<VirtualServerState> next;
  std::vector<size_t> shape;
  for (const config::VirtualServer& c : config.virtual_servers) {
    next.push_back(FromConfig(c));
    shape.push_back(next.back().real_servers.size());
  }

  absl::MutexLock lock(&mu_);
  if (absl::Status st = CheckCapacity(limits_, shape); !st.ok()) return st;
  // Carry over what only the running state knows. Indexed: a reload of
  // thousands of virtual servers stays linear-logarithmic.
  std::map<VsKey, const VirtualServerState*> old_by_key;
  // Whose sorry server is in the table already (not news on a reload).
  std::set<VsKey> sorry_in_use;
  for (const VirtualServerState& o : vs_) {
    old_by_key[o.key] = &o;
    if (o.sorry_in_use) sorry_in_use.insert(o.key);
  }
  for (VirtualServerState& n : next) {
    auto found = old_by_key.find(n.key);
    if (found == old_by_key.end()) continue;
    const VirtualServerState* old = found->second;
    n.quorum_up = old->quorum_up;
    for (RealServerState& rs : n.real_servers) {
      for (const RealServerState& o : old->real_servers) {
        if (o.key != rs.key) continue;
        // A server whose checks changed from none to some (or back) starts
        // over; otherwise its health survives the reload.
        if (o.has_checkers == rs.has_checkers) {
          rs.health = o.health;
          rs.last_check_result = o.last_check_result;
          rs.last_check_unix_ms = o.last_check_unix_ms;
          rs.last_change_unix_ms = o.last_change_unix_ms;
          rs.checks = o.checks;
          // The health monitor keeps misc_dynamic's weight unless the
          // configured weight changed.
          if (o.weight == rs.weight) rs.check_weight = o.check_weight;
        }
      }
    }
  }
  // Stable order: survivors where they were, newcomers at the end.
  std::vector<VirtualServerState> ordered;
  std::set<VsKey> placed;
  std::map<VsKey, VirtualServerState*> next_by_key;
  for (VirtualServerState& n : next) next_by_key.emplace(n.key, &n);
  for (const VirtualServerState& o : vs_) {
    auto n = next_by_key.find(o.key);
    if (n != next_by_key.end() && placed.insert(o.key).second)
      ordered.push_back(std::move(*n->second));
  }
  for (VirtualServerState& n : next) {
    if (placed.insert(n.key).second) ordered.push_back(std::move(n));
  }
  vs_ = std::move(ordered);
  ApplyVrrpConfig(config);
  // keepalived's init_service_vs: the quorum of every virtual server is
  // decided again (a new one starts down), and one down at start with a
  // sorry server says so.
  for (VirtualServerState& vs : vs_)
    UpdateQuorum(&vs, /*init=*/!sorry_in_use.contains(vs.key));
  Changed();
  ReloadSummary summary;
  summary.virtual_servers = static_cast<uint32_t>(vs_.size());
  for (const VirtualServerState& vs : vs_)
    for (const RealServerState& rs : vs.real_servers)
      if (!rs.sorry) summary.real_servers++;
  return summary;
}

absl::StatusOr<VirtualServerState> LbState::AddVirtualServer(
    const VsKey& key, config::LbAlgo algo, uint32_t persistence_timeout_s) {
  absl::MutexLock lock(&mu_);
  if (FindVs(key) != nullptr)
    return absl::AlreadyExistsError(
        absl::StrCat("virtual_server: ", ToString(key), " already exists"));
  std::vector<size_t> shape = Shape();
  shape.push_back(0);
  if (absl::Status st = CheckCapacity(limits_, shape); !st.ok()) return st;
  VirtualServerState vs;
  vs.key = key;
  vs.algo = algo;
  vs.persistence_timeout_s = persistence_timeout_s;
  vs.quorum_up = false;  // no real server yet: nothing to carry the quorum
  vs_.push_back(vs);
  Changed();
  return vs;
}

absl::StatusOr<VirtualServerState> LbState::EditVirtualServer(
    const VsKey& key, std::optional<config::LbAlgo> algo,
    std::optional<uint32_t> persistence_timeout_s) {
  if (persistence_timeout_s.has_value())
    RETURN_IF_ERROR(config::ForField(
        "persistence_timeout_s",
        config::CheckPersistenceTimeout(*persistence_timeout_s)));
  absl::MutexLock lock(&mu_);
  VirtualServerState* vs = FindVs(key);
  if (vs == nullptr)
    return absl::NotFoundError(
        absl::StrCat("virtual_server: ", ToString(key), " does not exist"));
  if (algo.has_value()) vs->algo = *algo;
  if (persistence_timeout_s.has_value())
    vs->persistence_timeout_s = *persistence_timeout_s;
  ChangedVs(vs);
  return *vs;
}

absl::StatusOr<VirtualServerState> LbState::RemoveVirtualServer(
    const VsKey& key) {
  absl::MutexLock lock(&mu_);
  auto it =
      std::find_if(vs_.begin(), vs_.end(),
                   [&](const VirtualServerState& v) { return v.key == key; });
  if (it == vs_.end())
    return absl::NotFoundError(
        absl::StrCat("virtual_server: ", ToString(key), " does not exist"));
  VirtualServerState removed = std::move(*it);
  vs_.erase(it);
  Changed();
  return removed;
}

absl::StatusOr<RealServerState> LbState::AddRealServer(const VsKey& vs,
                                                       const RsKey& rs,
                                                       uint32_t weight) {
  RETURN_IF_ERROR(config::ForField("weight", config::CheckWeight(weight)));
  absl::MutexLock lock(&mu_);
  VirtualServerState* v = FindVs(vs);
  if (v == nullptr)
    return absl::NotFoundError(
        absl::StrCat("virtual_server: ", ToString(vs), " does not exist"));
  // The parser's rules, so the API cannot make what the file refuses.
  if (absl::Status st = config::ForField(
          "real_server.address",
          config::CheckRealServerFamily(vs.address, rs.address));
      !st.ok())
    return st;
  if (absl::Status st = config::ForField(
          "real_server.port", config::CheckRealServerPort(vs.port, rs.port));
      !st.ok())
    return st;
  for (const RealServerState& r : v->real_servers) {
    if (r.key == rs)
      return absl::AlreadyExistsError(absl::StrCat(
          "real_server: ", ToString(rs), " already exists in ", ToString(vs)));
  }
  std::vector<size_t> shape = Shape();
  shape[v - vs_.data()]++;
  if (absl::Status st = CheckCapacity(limits_, shape); !st.ok()) return st;
  RealServerState r;
  r.key = rs;
  r.weight = weight;
  r.last_change_unix_ms = NowMs();
  // Before the sorry server, which stays last.
  auto at = v->real_servers.end();
  if (!v->real_servers.empty() && v->real_servers.back().sorry) at--;
  v->real_servers.insert(at, r);
  Changed();
  RsEvent(vs, r, absl::StrCat("added with weight ", weight));
  UpdateQuorum(v, false);
  return r;
}

absl::StatusOr<RealServerState> LbState::RemoveRealServer(const VsKey& vs,
                                                          const RsKey& rs) {
  absl::MutexLock lock(&mu_);
  auto found = FindRs(vs, rs);
  if (!found.ok()) return found.status();
  VirtualServerState* v = FindVs(vs);
  RealServerState removed = **found;
  v->real_servers.erase(v->real_servers.begin() +
                        (*found - v->real_servers.data()));
  Changed();
  RsEvent(vs, removed, "removed");
  UpdateQuorum(v, false);
  return removed;
}

absl::StatusOr<RealServerState> LbState::SetWeight(const VsKey& vs,
                                                   const RsKey& rs,
                                                   uint32_t weight) {
  RETURN_IF_ERROR(config::ForField("weight", config::CheckWeight(weight)));
  absl::MutexLock lock(&mu_);
  auto found = FindRs(vs, rs);
  if (!found.ok()) return found.status();
  if ((*found)->weight != weight) {
    std::string reason =
        absl::StrCat("weight ", (*found)->weight, " -> ", weight);
    (*found)->weight = weight;
    // The operator's weight replaces misc_dynamic's until the script's
    // exit code changes again (as ipvsadm -e does under keepalived).
    (*found)->check_weight.reset();
    ChangedVs(FindVs(vs));
    RsEvent(vs, **found, reason);
    UpdateQuorum(FindVs(vs), false);
  }
  return **found;
}

absl::StatusOr<RealServerState> LbState::SetDrain(const VsKey& vs,
                                                  const RsKey& rs, bool drain) {
  absl::MutexLock lock(&mu_);
  auto found = FindRs(vs, rs);
  if (!found.ok()) return found.status();
  if ((*found)->draining != drain) {
    (*found)->draining = drain;
    (*found)->last_change_unix_ms = NowMs();
    ChangedVs(FindVs(vs));
    RsEvent(vs, **found, drain ? "drained" : "undrained");
    UpdateQuorum(FindVs(vs), false);
  }
  return **found;
}

absl::Status LbState::SetHealth(const VsKey& vs, const RsKey& rs, bool up,
                                const std::string& reason,
                                std::optional<uint32_t> check_weight) {
  absl::MutexLock lock(&mu_);
  auto found = FindRs(vs, rs);
  if (!found.ok()) return found.status();
  RealServerState& r = **found;
  int64_t now = NowMs();
  r.last_check_result = reason;
  r.last_check_unix_ms = now;
  const Health next = up ? Health::kUp : Health::kDown;
  const bool weight_changed = r.check_weight != check_weight;
  r.check_weight = check_weight;
  if (r.health != next) {
    if (next == Health::kDown) r.checks.down_transitions++;
    if (r.health == Health::kDown)
      r.checks.closed_downtime_ms +=
          std::max<int64_t>(0, now - r.last_change_unix_ms);
    r.health = next;
    r.last_change_unix_ms = now;
    // Posted under mu_ (the hub never calls back), before the quorum
    // change it may cause.
    if (events_ != nullptr) {
      Event event;
      event.kind = Event::Kind::kRealServer;
      event.unix_ms = now;
      event.virtual_server = vs;
      event.real_server = rs;
      event.health = next;
      event.reason = reason;
      events_->Post(std::move(event));
    }
  } else if (!weight_changed) {
    return absl::OkStatus();
  }
  VirtualServerState* v = FindVs(vs);
  ChangedVs(v);
  UpdateQuorum(v, false);
  return absl::OkStatus();
}

absl::Status LbState::RecordCheck(const VsKey& vs, const RsKey& rs,
                                  const CheckOutcome& outcome) {
  absl::MutexLock lock(&mu_);
  auto found = FindRs(vs, rs);
  if (!found.ok()) return found.status();
  RealServerState& r = **found;
  r.last_check_result = outcome.text;
  r.last_check_unix_ms = outcome.unix_ms;
  r.checks.checks++;
  if (!outcome.ok) r.checks.failures++;
  r.checks.last_ok = outcome.ok;
  r.checks.last_duration_us = absl::ToInt64Microseconds(outcome.duration);
  return absl::OkStatus();
}

int64_t RealServerState::DowntimeMs(int64_t now_ms) const {
  int64_t total = checks.closed_downtime_ms;
  if (health == Health::kDown)
    total += std::max<int64_t>(0, now_ms - last_change_unix_ms);
  return total;
}

void LbState::SetBgpStatus(std::map<IpAddress, BgpStatus> status) {
  absl::MutexLock lock(&mu_);
  bgp_ = std::move(status);
}

void LbState::SetVipActive(const IpAddress& address, bool active) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = vip_active_.try_emplace(address, active);
  if (!inserted && it->second == active) return;
  it->second = active;
  ChangedVs(nullptr);
  for (VirtualServerState& vs : vs_)
    if (vs.key.address == address) vs.table_version = version_;
}

void LbState::SetNeighbor(const IpAddress& address, NeighborState neighbor) {
  absl::MutexLock lock(&mu_);
  NeighborState& n = neighbors_[address];
  if (n.mac == neighbor.mac && n.reason == neighbor.reason) return;
  // A MAC is in backend records of any virtual server: a new shape for
  // the publisher (TableInputs). The reason is for people only.
  const bool mac_changed = n.mac != neighbor.mac;
  n = std::move(neighbor);
  if (mac_changed) {
    Changed();
  } else {
    ChangedOutsideTable();
  }
}

std::map<IpAddress, bool> LbState::VipActivity() const {
  absl::MutexLock lock(&mu_);
  return vip_active_;
}

StateSnapshot LbState::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return StateSnapshot{version_, vs_, neighbors_, vip_active_, vrrp_, bgp_};
}

StateChanges LbState::ChangesSince(uint64_t since) const {
  absl::MutexLock lock(&mu_);
  if (since != 0 && since <= version_ && since >= shape_version_)
    return TouchedSince(since);
  StateChanges out;
  out.snapshot =
      StateSnapshot{version_, vs_, neighbors_, vip_active_, vrrp_, bgp_};
  out.virtual_servers = vs_.size();
  return out;
}

StateChanges LbState::TouchedSince(uint64_t since) const {
  StateChanges out;
  out.whole = false;
  out.virtual_servers = vs_.size();
  StateSnapshot& s = out.snapshot;
  s.version = version_;
  for (size_t p = 0; p < vs_.size(); p++) {
    const VirtualServerState& vs = vs_[p];
    if (vs.table_version <= since) continue;
    out.positions.push_back(p);
    s.virtual_servers.push_back(vs);
    if (auto a = vip_active_.find(vs.key.address); a != vip_active_.end())
      s.vip_active.insert(*a);
    for (const RealServerState& rs : vs.real_servers)
      if (auto n = neighbors_.find(rs.key.address); n != neighbors_.end())
        s.neighbors.insert(*n);
  }
  return out;
}

std::vector<VsKey> LbState::VirtualServerKeys() const {
  absl::MutexLock lock(&mu_);
  std::vector<VsKey> keys;
  keys.reserve(vs_.size());
  for (const VirtualServerState& vs : vs_) keys.push_back(vs.key);
  return keys;
}

void LbState::ApplyVrrpConfig(const config::Config& config) {
  std::set<IpAddress> vips;
  std::vector<VrrpStatus> next;
  for (const config::VrrpInstance& v : config.vrrp_instances) {
    VrrpStatus st;
    for (const VrrpStatus& old : vrrp_)
      if (old.name == v.name) st = old;  // the runtime's view survives
    st.name = v.name;
    st.virtual_router_id = v.virtual_router_id;
    st.priority = v.priority;
    if (st.effective_priority == 0) st.effective_priority = v.priority;
    st.interface = v.interface;
    st.version = static_cast<uint32_t>(v.version);
    st.virtual_addresses.clear();
    for (const config::VirtualIpAddress& a : v.virtual_ipaddress) {
      vips.insert(a.address);
      st.virtual_addresses.push_back(a.address.ToString());
    }
    next.push_back(std::move(st));
  }
  // No longer under VRRP: back to the default, active.
  for (const IpAddress& a : vrrp_vips_)
    if (!vips.contains(a)) vip_active_.erase(a);
  // Newly under VRRP: not ours until VRRP says master.
  for (const IpAddress& a : vips)
    if (!vrrp_vips_.contains(a)) vip_active_.try_emplace(a, false);
  vrrp_vips_ = std::move(vips);
  vrrp_ = std::move(next);
}

absl::Status LbState::SetVrrpStatus(const VrrpStatus& status,
                                    const std::string& reason) {
  Event event;
  {
    absl::MutexLock lock(&mu_);
    VrrpStatus* found = nullptr;
    for (VrrpStatus& v : vrrp_)
      if (v.name == status.name) found = &v;
    if (found == nullptr)
      return absl::NotFoundError(absl::StrCat("vrrp_instance ", status.name,
                                              " is not in the configuration"));
    std::string from = found->state;
    *found = status;
    if (from == status.state) return absl::OkStatus();
    ChangedOutsideTable();  // VIP activity comes through SetVipActive
    event.kind = Event::Kind::kVrrp;
    event.instance = status.name;
    event.vrrp_from = from;
    event.vrrp_to = status.state;
    event.reason = reason;
  }
  if (events_ != nullptr) events_->Post(std::move(event));
  return absl::OkStatus();
}

void LbState::SetQuorumListener(QuorumListener listener) {
  absl::MutexLock lock(&mu_);
  quorum_listener_ = std::move(listener);
}

void LbState::UpdateQuorum(VirtualServerState* vs, bool init) {
  if (vs == nullptr) return;
  QuorumInput in;
  in.up = vs->quorum_up;
  in.quorum = vs->quorum;
  in.hysteresis = vs->hysteresis;
  in.live_weight = LiveWeight(*vs);
  in.start_sorry_server = init && HasSorryServer(*vs);
  vs->live_weight = in.live_weight;
  const QuorumStep step = StepQuorum(in);
  if (step != QuorumStep::kNone) vs->quorum_up = step == QuorumStep::kGained;
  vs->sorry_in_use = !vs->quorum_up && HasSorryServer(*vs);
  if (step == QuorumStep::kNone) return;
  ChangedVs(vs);
  QuorumChange change;
  change.vs = vs->key;
  change.up = vs->quorum_up;
  change.init = init;
  change.script = change.up ? vs->quorum_up_script : vs->quorum_down_script;
  change.reason = QuorumReason(in, step);
  if (events_ != nullptr) {
    Event e;
    e.kind = Event::Kind::kQuorum;
    e.unix_ms = NowMs();
    e.virtual_server = vs->key;
    e.quorum_up = change.up;
    e.reason = change.reason;
    events_->Post(std::move(e));
  }
  if (quorum_listener_) quorum_listener_(change);
}

void LbState::SetLimits(const Limits& limits) {
  absl::MutexLock lock(&mu_);
  limits_ = limits;
}

std::vector<size_t> LbState::Shape() const {
  std::vector<size_t> shape;
  shape.reserve(vs_.size());
  for (const VirtualServerState& v : vs_)
    shape.push_back(v.real_servers.size());
  return shape;
}

uint64_t LbState::Version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

std::vector<IpAddress> LbState::RealServerAddresses() const {
  std::set<IpAddress> addresses;
  absl::MutexLock lock(&mu_);
  for (const VirtualServerState& v : vs_)
    for (const RealServerState& r : v.real_servers)
      addresses.insert(r.key.address);
  return {addresses.begin(), addresses.end()};
}

uint64_t LbState::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return version_ != seen;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return version_;
}

// Posting under mu_ is safe: the hub never calls back into the state.
void LbState::RsEvent(const VsKey& vs, const RealServerState& rs,
                      std::string reason) {
  if (events_ == nullptr) return;
  Event e;
  e.kind = Event::Kind::kRealServer;
  e.virtual_server = vs;
  e.real_server = rs.key;
  e.health = rs.health;
  e.reason = std::move(reason);
  events_->Post(std::move(e));
}

VirtualServerState* LbState::FindVs(const VsKey& key) {
  for (VirtualServerState& v : vs_)
    if (v.key == key) return &v;
  return nullptr;
}

absl::StatusOr<RealServerState*> LbState::FindRs(const VsKey& vs,
                                                 const RsKey& rs) {
  VirtualServerState* v = FindVs(vs);
  if (v == nullptr)
    return absl::NotFoundError(
        absl::StrCat("virtual_server: ", ToString(vs), " does not exist"));
  for (RealServerState& r : v->real_servers)
    if (r.key == rs) return &r;
  return absl::NotFoundError(absl::StrCat("real_server: ", ToString(rs),
                                          " does not exist in ", ToString(vs)));
}

}  // namespace dsrlb::api
