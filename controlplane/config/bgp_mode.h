// Which virtual-server addresses are in BGP mode: those no vrrp_instance
// lists (VRRP mode moves the others), when the file has a `bgp` block.
#ifndef DSRLB_CONTROLPLANE_CONFIG_BGP_MODE_H_
#define DSRLB_CONTROLPLANE_CONFIG_BGP_MODE_H_

#include <set>

#include "controlplane/config/config.h"

namespace dsrlb::config {

// The addresses some vrrp_instance lists.
std::set<IpAddress> VrrpAddresses(const Config& config);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_BGP_MODE_H_
