// An IPv4 or IPv6 address as the shared-memory contract stores it.
#ifndef DSRLB_COMMON_IP_ADDRESS_H_
#define DSRLB_COMMON_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dsrlb {

struct IpAddress {
  uint8_t family = 0;               // DSRLB_AF_INET (4) or DSRLB_AF_INET6 (6)
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 in bytes[0..3]

  static absl::StatusOr<IpAddress> Parse(absl::string_view text);
  std::string ToString() const;
  bool is_v4() const { return family == 4; }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// "aa:bb:cc:dd:ee:ff".
std::string MacToString(const uint8_t mac[6]);
absl::StatusOr<std::array<uint8_t, 6>> ParseMac(absl::string_view text);

}  // namespace dsrlb

#endif  // DSRLB_COMMON_IP_ADDRESS_H_
