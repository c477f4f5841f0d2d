// Service names in keepalived's format.
#include "controlplane/health/health_event.h"

#include "absl/strings/str_cat.h"

namespace dsrlb::health {

std::string FormatService(const IpAddress& address, uint16_t port,
                          config::Protocol protocol) {
  return absl::StrCat("[", address.ToString(),
                      "]:", protocol == config::Protocol::kUdp ? "udp" : "tcp",
                      ":", port);
}

std::string FormatVs(const VsKey& vs) {
  return FormatService(vs.address, vs.port, vs.protocol);
}

std::string FormatRs(const VsKey& vs, const RsKey& rs) {
  return FormatService(rs.address, rs.port, vs.protocol);
}

}  // namespace dsrlb::health
