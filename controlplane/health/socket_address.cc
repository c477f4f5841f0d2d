// Address conversions for the checkers.
#include "controlplane/health/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace dsrlb::health {

SocketAddress ToSocketAddress(const IpAddress& address, uint16_t port) {
  SocketAddress out;
  if (address.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    memcpy(&sin->sin_addr, address.bytes.data(), 4);
    out.len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
    out.len = sizeof(sockaddr_in6);
  }
  return out;
}

std::string UrlHost(const IpAddress& address) {
  return address.is_v4() ? address.ToString()
                         : absl::StrCat("[", address.ToString(), "]");
}

std::string HostPort(const IpAddress& address, uint16_t port) {
  return absl::StrCat(UrlHost(address), ":", port);
}

}  // namespace dsrlb::health
