// vrrp_instance NAME { ... }: the keepalived VRRP instance keywords.
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// keepalived's range for tracking weights: priority stays within 1..254.
inline constexpr int64_t kMaxTrackWeight = 253;

absl::Status ParseVip(const Node& line, VirtualIpAddress* vip) {
  if (line.has_block) {
    return ErrorAt(line.keyword.where,
                   "virtual_ipaddress lists addresses, one per line; no { } "
                   "block");
  }
  vip->where = line.keyword.where;
  const Token& first = line.keyword;
  size_t slash = first.text.find('/');
  Token addr = first;
  addr.text = first.text.substr(0, slash);
  ASSIGN_OR_RETURN(vip->address, IpValue(addr, "virtual_ipaddress"));
  int max_prefix = vip->address.is_v4() ? 32 : 128;
  vip->prefix_len = max_prefix;
  if (slash != std::string::npos) {
    Token prefix = first;
    prefix.text = first.text.substr(slash + 1);
    prefix.where.column += static_cast<int>(slash) + 1;
    ASSIGN_OR_RETURN(
        int64_t p, IntValue(prefix, "virtual_ipaddress prefix", 0, max_prefix));
    vip->prefix_len = static_cast<int>(p);
  }
  for (size_t i = 0; i < line.args.size(); i += 2) {
    const Token& opt = line.args[i];
    const bool known = opt.text == "dev" || opt.text == "label";
    if (!known) {
      for (absl::string_view u :
           {"brd", "broadcast", "scope", "no_track", "preferred_lft", "home",
            "nodad", "noprefixroute", "autojoin", "track_group", "peer"}) {
        if (opt.text == u) {
          return NotSupported(opt, "virtual_ipaddress");
        }
      }
      return ErrorAt(opt.where,
                     absl::StrCat("unknown option '", opt.text,
                                  "' in virtual_ipaddress (ADDRESS[/PREFIX] "
                                  "[dev IFNAME] [label LABEL])"));
    }
    if (i + 1 >= line.args.size()) {
      return ErrorAt(opt.where, absl::StrCat("'", opt.text,
                                             "' in virtual_ipaddress is "
                                             "missing its value"));
    }
    std::string& field = opt.text == "dev" ? vip->dev : vip->label;
    if (!field.empty()) {
      return ErrorAt(opt.where, absl::StrCat("'", opt.text,
                                             "' given twice for one address"));
    }
    field = line.args[i + 1].text;
  }
  return absl::OkStatus();
}

// "NAME [weight N]" lines of track_interface and track_script.
absl::Status ParseTrackLine(const Node& line, absl::string_view section,
                            std::string* name, int* weight,
                            bool* weight_given) {
  if (line.has_block) {
    return ErrorAt(line.keyword.where,
                   absl::StrCat(section,
                                " lists names, one per line; no { } "
                                "block"));
  }
  *name = line.keyword.text;
  if (line.args.empty()) return absl::OkStatus();
  if (line.args[0].text != "weight" || line.args.size() < 2) {
    return ErrorAt(line.args[0].where,
                   absl::StrCat("unexpected '", line.args[0].text, "' in ",
                                section, " (NAME [weight N])"));
  }
  if (line.args.size() > 2) {
    if (line.args[2].text == "reverse") {
      return NotSupported(line.args[2], section);
    }
    return ErrorAt(line.args[2].where,
                   absl::StrCat("unexpected '", line.args[2].text, "' in ",
                                section, " (NAME [weight N])"));
  }
  ASSIGN_OR_RETURN(int64_t w, IntValue(line.args[1], "weight", -kMaxTrackWeight,
                                       kMaxTrackWeight));
  *weight = static_cast<int>(w);
  *weight_given = true;
  return absl::OkStatus();
}

