// Checks that need the whole file: duplicates, references, VRRP rules.
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/server_rules.h"

namespace dsrlb::config {
namespace {

std::string Endpoint(const IpAddress& ip, uint16_t port) {
  return ip.is_v4() ? absl::StrCat(ip.ToString(), " ", port)
                    : absl::StrCat("[", ip.ToString(), "] ", port);
}

std::string Where(const SourceLocation& w) {
  return absl::StrCat(w.file, ":", w.line);
}

absl::Status ValidateVirtualServers(const Config& config) {
  std::map<std::tuple<IpAddress, uint16_t, Protocol>, SourceLocation> vips;
  for (const VirtualServer& vs : config.virtual_servers) {
    auto [it, fresh] = vips.emplace(
        std::make_tuple(vs.address, vs.port, vs.protocol), vs.where);
    if (!fresh) {
      return ErrorAt(
          vs.where,
          absl::StrCat("duplicate virtual_server ",
                       Endpoint(vs.address, vs.port),
                       vs.group.empty()
                           ? ""
                           : absl::StrCat(" (member of virtual_server_group ",
                                          vs.group, ")"),
                       " (first at ", Where(it->second), ")"));
    }
    std::map<std::pair<IpAddress, uint16_t>, SourceLocation> reals;
    for (const RealServer& rs : vs.real_servers) {
      auto [rit, rfresh] =
          reals.emplace(std::make_pair(rs.address, rs.port), rs.where);
      if (!rfresh) {
        return ErrorAt(
            rs.where,
            absl::StrCat("duplicate real_server ",
                         Endpoint(rs.address, rs.port), " in virtual_server ",
                         Endpoint(vs.address, vs.port), " (first at ",
                         Where(rit->second), ")"));
      }
      for (const absl::Status& rule :
           {CheckRealServerFamily(vs.address, rs.address),
            CheckRealServerPort(vs.port, rs.port)}) {
        if (!rule.ok()) return ErrorAt(rs.where, rule.message());
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateInstance(const VrrpInstance& v,
                              const ParseNotes::Instance& note) {
  using State = VrrpInstance::InitialState;
  if (v.version == 2 &&
      v.advert_int % absl::Seconds(1) != absl::ZeroDuration()) {
    return ErrorAt(
        note.advert_int_where,
        absl::StrCat("advert_int ", absl::FormatDuration(v.advert_int),
                     " needs VRRP version 3: version 2 advertises "
                     "whole seconds (set 'version 3' or a whole "
                     "number)"));
  }
  if (v.version == 3 && v.advert_int > absl::Milliseconds(40950)) {
    return ErrorAt(note.advert_int_where,
                   "advert_int above 40.95 seconds does not fit VRRP version "
                   "3's centisecond field");
  }
  if (v.version == 3 && note.auth_where.line != 0) {
    return ErrorAt(note.auth_where,
                   "VRRP version 3 has no authentication (RFC 5798): remove "
                   "the authentication block or use version 2");
  }
  if (v.priority == 255 && v.state == State::kBackup) {
    return ErrorAt(note.state_where.line ? note.state_where : v.where,
                   absl::StrCat("vrrp_instance ", v.name,
                                ": priority 255 means address owner, which "
                                "starts as MASTER; set 'state MASTER' or a "
                                "lower priority"));
  }
  if (v.nopreempt && v.state == State::kMaster) {
    return ErrorAt(note.state_where,
                   absl::StrCat("vrrp_instance ", v.name,
                                ": nopreempt needs 'state BACKUP' (a MASTER "
                                "start preempts anyway)"));
  }
  if (v.state == State::kMaster && note.preempt_delay_where.line != 0) {
    return ErrorAt(note.preempt_delay_where,
                   absl::StrCat("vrrp_instance ", v.name,
                                ": preempt_delay needs 'state BACKUP' "
                                "(keepalived clears it for a MASTER start)"));
  }
  if (v.nopreempt && note.preempt_delay_where.line != 0) {
    return ErrorAt(
        note.preempt_delay_where,
        absl::StrCat("vrrp_instance ", v.name,
                     ": preempt_delay has no effect with nopreempt"));
  }
  std::set<std::pair<IpAddress, int>> seen;
  for (const VirtualIpAddress& vip : v.virtual_ipaddress) {
    if (vip.address.family != v.virtual_ipaddress[0].address.family) {
      return ErrorAt(vip.where,
                     absl::StrCat("vrrp_instance ", v.name,
                                  " mixes IPv4 and IPv6 virtual addresses: "
                                  "use one instance per family"));
    }
    if (!seen.emplace(vip.address, vip.prefix_len).second) {
      return ErrorAt(vip.where,
                     absl::StrCat("virtual_ipaddress ", vip.address.ToString(),
                                  " listed twice"));
    }
  }
  if (!v.virtual_ipaddress.empty()) {
    uint8_t family = v.virtual_ipaddress[0].address.family;
    bool bad_src = v.unicast_src_ip && v.unicast_src_ip->family != family;
    bool bad_peer = false;
    for (const IpAddress& p : v.unicast_peer) bad_peer |= p.family != family;
    if (bad_src || bad_peer) {
      return ErrorAt(v.where,
                     absl::StrCat("vrrp_instance ", v.name,
                                  ": unicast_src_ip and unicast_peer must be "
                                  "the same IP family as the virtual "
                                  "addresses"));
    }
  }
  return absl::OkStatus();
}

using Locations = std::map<std::string, SourceLocation>;

// Instance names and (interface, router id, family) are unique.
absl::Status ValidateInstances(const Config& config, const ParseNotes& notes,
                               Locations* instances) {
  std::map<std::tuple<std::string, uint8_t, uint8_t>, std::string> vrids;
  for (size_t i = 0; i < config.vrrp_instances.size(); ++i) {
    const VrrpInstance& v = config.vrrp_instances[i];
    auto [it, fresh] = instances->emplace(v.name, v.where);
    if (!fresh) {
      return ErrorAt(v.where,
                     absl::StrCat("duplicate vrrp_instance ", v.name,
                                  " (first at ", Where(it->second), ")"));
    }
    RETURN_IF_ERROR(ValidateInstance(v, notes.instances[i]));
    uint8_t family =
        v.virtual_ipaddress.empty() ? 4 : v.virtual_ipaddress[0].address.family;
    auto [vit, vfresh] = vrids.emplace(
        std::make_tuple(v.interface, v.virtual_router_id, family), v.name);
    if (!vfresh) {
      return ErrorAt(
          v.where,
          absl::StrCat("vrrp_instance ", v.name, " uses virtual_router_id ",
                       v.virtual_router_id, " on ", v.interface,
                       ", already used by vrrp_instance ", vit->second,
                       ": give each a unique id"));
    }
  }
  return absl::OkStatus();
}

// Group names are unique, members exist and belong to one group, and a
// member's tracked scripts carry no weight.
absl::Status ValidateSyncGroups(const Config& config, const ParseNotes& notes,
                                const Locations& instances) {
  Locations groups;
  for (const VrrpSyncGroup& g : config.vrrp_sync_groups) {
    auto [it, fresh] = groups.emplace(g.name, g.where);
    if (!fresh) {
      return ErrorAt(g.where,
                     absl::StrCat("duplicate vrrp_sync_group ", g.name,
                                  " (first at ", Where(it->second), ")"));
    }
  }
  std::map<std::string, std::string> member_of;
  for (const ParseNotes::Ref& ref : notes.sync_members) {
    if (!instances.contains(ref.name)) {
      return ErrorAt(ref.where, absl::StrCat("vrrp_sync_group ", ref.owner,
                                             " names unknown vrrp_instance '",
                                             ref.name, "'"));
    }
    auto [it, fresh] = member_of.emplace(ref.name, ref.owner);
    if (!fresh) {
      return ErrorAt(ref.where,
                     absl::StrCat("vrrp_instance ", ref.name,
                                  " is already in vrrp_sync_group ", it->second,
                                  ": an instance belongs to one group"));
    }
  }
  // The group moves together, so a script may only fault it; keepalived
  // silently ignores such weights.
  for (const ParseNotes::Ref& ref : notes.track_scripts) {
    auto group = member_of.find(ref.owner);
    if (group == member_of.end()) continue;
    int weight = config.vrrp_instances[ref.instance_index]
                     .track_script[ref.track_index]
                     .weight;
    if (weight != 0) {
      return ErrorAt(
          ref.where,
          absl::StrCat("vrrp_instance ", ref.owner, " is in vrrp_sync_group ",
                       group->second,
                       ", where a tracked script cannot change "
                       "priority: track '",
                       ref.name, "' with weight 0 (now ", weight, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateVrrp(const Config& config, const ParseNotes& notes) {
  Locations scripts, instances;
  for (const VrrpScript& s : config.vrrp_scripts) {
    auto [it, fresh] = scripts.emplace(s.name, s.where);
    if (!fresh) {
      return ErrorAt(
          s.where, absl::StrCat("duplicate vrrp_script ", s.name, " (first at ",
                                Where(it->second), ")"));
    }
  }
  RETURN_IF_ERROR(ValidateInstances(config, notes, &instances));
  for (const ParseNotes::Ref& ref : notes.track_scripts) {
    if (!scripts.contains(ref.name)) {
      return ErrorAt(ref.where, absl::StrCat("vrrp_instance ", ref.owner,
                                             " tracks unknown vrrp_script '",
                                             ref.name, "'"));
    }
  }
  return ValidateSyncGroups(config, notes, instances);
}

}  // namespace

absl::Status ValidateConfig(const Config& config, const ParseNotes& notes) {
  ErrorList errors;
  errors.Add(ValidateVirtualServers(config));
  errors.Add(ValidateVrrp(config, notes));
  return errors.status();
}

}  // namespace dsrlb::config
