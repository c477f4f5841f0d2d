// Address and MAC parsing and printing.
#include "common/ip_address.h"

#include <arpa/inet.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dsrlb {

absl::StatusOr<IpAddress> IpAddress::Parse(absl::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
    return a;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is not an IPv4 or IPv6 address"));
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) {
    inet_ntop(AF_INET, bytes.data(), buf, sizeof(buf));
  } else if (family == 6) {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf));
  } else {
    return "(none)";
  }
  return buf;
}

std::string MacToString(const uint8_t mac[6]) {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
                         mac[2], mac[3], mac[4], mac[5]);
}

absl::StatusOr<std::array<uint8_t, 6>> ParseMac(absl::string_view text) {
  std::array<uint8_t, 6> mac{};
  unsigned v[6];
  char tail;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
                  &v[3], &v[4], &v[5], &tail) != 6)
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a MAC address (aa:bb:cc:dd:ee:ff)"));
  for (int i = 0; i < 6; i++) mac[i] = static_cast<uint8_t>(v[i]);
  return mac;
}

}  // namespace dsrlb