absl::Status ParseAuthentication(const Node& n, VrrpInstance* v) {
  RETURN_IF_ERROR(ExpectBlock(n));
  bool have_pass = false;
  std::vector<Keyword> kw = {
      {"auth_type",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "auth_type PASS|AH"));
         ASSIGN_OR_RETURN(v->auth_type, EnumValue<VrrpAuthType>(
                                            s.args[0], "auth_type",
                                            {{"PASS", VrrpAuthType::kPass},
                                             {"AH", VrrpAuthType::kAh}}));
         // The daemon cannot run it: --check must not pass it either.
         if (v->auth_type == VrrpAuthType::kAh) {
           return NotSupported(s.args[0], "auth_type",
                               "RFC 3768 removed IPsec AH from VRRP; use "
                               "auth_type PASS or no authentication");
         }
         return absl::OkStatus();
       }},
      {"auth_pass",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "auth_pass PASSWORD"));
         const std::string& p = s.args[0].text;
         // keepalived cuts a longer password to 8 bytes with a warning; a
         // peer configured with the full string would then disagree, so
         // dsrlb makes the user write what goes on the wire.
         if (p.size() > 8 || p.empty()) {
           return ErrorAt(
               s.args[0].where,
               absl::StrCat("auth_pass is ", p.size(),
                            " bytes; VRRP carries 1 to 8 (keepalived "
                            "would silently use '",
                            p.substr(0, 8), "'): shorten it"));
         }
         v->auth_pass = p;
         have_pass = true;
         return absl::OkStatus();
       }},
  };
  RETURN_IF_ERROR(DispatchBlock(n.children, "authentication", kw, {}));
  if (v->auth_type == VrrpAuthType::kNone) {
    return ErrorAt(n.keyword.where, "authentication block needs 'auth_type'");
  }
  if (!have_pass) {
    return ErrorAt(n.keyword.where, "authentication block needs 'auth_pass'");
  }
  return absl::OkStatus();
}

// The state one vrrp_instance block fills while its keywords are parsed.
struct InstanceParse {
  VrrpInstance* v;
  ParseNotes* notes;
  ParseNotes::Instance note;
  std::vector<Token> tracked_interfaces;
};

std::function<absl::Status(const Node&)> ScriptHandler(std::string* field) {
  return [field](const Node& s) {
    ASSIGN_OR_RETURN(*field, ScriptValue(s));
    return absl::OkStatus();
  };
}

// Who the instance is and how it speaks: state, interface, router id,
// priority, timing, authentication, protocol version.
std::vector<Keyword> IdentityKeywords(InstanceParse& p) {
  auto version = [&p](const Node& s) {
    RETURN_IF_ERROR(ExpectArgs(s, 1, 1, absl::StrCat(s.keyword.text, " 2|3")));
    ASSIGN_OR_RETURN(int64_t ver, IntValue(s.args[0], s.keyword.text, 2, 3));
    p.v->version = static_cast<int>(ver);
    p.note.version_set = true;
    p.note.version_where = s.args[0].where;
    return absl::OkStatus();
  };
  return {
      {"state",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "state MASTER|BACKUP"));
         ASSIGN_OR_RETURN(
             p.v->state,
             EnumValue<VrrpInstance::InitialState>(
                 s.args[0], "state",
                 {{"MASTER", VrrpInstance::InitialState::kMaster},
                  {"BACKUP", VrrpInstance::InitialState::kBackup}}));
         p.note.state_where = s.args[0].where;
         return absl::OkStatus();
       }},
      {"interface",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "interface IFNAME"));
         p.v->interface = s.args[0].text;
         return absl::OkStatus();
       }},
      {"virtual_router_id",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "virtual_router_id 1-255"));
         ASSIGN_OR_RETURN(int64_t id,
                          IntValue(s.args[0], "virtual_router_id", 1, 255));
         p.v->virtual_router_id = static_cast<uint8_t>(id);
         p.note.has_vrid = true;
         return absl::OkStatus();
       }},
      {"priority",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "priority 1-255"));
         ASSIGN_OR_RETURN(int64_t prio,
                          IntValue(s.args[0], "priority", 1, 255));
         p.v->priority = static_cast<uint8_t>(prio);
         p.note.priority_where = s.args[0].where;
         return absl::OkStatus();
       }},
      {"advert_int",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "advert_int SECONDS"));
         ASSIGN_OR_RETURN(
             p.v->advert_int,
             SecondsValue(s.args[0], "advert_int", absl::Milliseconds(10),
                          absl::Seconds(255), absl::Milliseconds(10)));
         p.note.advert_int_where = s.args[0].where;
         return absl::OkStatus();
       }},
      {"authentication",
       [&p](const Node& s) {
         p.note.auth_where = s.keyword.where;
         return ParseAuthentication(s, p.v);
       }},
      {"version", version, false, "version"},
      {"vrrp_version", version, false, "version"},
  };
}

