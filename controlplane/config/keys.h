// Identities of virtual and real servers: how the config, the health
// checkers, the service state and the API name them.
#ifndef DSRLB_CONTROLPLANE_CONFIG_KEYS_H_
#define DSRLB_CONTROLPLANE_CONFIG_KEYS_H_

#include <compare>
#include <cstdint>

#include "common/ip_address.h"
#include "controlplane/config/config.h"

namespace dsrlb::config {

struct VsKey {
  IpAddress address;
  uint16_t port = 0;  // 0 = all ports
  Protocol protocol = Protocol::kTcp;
  friend bool operator==(const VsKey&, const VsKey&) = default;
  friend auto operator<=>(const VsKey&, const VsKey&) = default;
};

struct RsKey {
  IpAddress address;
  uint16_t port = 0;
  friend bool operator==(const RsKey&, const RsKey&) = default;
  friend auto operator<=>(const RsKey&, const RsKey&) = default;
};

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_KEYS_H_
