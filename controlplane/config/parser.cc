// Top level: include expansion, section dispatch, defaults, validation.
#include "controlplane/config/parser.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/include_expander.h"
#include "controlplane/config/preprocess.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/tree.h"

namespace dsrlb::config {
namespace {

// Defaults that cross blocks, once every block is read.
void ApplyCrossDefaults(const ParseNotes& notes, Config* c) {
  Config& config = *c;
  // global_defs may come after the instances it gives a default to.
  for (size_t i = 0; i < config.vrrp_instances.size(); ++i) {
    if (!notes.instances[i].version_set) {
      config.vrrp_instances[i].version = config.global.vrrp_version;
    }
  }
  // A track_script line without a weight takes its vrrp_script's, so the
  // model holds the weight that applies.
  for (const ParseNotes::Ref& ref : notes.track_scripts) {
    if (ref.weight_given) continue;
    for (const VrrpScript& s : config.vrrp_scripts) {
      if (s.name == ref.name) {
        config.vrrp_instances[ref.instance_index]
            .track_script[ref.track_index]
            .weight = s.weight;
      }
    }
  }
}

// A top-level block that may repeat: each one parsed into one more element
// of `out`.
template <typename T, typename Parse>
Keyword Repeated(absl::string_view name, std::vector<T>* out, Parse parse) {
  return {name,
          [out, parse](const Node& n) {
            T item;
            RETURN_IF_ERROR(parse(n, &item));
            out->push_back(std::move(item));
            return absl::OkStatus();
          },
          true};
}

absl::StatusOr<Config> ParseExpanded(ExpandedTokens expanded) {
  ASSIGN_OR_RETURN(std::vector<Node> top, BuildTree(expanded.tokens));
  Config config;
  ParseNotes notes;
  std::vector<VsGroup> groups;
  config.files = std::move(expanded.files);
  std::vector<Keyword> kw = {
      {"global_defs",
       [&](const Node& n) {
         return ParseGlobalDefs(n, &config.global, &notes);
       }},
      Repeated("vrrp_script", &config.vrrp_scripts, ParseVrrpScript),
      Repeated("vrrp_instance", &config.vrrp_instances,
               [&](const Node& n, VrrpInstance* v) {
                 return ParseVrrpInstance(n, v, &notes);
               }),
      Repeated("vrrp_sync_group", &config.vrrp_sync_groups,
               [&](const Node& n, VrrpSyncGroup* g) {
                 return ParseVrrpSyncGroup(n, g, &notes);
               }),
      Repeated("virtual_server_group", &groups, ParseVirtualServerGroup),
      Repeated("virtual_server", &config.virtual_servers, ParseVirtualServer),
      {"bgp",
       [&](const Node& n) {
         Bgp b;
         RETURN_IF_ERROR(ParseBgp(n, &b));
         config.bgp = std::move(b);
         return absl::OkStatus();
       }},
  };
  kw.push_back({"static_ipaddress", [&](const Node& n) {
                  return ParseStaticAddresses(n, &config.static_ipaddress);
                }});
  kw.push_back({"static_routes", [&](const Node& n) {
                  return ParseRoutes(n, &config.static_routes);
                }});
  kw.push_back({"static_rules", [&](const Node& n) {
                  return ParseRules(n, &config.static_rules,
                                    &notes.next_rule_priority);
                }});
  RETURN_IF_ERROR(DispatchBlock(
      top, "the top level", kw,
      {"vrrp_track_process", "vrrp_track_file", "track_file", "bfd_instance",
       "garp_group", "linkbeat_use_polling", "net_namespace",
       "net_namespace_ipvs", "instance", "use_pid_dir", "child_wait_time",
       "SSL", "linkbeat_interfaces", "namespace_with_ipsets"}));
  // A group may be defined after the virtual_server that uses it.
  RETURN_IF_ERROR(ExpandGroups(groups, &config.virtual_servers));
  ApplyCrossDefaults(notes, &config);
  RETURN_IF_ERROR(FinishGlobalDefs(top, notes, &config));
  RETURN_IF_ERROR(ValidateConfig(config, notes));
  RETURN_IF_ERROR(ValidateBgp(config));
  return config;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

ParseOptions ParseOptions::Default() { return {DefaultConfigId()}; }

absl::StatusOr<Config> LoadConfigFile(const std::string& path,
                                      const ParseOptions& options) {
  ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  ASSIGN_OR_RETURN(
      ExpandedTokens expanded,
      ExpandIncludes(text, path, DirName(path), options.config_id));
  return ParseExpanded(std::move(expanded));
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  return LoadConfigFile(path, ParseOptions::Default());
}

absl::StatusOr<Config> ParseTextRelativeTo(absl::string_view text,
                                           const std::string& file_name,
                                           const std::string& base_dir) {
  ASSIGN_OR_RETURN(ExpandedTokens expanded,
                   ExpandIncludes(text, file_name, base_dir,
                                  ParseOptions::Default().config_id));
  return ParseExpanded(std::move(expanded));
}

absl::StatusOr<Config> ParseConfigText(absl::string_view text,
                                       const std::string& file_name,
                                       const ParseOptions& options) {
  ASSIGN_OR_RETURN(ExpandedTokens expanded,
                   ExpandIncludes(text, file_name, "", options.config_id));
  return ParseExpanded(std::move(expanded));
}

absl::StatusOr<Config> ParseConfigText(absl::string_view text,
                                       const std::string& file_name) {
  return ParseConfigText(text, file_name, ParseOptions::Default());
}

}  // namespace dsrlb::config
