// Identities of virtual and real servers, as the state and the API name them.
#ifndef DSRLB_CONTROLPLANE_MODEL_KEYS_H_
#define DSRLB_CONTROLPLANE_MODEL_KEYS_H_

#include <compare>
#include <cstdint>
#include <string>

#include "common/ip_address.h"
#include "controlplane/config/config.h"
#include "controlplane/config/keys.h"

namespace dsrlb::api {

using VsKey = config::VsKey;
using RsKey = config::RsKey;

// "TCP 192.168.4.15:80", "[2001:db8::1]:443" for IPv6.
std::string HostPort(const IpAddress& address, uint16_t port);
std::string ToString(const VsKey& key);
std::string ToString(const RsKey& key);
const char* ProtocolName(config::Protocol protocol);
const char* AlgoName(config::LbAlgo algo);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_KEYS_H_
