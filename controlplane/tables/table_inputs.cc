// Per virtual server table inputs, compared field by field.
#include "controlplane/tables/table_inputs.h"

namespace dsrlb::api {
namespace {

bool IsActive(const StateSnapshot& s, const IpAddress& address) {
  auto it = s.vip_active.find(address);
  return it == s.vip_active.end() || it->second;
}

}  // namespace

void TableInputs::Clear() {
  known_ = false;
  vs_.clear();
  macs_.clear();
}

TableInputs::Vs TableInputs::Of(const VirtualServerState& vs,
                                const StateSnapshot& snapshot) {
  Vs out{vs.key,
         vs.algo,
         vs.persistence_timeout_s,
         vs.persistence_granularity,
         vs.quorum,
         vs.quorum_up,
         vs.sorry_in_use,
         IsActive(snapshot, vs.key.address),
         {}};
  out.real_servers.reserve(vs.real_servers.size());
  for (const RealServerState& rs : vs.real_servers)
    out.real_servers.push_back(Rs{rs.key, rs.Weight(), rs.health, rs.draining,
                                  rs.inhibit_on_failure, rs.sorry});
  return out;
}

void TableInputs::Reset(const StateSnapshot& snapshot) {
  Clear();
  known_ = true;
  vs_.reserve(snapshot.virtual_servers.size());
  for (const VirtualServerState& vs : snapshot.virtual_servers)
    vs_.push_back(Of(vs, snapshot));
  for (const auto& [address, n] : snapshot.neighbors)
    macs_.emplace_hint(macs_.end(), address, n.mac);
}

bool TableInputs::SameNeighbors(const StateSnapshot& snapshot) const {
  if (snapshot.neighbors.size() != macs_.size()) return false;
  auto had = macs_.begin();
  for (const auto& [address, n] : snapshot.neighbors) {
    if (had->first != address || had->second != n.mac) return false;
    ++had;
  }
  return true;
}

bool TableInputs::SameInputs(const Vs& had, const VirtualServerState& vs,
                             const StateSnapshot& snapshot) {
  if (had.algo != vs.algo ||
      had.persistence_timeout_s != vs.persistence_timeout_s ||
      had.persistence_granularity != vs.persistence_granularity ||
      had.quorum != vs.quorum || had.quorum_up != vs.quorum_up ||
      had.sorry_in_use != vs.sorry_in_use ||
      had.active != IsActive(snapshot, vs.key.address))
    return false;
  for (size_t r = 0; r < vs.real_servers.size(); r++) {
    const Rs& h = had.real_servers[r];
    const RealServerState& rs = vs.real_servers[r];
    if (h.weight != rs.Weight() || h.health != rs.health ||
        h.draining != rs.draining ||
        h.inhibit_on_failure != rs.inhibit_on_failure || h.sorry != rs.sorry)
      return false;
  }
  return true;
}

bool TableInputs::SameKeysAt(size_t position,
                             const VirtualServerState& vs) const {
  const Vs& had = vs_[position];
  if (vs.key != had.key || vs.real_servers.size() != had.real_servers.size())
    return false;
  for (size_t r = 0; r < vs.real_servers.size(); r++)
    if (vs.real_servers[r].key != had.real_servers[r].key) return false;
  return true;
}

bool TableInputs::SameShape(const StateSnapshot& snapshot,
                            std::vector<size_t>* changed) const {
  changed->clear();
  if (!known_ || snapshot.virtual_servers.size() != vs_.size() ||
      !SameNeighbors(snapshot))
    return false;
  for (size_t v = 0; v < vs_.size(); v++) {
    const VirtualServerState& vs = snapshot.virtual_servers[v];
    if (!SameKeysAt(v, vs)) return false;
    if (!SameInputs(vs_[v], vs, snapshot)) changed->push_back(v);
  }
  return true;
}

bool TableInputs::SameMacsOf(const VirtualServerState& vs,
                             const StateSnapshot& lookup) const {
  // A neighbour without a MAC reads as no neighbour (BuildVipSpec).
  static const std::optional<Mac> kNone;
  for (const RealServerState& rs : vs.real_servers) {
    auto n = lookup.neighbors.find(rs.key.address);
    auto had = macs_.find(rs.key.address);
    const std::optional<Mac>& now =
        n == lookup.neighbors.end() ? kNone : n->second.mac;
    if (now != (had == macs_.end() ? kNone : had->second)) return false;
  }
  return true;
}

bool TableInputs::FitsChanges(const StateChanges& changes,
                              std::vector<size_t>* changed) const {
  changed->clear();
  const std::vector<VirtualServerState>& touched =
      changes.snapshot.virtual_servers;
  if (!known_ || changes.whole || changes.virtual_servers != vs_.size() ||
      changes.positions.size() != touched.size())
    return false;
  for (size_t i = 0; i < touched.size(); i++) {
    const size_t p = changes.positions[i];
    if (p >= vs_.size() || !SameKeysAt(p, touched[i]) ||
        !SameMacsOf(touched[i], changes.snapshot))
      return false;
    if (!SameInputs(vs_[p], touched[i], changes.snapshot))
      changed->push_back(i);
  }
  return true;
}

void TableInputs::UpdateAt(size_t position, const VirtualServerState& vs,
                           const StateSnapshot& lookup) {
  vs_[position] = Of(vs, lookup);
}

void TableInputs::Update(const StateSnapshot& snapshot,
                         const std::vector<size_t>& positions) {
  for (size_t v : positions) vs_[v] = Of(snapshot.virtual_servers[v], snapshot);
}

}  // namespace dsrlb::api