// The addresses it owns and talks to, and its preemption policy.
std::vector<Keyword> AddressKeywords(InstanceParse& p) {
  return {
      {"virtual_ipaddress",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectBlock(s));
         for (const Node& line : s.children) {
           VirtualIpAddress vip;
           RETURN_IF_ERROR(ParseVip(line, &vip));
           p.v->virtual_ipaddress.push_back(std::move(vip));
         }
         return absl::OkStatus();
       }},
      {"nopreempt",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 0, 0, "nopreempt"));
         p.v->nopreempt = true;
         return absl::OkStatus();
       }},
      {"preempt_delay",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "preempt_delay SECONDS"));
         ASSIGN_OR_RETURN(
             p.v->preempt_delay,
             SecondsValue(s.args[0], "preempt_delay", absl::ZeroDuration(),
                          absl::Seconds(1000)));
         p.note.preempt_delay_where = s.keyword.where;
         return absl::OkStatus();
       }},
      {"unicast_src_ip",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "unicast_src_ip IP"));
         ASSIGN_OR_RETURN(p.v->unicast_src_ip,
                          IpValue(s.args[0], "unicast_src_ip"));
         return absl::OkStatus();
       }},
      {"unicast_peer",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectBlock(s));
         p.note.unicast_peer_where = s.keyword.where;
         for (const Node& line : s.children) {
           if (line.has_block || !line.args.empty()) {
             if (!line.args.empty() && (line.args[0].text == "min_ttl" ||
                                        line.args[0].text == "max_ttl")) {
               return NotSupported(line.args[0], "unicast_peer");
             }
             return ErrorAt(line.keyword.where,
                            "unicast_peer lists addresses, one per line");
           }
           ASSIGN_OR_RETURN(IpAddress peer,
                            IpValue(line.keyword, "unicast_peer"));
           p.v->unicast_peer.push_back(peer);
         }
         return absl::OkStatus();
       }},
  };
}

// Gratuitous ARP after becoming master.
std::vector<Keyword> GarpKeywords(InstanceParse& p) {
  return {
      {"garp_master_delay",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "garp_master_delay SECONDS"));
         ASSIGN_OR_RETURN(
             p.v->garp_master_delay,
             SecondsValue(s.args[0], "garp_master_delay", absl::ZeroDuration(),
                          absl::Seconds(255)));
         return absl::OkStatus();
       }},
      {"garp_master_repeat",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "garp_master_repeat COUNT"));
         ASSIGN_OR_RETURN(int64_t r,
                          IntValue(s.args[0], "garp_master_repeat", 1, 255));
         p.v->garp_master_repeat = static_cast<int>(r);
         return absl::OkStatus();
       }},
      {"garp_master_refresh",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "garp_master_refresh SECONDS"));
         ASSIGN_OR_RETURN(p.v->garp_master_refresh,
                          SecondsValue(s.args[0], "garp_master_refresh",
                                       absl::ZeroDuration(), absl::Hours(24)));
         return absl::OkStatus();
       }},
  };
}

// What lowers its priority and what it runs on a state change.
std::vector<Keyword> TrackAndNotifyKeywords(InstanceParse& p) {
  return {
      {"track_interface",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectBlock(s));
         for (const Node& line : s.children) {
           TrackInterface t;
           bool given = false;
           RETURN_IF_ERROR(ParseTrackLine(line, "track_interface", &t.name,
                                          &t.weight, &given));
           p.tracked_interfaces.push_back(line.keyword);
           p.v->track_interface.push_back(std::move(t));
         }
         return absl::OkStatus();
       }},
      {"track_script",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectBlock(s));
         for (const Node& line : s.children) {
           TrackScript t;
           ParseNotes::Ref ref{
               line.keyword.text,        p.v->name,
               line.keyword.where,       p.notes->instances.size(),
               p.v->track_script.size(), false};
           RETURN_IF_ERROR(ParseTrackLine(line, "track_script", &t.name,
                                          &t.weight, &ref.weight_given));
           p.notes->track_scripts.push_back(std::move(ref));
           p.v->track_script.push_back(std::move(t));
         }
         return absl::OkStatus();
       }},
      {"notify_master", ScriptHandler(&p.v->notify_master)},
      {"notify_backup", ScriptHandler(&p.v->notify_backup)},
      {"notify_fault", ScriptHandler(&p.v->notify_fault)},
      {"notify", ScriptHandler(&p.v->notify)},
      {"smtp_alert",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(p.v->smtp_alert, FlagValue(s));
         return absl::OkStatus();
       }},
  };
}

