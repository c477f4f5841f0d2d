// keepalived keywords dsrlb refuses with advice: what to write instead.
#include <string>

#include "absl/strings/str_cat.h"
#include "controlplane/config/sections.h"

namespace dsrlb::config {
namespace {

Keyword Refuse(absl::string_view name, absl::string_view section,
               absl::string_view why) {
  return {name, [section, why](const Node& n) {
            return NotSupported(n.keyword, section, why);
          }};
}

}  // namespace

std::vector<Keyword> RefusedWithAdvice(absl::string_view section) {
  if (section == "vrrp_instance") {
    return {
        Refuse("virtual_routes", section,
               "routes that follow mastership: add and remove them with "
               "'ip route' in notify_master and notify_backup/notify_fault"),
        Refuse("virtual_rules", section,
               "policy rules that follow mastership: add and remove them with "
               "'ip rule' in notify_master and notify_backup/notify_fault"),
    };
  }
  return {
      Refuse("static_ipaddress", section,
             "configure the host's own addresses with the system's network "
             "configuration ('ip address', systemd-networkd, ifupdown)"),
      Refuse("static_routes", section,
             "configure the host's routes with the system's network "
             "configuration ('ip route', systemd-networkd, ifupdown)"),
      Refuse("static_rules", section,
             "configure policy routing rules with the system's network "
             "configuration ('ip rule', systemd-networkd)"),
  };
}

}  // namespace dsrlb::config
