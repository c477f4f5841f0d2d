// The switch between the keepalived.conf parser and a build without one.
#include "controlplane/api/config_source.h"

#include "absl/strings/str_cat.h"
#include "controlplane/api/keys.h"

#ifdef DSRLB_HAVE_CONFIG_PARSER
#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#endif

namespace dsrlb::api {

absl::StatusOr<config::Config> LoadConfig(const std::string& path) {
#ifdef DSRLB_HAVE_CONFIG_PARSER
  return config::LoadConfigFile(path);
#else
  return absl::UnimplementedError(absl::StrCat(
      "cannot read ", path,
      ": this build has no keepalived.conf parser "
      "(controlplane/config/parser.h); rebuild from a tree that has it"));
#endif
}

std::string ConfigSummary(const config::Config& c) {
#ifdef DSRLB_HAVE_CONFIG_PARSER
  return config::DescribeConfig(c);
#endif
  size_t rs = 0;
  for (const config::VirtualServer& vs : c.virtual_servers)
    rs += vs.real_servers.size();
  std::string out = absl::StrCat(c.virtual_servers.size(), " virtual server(s), ",
                                 rs, " real server(s), ", c.vrrp_instances.size(),
                                 " VRRP instance(s)\n");
  for (const config::VrrpInstance& v : c.vrrp_instances) {
    absl::StrAppend(&out, "  vrrp_instance ", v.name, " on ", v.interface,
                    " vrid ", v.virtual_router_id, " priority ", v.priority, ":");
    for (const config::VirtualIpAddress& a : v.virtual_ipaddress)
      absl::StrAppend(&out, " ", a.address.ToString(), "/", a.prefix_len);
    absl::StrAppend(&out, "\n");
  }
  for (const config::VirtualServer& vs : c.virtual_servers) {
    absl::StrAppend(&out, "  virtual_server ",
                    ToString(VsKey{vs.address, vs.port, vs.protocol}), " ",
                    AlgoName(vs.lb_algo), "\n");
    for (const config::RealServer& r : vs.real_servers)
      absl::StrAppend(&out, "    -> ", HostPort(r.address, r.port), " weight ",
                      r.weight, ", ", r.checkers.size(), " check(s)\n");
  }
  return out;
}

}  // namespace dsrlb::api
