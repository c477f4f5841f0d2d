// --check and the daemon: one validation.
#include "controlplane/daemon/validate_config.h"

namespace dsrlb::api {

LbState::Limits TableLimits(const DaemonOptions& options) {
  LbState::Limits limits;
  limits.max_virtual_servers = kMaxVirtualServers;
  limits.max_real_servers = kMaxRealServers;
  limits.max_ring_entries = kMaxRingEntries;
  limits.ring_size = options.ring_size;
  return limits;
}

absl::Status ValidateConfig(const config::Config& config,
                            const DaemonOptions& options) {
  LbState scratch(nullptr);
  scratch.SetLimits(TableLimits(options));
  return scratch.ApplyConfig(config).status();
}

}  // namespace dsrlb::api
