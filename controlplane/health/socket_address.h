// IpAddress + port <-> sockaddr, and "host:port" text for messages.
#ifndef DSRLB_CONTROLPLANE_HEALTH_SOCKET_ADDRESS_H_
#define DSRLB_CONTROLPLANE_HEALTH_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/ip_address.h"

namespace dsrlb::health {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family() const { return storage.ss_family; }
  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
};

SocketAddress ToSocketAddress(const IpAddress& address, uint16_t port);
// "127.0.0.1:80", "[::1]:80".
std::string HostPort(const IpAddress& address, uint16_t port);
// "127.0.0.1", "[::1]": the host part of a URL.
std::string UrlHost(const IpAddress& address);

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_SOCKET_ADDRESS_H_
