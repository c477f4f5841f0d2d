// A short human summary of a parsed config, for 'dsrlb-control --check'.
#ifndef DSRLB_CONTROLPLANE_CONFIG_CONFIG_CHECK_H_
#define DSRLB_CONTROLPLANE_CONFIG_CONFIG_CHECK_H_

#include <string>

#include "controlplane/config/config.h"

namespace dsrlb::config {

// Lines like "virtual_server 192.168.4.15:80 TCP rr, 2 real servers" with
// each real server, its weight and checkers, then each vrrp_instance.
std::string DescribeConfig(const Config& config);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_CONFIG_CHECK_H_