// Every keyword of the block, and those keepalived knows but dsrlb does not.
absl::Status DispatchInstanceBlock(const Node& n, InstanceParse& p) {
  std::vector<Keyword> kw = IdentityKeywords(p);
  for (auto* group :
       {&AddressKeywords, &GarpKeywords, &TrackAndNotifyKeywords}) {
    std::vector<Keyword> more = (*group)(p);
    kw.insert(kw.end(), std::make_move_iterator(more.begin()),
              std::make_move_iterator(more.end()));
  }
  kw.push_back({"virtual_routes", [&p](const Node& s) {
                  return ParseRoutes(s, &p.v->virtual_routes);
                }});
  kw.push_back({"virtual_rules", [&p](const Node& s) {
                  return ParseRules(s, &p.v->virtual_rules,
                                    &p.notes->next_rule_priority);
                }});
  return DispatchBlock(n.children, "vrrp_instance", kw,
                       {"use_vmac",
                        "vmac_xmit_base",
                        "native_ipv6",
                        "dont_track_primary",
                        "track_file",
                        "track_process",
                        "track_bfd",
                        "mcast_src_ip",
                        "lvs_sync_daemon_interface",
                        "virtual_ipaddress_excluded",
                        "accept",
                        "no_accept",
                        "strict_mode",
                        "debug",
                        "notify_stop",
                        "notify_deleted",
                        "notify_master_rx_lower_pri",
                        "notify_priority_changes",
                        "higher_prio_send_advert",
                        "kernel_rx_buf_size",
                        "garp_lower_prio_delay",
                        "garp_lower_prio_repeat",
                        "garp_master_refresh_repeat",
                        "lower_prio_no_advert",
                        "unicast_ttl",
                        "unicast_fault_no_peer",
                        "check_unicast_src",
                        "old_unicast_checksum",
                        "skip_check_adv_addr",
                        "linkbeat_use_polling",
                        "track_src_ip",
                        "down_timer_adverts",
                        "garp_extra_if",
                        "preempt",
                        "use_pid_dir",
                        "vrrp_garp_extra_if"});
}

// What a complete instance must have once every keyword was read.
absl::Status CheckInstanceComplete(const Node& n, const InstanceParse& p) {
  const VrrpInstance* v = p.v;
  if (v->interface.empty()) {
    return ErrorAt(n.keyword.where, absl::StrCat("vrrp_instance ", v->name,
                                                 " needs 'interface IFNAME'"));
  }
  for (const Token& t : p.tracked_interfaces) {
    if (t.text == v->interface) {
      return ErrorAt(t.where,
                     absl::StrCat("track_interface ", t.text,
                                  " is the instance's own interface, which is "
                                  "always tracked (keepalived ignores the "
                                  "line): remove it"));
    }
  }
  if (!p.note.has_vrid) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("vrrp_instance ", v->name,
                                " needs 'virtual_router_id 1-255'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseVrrpInstance(const Node& n, VrrpInstance* v,
                               ParseNotes* notes) {
  v->where = n.keyword.where;
  if (n.args.size() != 1) {
    return ErrorAt(
        n.keyword.where,
        "'vrrp_instance' wants one name (vrrp_instance NAME { ... })");
  }
  v->name = n.args[0].text;
  if (!n.has_block) {
    return ErrorAt(n.keyword.where, "'vrrp_instance' needs a { } block");
  }
  InstanceParse p{v, notes, {}, {}};
  RETURN_IF_ERROR(DispatchInstanceBlock(n, p));
  RETURN_IF_ERROR(CheckInstanceComplete(n, p));
  notes->instances.push_back(p.note);
  return absl::OkStatus();
}

}  // namespace dsrlb::config
