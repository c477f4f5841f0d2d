#include "controlplane/model/operator_state.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::api {
namespace {

using json = nlohmann::json;
using Kind = OperatorState::VsChange::Kind;

constexpr int kFormatVersion = 1;

const char* KindName(Kind k) {
  return k == Kind::kAdd ? "add" : k == Kind::kRemove ? "remove" : "edit";
}

absl::StatusOr<config::LbAlgo> AlgoFromName(const std::string& s) {
  for (config::LbAlgo a : {config::LbAlgo::kRr, config::LbAlgo::kWrr,
                           config::LbAlgo::kMh, config::LbAlgo::kSh}) {
    if (s == AlgoName(a)) return a;
  }
  return absl::InvalidArgumentError("unknown scheduler '" + s + "'");
}

json VsJson(const VsKey& k) {
  return {{"protocol", ProtocolName(k.protocol)},
          {"address", k.address.ToString()},
          {"port", k.port}};
}

absl::StatusOr<VsKey> VsFromJson(const json& j) {
  VsKey k;
  ASSIGN_OR_RETURN(k.address,
                   IpAddress::Parse(j.at("address").get<std::string>()));
  k.port = j.at("port").get<uint16_t>();
  const std::string proto = j.at("protocol").get<std::string>();
  if (proto != "TCP" && proto != "UDP")
    return absl::InvalidArgumentError("unknown protocol '" + proto + "'");
  k.protocol = proto == "TCP" ? config::Protocol::kTcp : config::Protocol::kUdp;
  return k;
}

json ToJson(const std::map<VsKey, OperatorState::VsChange>& vs,
            const std::map<OperatorState::RsId, OperatorState::RsChange>& rs) {
  json out = {{"version", kFormatVersion},
              {"virtual_servers", json::array()},
              {"real_servers", json::array()}};
  for (const auto& [key, c] : vs) {
    json j = VsJson(key);
    j["change"] = KindName(c.kind);
    if (c.algo) j["scheduler"] = AlgoName(*c.algo);
    if (c.persistence_timeout_s)
      j["persistence_timeout"] = *c.persistence_timeout_s;
    out["virtual_servers"].push_back(j);
  }
  for (const auto& [id, c] : rs) {
    json j = {{"virtual_server", VsJson(id.first)},
              {"address", id.second.address.ToString()},
              {"port", id.second.port}};
    if (c.added) j["added"] = true;
    if (c.removed) j["removed"] = true;
    if (c.weight) j["weight"] = *c.weight;
    if (c.drain) j["drain"] = *c.drain;
    out["real_servers"].push_back(j);
  }
  return out;
}

absl::Status ParseVsChanges(const json& arr,
                            std::map<VsKey, OperatorState::VsChange>* out) {
  for (const json& j : arr) {
    ASSIGN_OR_RETURN(VsKey key, VsFromJson(j));
    OperatorState::VsChange c;
    const std::string kind = j.at("change").get<std::string>();
    if (kind == "add")
      c.kind = Kind::kAdd;
    else if (kind == "remove")
      c.kind = Kind::kRemove;
    else if (kind == "edit")
      c.kind = Kind::kEdit;
    else
      return absl::InvalidArgumentError("unknown change '" + kind + "'");
    if (j.contains("scheduler")) {
      ASSIGN_OR_RETURN(c.algo, AlgoFromName(j["scheduler"].get<std::string>()));
    }
    if (j.contains("persistence_timeout"))
      c.persistence_timeout_s = j["persistence_timeout"].get<uint32_t>();
    (*out)[key] = c;
  }
  return absl::OkStatus();
}

absl::Status ParseRsChanges(
    const json& arr,
    std::map<OperatorState::RsId, OperatorState::RsChange>* out) {
  for (const json& j : arr) {
    ASSIGN_OR_RETURN(VsKey vs, VsFromJson(j.at("virtual_server")));
    RsKey rs;
    ASSIGN_OR_RETURN(rs.address,
                     IpAddress::Parse(j.at("address").get<std::string>()));
    rs.port = j.at("port").get<uint16_t>();
    OperatorState::RsChange c;
    c.added = j.value("added", false);
    c.removed = j.value("removed", false);
    if (j.contains("weight")) c.weight = j["weight"].get<uint32_t>();
    if (j.contains("drain")) c.drain = j["drain"].get<bool>();
    (*out)[{vs, rs}] = c;
  }
  return absl::OkStatus();
}

// Applies one real server change; "" or why it no longer applies.
std::string ApplyRs(const OperatorState::RsId& id,
                    const OperatorState::RsChange& c, LbState* state) {
  const auto& [vs, rs] = id;
  absl::Status st;
  if (c.removed) {
    st = state->RemoveRealServer(vs, rs).status();
    return st.ok() || absl::IsNotFound(st) ? "" : std::string(st.message());
  }
  if (c.added) {
    st = state->AddRealServer(vs, rs, c.weight.value_or(1)).status();
    if (!st.ok() && !absl::IsAlreadyExists(st))
      return std::string(st.message());
  }
  if (c.weight) {
    st = state->SetWeight(vs, rs, *c.weight).status();
    if (!st.ok()) return std::string(st.message());
  }
  if (c.drain) {
    st = state->SetDrain(vs, rs, *c.drain).status();
    if (!st.ok()) return std::string(st.message());
  }
  return "";
}

// Applies one virtual server change; "" or why it no longer applies.
std::string ApplyVs(const VsKey& key, const OperatorState::VsChange& c,
                    LbState* state) {
  absl::Status st;
  switch (c.kind) {
    case Kind::kRemove:
      st = state->RemoveVirtualServer(key).status();
      return st.ok() || absl::IsNotFound(st) ? "" : std::string(st.message());
    case Kind::kAdd:
      st = state
               ->AddVirtualServer(key, c.algo.value_or(config::LbAlgo::kWrr),
                                  c.persistence_timeout_s.value_or(0))
               .status();
      if (st.ok()) return "";
      if (!absl::IsAlreadyExists(st)) return std::string(st.message());
      [[fallthrough]];  // in the file by now: the operator's settings win
    case Kind::kEdit:
      if (!c.algo && !c.persistence_timeout_s) return "";
      st = state->EditVirtualServer(key, c.algo, c.persistence_timeout_s)
               .status();
      return st.ok() ? "" : std::string(st.message());
  }
  return "";
}

}  // namespace

