// Parsers for each top-level section; internal to the config library.
#ifndef DSRLB_CONTROLPLANE_CONFIG_SECTIONS_H_
#define DSRLB_CONTROLPLANE_CONFIG_SECTIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controlplane/config/block.h"
#include "controlplane/config/config.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {

// What the model does not keep but the checks after parsing need: where
// names were referenced, and which values were written rather than defaulted.
struct ParseNotes {
  struct Ref {
    std::string name;
    std::string owner;  // the instance or group that names it
    SourceLocation where;
    // track_script lines only: where the TrackScript sits in the Config,
    // and whether the line gave its own weight.
    size_t instance_index = 0;
    size_t track_index = 0;
    bool weight_given = false;
  };
  struct Instance {
    bool version_set = false;
    SourceLocation version_where;
    SourceLocation advert_int_where;
    SourceLocation auth_where;  // line 0 = no authentication block
    SourceLocation state_where;
    SourceLocation preempt_delay_where;  // line 0 = not written
    SourceLocation priority_where;       // line 0 = not written
    SourceLocation unicast_peer_where;   // line 0 = not written
    bool has_vrid = false;
  };
  std::vector<Ref> track_scripts;
  std::vector<Ref> sync_members;
  std::vector<Instance> instances;  // parallel to Config::vrrp_instances
  bool global_version_set = false;
  SourceLocation strict_where;  // vrrp_strict in global_defs; line 0 = off
  // keepalived 2.2.7 gives a rule without a preference 16384, then 16383,
  // ... in the order it reads them (static_rules and virtual_rules alike).
  uint32_t next_rule_priority = 16384;
};

// virtual_server_group NAME { ... }: members first..last (one address
// unless a range), each with the port (0 = all ports).
struct VsGroupMember {
  IpAddress first, last;
  uint16_t port = 0;
  SourceLocation where;
};
struct VsGroup {
  std::string name;
  std::vector<VsGroupMember> members;
  SourceLocation where;
};

// global_defs' status_page { listen ... auth ... refresh ... } block.
Keyword StatusPageKeyword(GlobalDefs* g);

absl::Status ParseGlobalDefs(const Node& n, GlobalDefs* out, ParseNotes* notes);
absl::Status ParseVirtualServer(const Node& n, VirtualServer* out);
absl::Status ParseVirtualServerGroup(const Node& n, VsGroup* out);
// Replaces each "virtual_server group NAME" with one virtual server per
// member address and port of the group (in place, in member order).
absl::Status ExpandGroups(const std::vector<VsGroup>& groups,
                          std::vector<VirtualServer>* servers);
// persistence_granularity written for the other IP family than `vs`'s
// address: an error at `where`.
absl::Status CheckGranularityFamily(const VirtualServer& vs,
                                    const SourceLocation& where);
absl::Status ParseRealServer(const Node& n, RealServer* out);
// keepalived's virtualhost on a virtual_server or real_server: the Host of
// its HTTP_GET / SSL_GET checkers that do not name their own (real_server.cc).
void AddVirtualhostKeyword(std::string* host, std::vector<Keyword>* kw);
void DefaultVirtualhost(const std::string& host, RealServer* rs);
// Appends the checker of block `n`; an SMTP_CHECK with host { } blocks
// appends one per host.
absl::Status ParseChecker(const Node& n, CheckerKind kind,
                          std::vector<Checker>* out);
absl::Status ParseVrrpInstance(const Node& n, VrrpInstance* out,
                               ParseNotes* notes);
absl::Status ParseVrrpScript(const Node& n, VrrpScript* out);
absl::Status ParseVrrpSyncGroup(const Node& n, VrrpSyncGroup* out,
                                ParseNotes* notes);

// ParseConfigText with relative includes taken from `base_dir` instead of
// the current directory (the fuzz target keeps them in a sandbox with it).
absl::StatusOr<Config> ParseTextRelativeTo(absl::string_view text,
                                           const std::string& file_name,
                                           const std::string& base_dir);

// Once every section is read: global_defs' VRRP settings copied into the
// instances, the default script user, vrrp_strict's rules and
// enable_script_security's check of every script in `top`.
absl::Status FinishGlobalDefs(const std::vector<Node>& top,
                              const ParseNotes& notes, Config* config);
// vrrp_strict (strict_mode.cc).
absl::Status ValidateStrictMode(const Config& config, const ParseNotes& notes);
// enable_script_security (script_security.cc).
absl::Status CheckScriptSecurity(const std::vector<Node>& top,
                                 const GlobalDefs& global);

// static_ipaddress { ... }, static_routes / virtual_routes { ... },
// static_rules / virtual_rules { ... } (ip_objects.cc): every line's error.
absl::Status ParseStaticAddresses(const Node& n,
                                  std::vector<StaticAddress>* out);
absl::Status ParseRoutes(const Node& n, std::vector<IpRoute>* out);
absl::Status ParseRules(const Node& n, std::vector<IpRule>* out,
                        uint32_t* next_priority);

// Checks across sections once everything is read.
absl::Status ValidateConfig(const Config& config, const ParseNotes& notes);

// dsrlb's bgp block (bgp.cc), and its check across the file: every virtual
// server in BGP mode has a next hop of its family.
absl::Status ParseBgp(const Node& n, Bgp* out);
absl::Status ValidateBgp(const Config& config);
// --check's line for the bgp block ("" without one).
std::string DescribeBgp(const Config& config);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_SECTIONS_H_
