// Where dsrlb-control gets a keepalived.conf model from: the config
// parser when this build has it (meson finds controlplane/config/parser.h).
#ifndef DSRLB_CONTROLPLANE_API_CONFIG_SOURCE_H_
#define DSRLB_CONTROLPLANE_API_CONFIG_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "controlplane/config/config.h"

namespace dsrlb::api {

absl::StatusOr<config::Config> LoadConfig(const std::string& path);

// One paragraph for --check: what the file defines.
std::string ConfigSummary(const config::Config& config);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_API_CONFIG_SOURCE_H_
