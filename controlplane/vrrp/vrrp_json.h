// JSON for dsrlb-vrrpd until the daemon takes keepalived.conf: a vrrp config
// whose keys are keepalived's keywords, and the status snapshot as JSON.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_JSON_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controlplane/config/config.h"
#include "controlplane/vrrp/vrrp_status.h"

namespace dsrlb::vrrp {

// {"global_defs": {...}, "vrrp_script": [...], "vrrp_instance": [...],
//  "vrrp_sync_group": [...]}: see controlplane/vrrp/README.md.
absl::StatusOr<config::Config> ParseVrrpConfigJson(const std::string& text);

std::string StatusToJson(const std::vector<InstanceStatus>& status);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_JSON_H_