absl::Status OperatorState::Load() {
  if (path_.empty()) return absl::OkStatus();  // memory only: nothing to read
  std::map<VsKey, VsChange> vs;
  std::map<RsId, RsChange> rs;
  std::ifstream in(path_);
  if (in) RETURN_IF_ERROR(Parse(in, &vs, &rs));  // absent: no changes
  absl::MutexLock lock(&mu_);
  vs_ = std::move(vs);
  rs_ = std::move(rs);
  return absl::OkStatus();
}

absl::Status OperatorState::Parse(std::istream& in,
                                  std::map<VsKey, VsChange>* vs,
                                  std::map<RsId, RsChange>* rs) const {
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("state file ", path_, ": ", why,
                     " (fix it, or delete it to return to the configuration)"));
  };
  if (j.is_discarded() || !j.is_object()) return bad("not JSON");
  if (j.value("version", 0) != kFormatVersion)
    return bad(absl::StrCat("format version is not ", kFormatVersion));
  try {
    absl::Status st =
        ParseVsChanges(j.value("virtual_servers", json::array()), vs);
    if (st.ok())
      st = ParseRsChanges(j.value("real_servers", json::array()), rs);
    if (!st.ok()) return bad(std::string(st.message()));
  } catch (const json::exception& e) {
    return bad(e.what());
  }
  return absl::OkStatus();
}

absl::Status OperatorState::SaveLocked() const {
  if (path_.empty()) return absl::OkStatus();
  const std::string tmp = absl::StrCat(path_, ".tmp.", getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ToJson(vs_, rs_).dump(2) << "\n";
    out.flush();
    if (!out)
      return absl::InternalError(
          absl::StrCat("cannot write the state file ", tmp));
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(
        absl::StrCat("cannot replace the state file ", path_));
  }
  return absl::OkStatus();
}

absl::Status OperatorState::AddVs(const VsKey& vs, config::LbAlgo algo,
                                  uint32_t persistence) {
  absl::MutexLock lock(&mu_);
  vs_[vs] = VsChange{Kind::kAdd, algo, persistence};
  return SaveLocked();
}

absl::Status OperatorState::RemoveVs(const VsKey& vs) {
  absl::MutexLock lock(&mu_);
  vs_[vs] = VsChange{Kind::kRemove, std::nullopt, std::nullopt};
  // Its real servers went with it.
  for (auto it = rs_.begin(); it != rs_.end();)
    it = it->first.first == vs ? rs_.erase(it) : std::next(it);
  return SaveLocked();
}

absl::Status OperatorState::EditVs(const VsKey& vs,
                                   std::optional<config::LbAlgo> algo,
                                   std::optional<uint32_t> persistence) {
  absl::MutexLock lock(&mu_);
  VsChange& c = vs_[vs];  // a new entry is an edit
  if (algo) c.algo = algo;
  if (persistence) c.persistence_timeout_s = persistence;
  return SaveLocked();
}

absl::Status OperatorState::AddRs(const VsKey& vs, const RsKey& rs,
                                  uint32_t weight) {
  absl::MutexLock lock(&mu_);
  rs_[{vs, rs}] = RsChange{true, false, weight, std::nullopt};
  return SaveLocked();
}

absl::Status OperatorState::RemoveRs(const VsKey& vs, const RsKey& rs) {
  absl::MutexLock lock(&mu_);
  rs_[{vs, rs}] = RsChange{false, true, std::nullopt, std::nullopt};
  return SaveLocked();
}

absl::Status OperatorState::SetWeight(const VsKey& vs, const RsKey& rs,
                                      uint32_t weight) {
  absl::MutexLock lock(&mu_);
  RsChange& c = rs_[{vs, rs}];
  c.weight = weight;
  return SaveLocked();
}

absl::Status OperatorState::SetDrain(const VsKey& vs, const RsKey& rs,
                                     bool drain) {
  absl::MutexLock lock(&mu_);
  RsChange& c = rs_[{vs, rs}];
  c.drain = drain;
  return SaveLocked();
}

std::vector<std::string> OperatorState::ApplyTo(LbState* state) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> stale;
  for (const auto& [key, c] : vs_) {
    std::string why = ApplyVs(key, c, state);
    if (!why.empty())
      stale.push_back(absl::StrCat(KindName(c.kind), " virtual_server ",
                                   ToString(key), ": ", why));
  }
  for (const auto& [id, c] : rs_) {
    std::string why = ApplyRs(id, c, state);
    if (!why.empty())
      stale.push_back(absl::StrCat("real_server ", ToString(id.second), " of ",
                                   ToString(id.first), ": ", why));
  }
  return stale;
}

size_t OperatorState::size() const {
  absl::MutexLock lock(&mu_);
  return vs_.size() + rs_.size();
}

}  // namespace dsrlb::api
