// Printing server identities.
#include "controlplane/model/keys.h"

#include "absl/strings/str_cat.h"

namespace dsrlb::api {

std::string HostPort(const IpAddress& address, uint16_t port) {
  if (address.is_v4()) return absl::StrCat(address.ToString(), ":", port);
  return absl::StrCat("[", address.ToString(), "]:", port);
}

std::string ToString(const VsKey& key) {
  return absl::StrCat(ProtocolName(key.protocol), " ",
                      HostPort(key.address, key.port));
}

std::string ToString(const RsKey& key) {
  return HostPort(key.address, key.port);
}

const char* ProtocolName(config::Protocol protocol) {
  return protocol == config::Protocol::kUdp ? "UDP" : "TCP";
}

const char* AlgoName(config::LbAlgo algo) {
  switch (algo) {
    case config::LbAlgo::kRr:
      return "rr";
    case config::LbAlgo::kWrr:
      return "wrr";
    case config::LbAlgo::kMh:
      return "mh";
    case config::LbAlgo::kSh:
      return "sh";
  }
  return "?";
}

}  // namespace dsrlb::api
