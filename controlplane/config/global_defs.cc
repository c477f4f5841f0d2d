// global_defs { ... }: router id, mail alerts, default VRRP version.
#include <vector>

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

}  // namespace

absl::Status ParseGlobalDefs(const Node& n, GlobalDefs* g, ParseNotes* notes) {
  RETURN_IF_ERROR(ExpectBlock(n));
  std::vector<Keyword> kw = GlobalKeywords(g, notes);
  return DispatchBlock(n.children, "global_defs", kw,
                       {"lvs_id",
                        "smtp_helo_name",
                        "script_user",
                        "enable_script_security",
                        "vrrp_mcast_group4",
                        "vrrp_mcast_group6",
                        "vrrp_garp_master_delay",
                        "vrrp_garp_master_repeat",
                        "vrrp_garp_master_refresh",
                        "vrrp_garp_master_refresh_repeat",
                        "vrrp_garp_interval",
                        "vrrp_gna_interval",
                        "vrrp_lower_prio_no_advert",
                        "vrrp_higher_prio_send_advert",
                        "vrrp_skip_check_adv_addr",
                        "vrrp_strict",
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
