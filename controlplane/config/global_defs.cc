// global_defs { ... }: router id, mail alerts, VRRP defaults, script user.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"

#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {

namespace {

// The global settings dsrlb reads; notes record what the validator needs.
std::vector<Keyword> GlobalKeywords(GlobalDefs* g, ParseNotes* notes) {
  return {
      {"router_id",
       [g](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "router_id NAME"));
         g->router_id = s.args[0].text;
         return absl::OkStatus();
       }},
      {"notification_email",
       [g](const Node& s) {
         RETURN_IF_ERROR(ExpectBlock(s));
         for (const Node& line : s.children) {
           if (line.has_block) {
             return ErrorAt(line.keyword.where,
                            "notification_email lists addresses, one per "
                            "line; no { } block");
           }
           g->notification_email.push_back(line.keyword.text);
           for (const Token& t : line.args) {
             g->notification_email.push_back(t.text);
           }
         }
         return absl::OkStatus();
       }},
      {"notification_email_from",
       [g](const Node& s) {
         RETURN_IF_ERROR(
             ExpectArgs(s, 1, 1, "notification_email_from ADDRESS"));
         g->notification_email_from = s.args[0].text;
         return absl::OkStatus();
       }},
      {"smtp_server",
       [g](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 2, "smtp_server HOST [PORT]"));
         g->smtp_server = s.args[0].text;
         if (s.args.size() == 2) {
           ASSIGN_OR_RETURN(int64_t port,
                            IntValue(s.args[1], "smtp_server port", 1, 65535));
           g->smtp_port = static_cast<uint16_t>(port);
         }
         return absl::OkStatus();
       }},
      {"smtp_connect_timeout",
       [g](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "smtp_connect_timeout SECONDS"));
         ASSIGN_OR_RETURN(g->smtp_connect_timeout,
                          SecondsValue(s.args[0], "smtp_connect_timeout",
                                       absl::Seconds(1), absl::Seconds(3600)));
         return absl::OkStatus();
       }},
      {"vrrp_version",
       [g, notes](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "vrrp_version 2|3"));
         ASSIGN_OR_RETURN(int64_t v, IntValue(s.args[0], "vrrp_version", 2, 3));
         g->vrrp_version = static_cast<int>(v);
         notes->global_version_set = true;
         return absl::OkStatus();
       }},
  };
}

// A flag keyword that takes no value (keepalived's vrrp_strict and
// vrrp_skip_check_adv_addr take none).
Keyword BareFlag(absl::string_view name, bool* out) {
  return {name, [name, out](const Node& s) {
            RETURN_IF_ERROR(ExpectArgs(s, 0, 0, name));
            *out = true;
            return absl::OkStatus();
          }};
}

// vrrp_garp_interval / vrrp_gna_interval: keepalived's range is 1 us to
// 4294.967295 s; 0 (the sample file's value) means what keepalived then
// uses, its default: no delay.
Keyword IntervalKeyword(absl::string_view name, absl::Duration* out) {
  return {
      name, [name, out](const Node& s) {
        RETURN_IF_ERROR(ExpectArgs(s, 1, 1, absl::StrCat(name, " SECONDS")));
        ASSIGN_OR_RETURN(*out,
                         SecondsValue(s.args[0], name, absl::ZeroDuration(),
                                      absl::Microseconds(4294967295)));
        return absl::OkStatus();
      }};
}

struct ScriptIds {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// getpwnam_r / getgrnam_r: the user's primary group unless `group` is given.
absl::StatusOr<ScriptIds> LookUpUser(const std::string& user,
                                     const std::string& group) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* pw_found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pw_found) != 0 ||
      pw_found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no user '", user, "' on this host"));
  }
  ScriptIds ids{pw.pw_uid, pw.pw_gid};
  if (!group.empty()) {
    struct group gr {};
    struct group* gr_found = nullptr;
    if (getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &gr_found) !=
            0 ||
        gr_found == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no group '", group, "' on this host"));
    }
    ids.gid = gr.gr_gid;
  }
  return ids;
}

std::vector<Keyword> ScriptKeywords(GlobalDefs* g) {
  return {
      {"script_user",
       [g](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 2, "script_user USER [GROUP]"));
         absl::StatusOr<ScriptIds> ids = LookUpUser(
             s.args[0].text, s.args.size() == 2 ? s.args[1].text : "");
         if (!ids.ok()) {
           return ErrorAt(
               s.args[0].where,
               absl::StrCat("script_user: ", ids.status().message()));
         }
         g->script_user = s.args[0].text;
         g->script_uid = ids->uid;
         g->script_gid = ids->gid;
         return absl::OkStatus();
       }},
      BareFlag("enable_script_security", &g->enable_script_security),
  };
}

std::vector<Keyword> VrrpGlobalKeywords(GlobalDefs* g, ParseNotes* notes) {
  return {
      BareFlag("vrrp_skip_check_adv_addr", &g->vrrp_skip_check_adv_addr),
      {"vrrp_strict",
       [g, notes](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 0, 0, "vrrp_strict"));
         g->vrrp_strict = true;
         notes->strict_where = s.keyword.where;
         return absl::OkStatus();
       }},
      IntervalKeyword("vrrp_garp_interval", &g->vrrp_garp_interval),
      IntervalKeyword("vrrp_gna_interval", &g->vrrp_gna_interval),
  };
}

}  // namespace

absl::Status FinishGlobalDefs(const std::vector<Node>& top,
                              const ParseNotes& notes, Config* config) {
  GlobalDefs& g = config->global;
  // keepalived runs scripts as keepalived_script when that user exists.
  if (!g.script_uid) {
    absl::StatusOr<ScriptIds> ids = LookUpUser("keepalived_script", "");
    if (ids.ok()) {
      g.script_user = "keepalived_script";
      g.script_uid = ids->uid;
      g.script_gid = ids->gid;
    }
  }
  for (VrrpInstance& v : config->vrrp_instances) {
    v.skip_check_adv_addr = g.vrrp_skip_check_adv_addr;
    v.strict_mode = g.vrrp_strict;
    v.garp_interval = g.vrrp_garp_interval;
    v.gna_interval = g.vrrp_gna_interval;
  }
  if (g.vrrp_strict) RETURN_IF_ERROR(ValidateStrictMode(*config, notes));
  if (g.enable_script_security) RETURN_IF_ERROR(CheckScriptSecurity(top, g));
  return absl::OkStatus();
}

absl::Status ParseGlobalDefs(const Node& n, GlobalDefs* g, ParseNotes* notes) {
  RETURN_IF_ERROR(ExpectBlock(n));
  std::vector<Keyword> kw = GlobalKeywords(g, notes);
  for (std::vector<Keyword> more :
       {ScriptKeywords(g), VrrpGlobalKeywords(g, notes),
        std::vector<Keyword>{StatusPageKeyword(g)}}) {
    kw.insert(kw.end(), more.begin(), more.end());
  }
  return DispatchBlock(n.children, "global_defs", kw,
                       {"lvs_id",
                        "smtp_helo_name",
                        "vrrp_mcast_group4",
                        "vrrp_mcast_group6",
                        "vrrp_garp_master_delay",
                        "vrrp_garp_master_repeat",
                        "vrrp_garp_master_refresh",
                        "vrrp_garp_master_refresh_repeat",
                        "vrrp_lower_prio_no_advert",
                        "vrrp_higher_prio_send_advert",
                        "vrrp_iptables",
                        "vrrp_ipsets",
                        "vrrp_check_unicast_src",
                        "vrrp_priority",
                        "checker_priority",
                        "vrrp_no_swap",
                        "checker_no_swap",
                        "vrrp_rt_priority",
                        "checker_rt_priority",
                        "lvs_sync_daemon",
                        "lvs_flush",
                        "lvs_timeouts",
                        "enable_traps",
                        "enable_snmp_vrrp",
                        "enable_snmp_checker",
                        "enable_snmp_rfc",
                        "snmp_socket",
                        "dynamic_interfaces",
                        "max_auto_priority",
                        "net_namespace",
                        "instance",
                        "notify_fifo",
                        "vrrp_notify_fifo",
                        "lvs_notify_fifo",
                        "default_interface",
                        "router_id_from_hostname",
                        "smtp_alert",
                        "smtp_alert_vrrp",
                        "smtp_alert_checker",
                        "checker_log_all_failures",
                        "vrrp_startup_delay",
                        "vrrp_min_garp",
                        "script_timeout",
                        "dbus",
                        "umask",
                        "nftables"});
}

}  // namespace dsrlb::config
