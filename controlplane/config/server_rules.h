// The rules a virtual or real server must follow, whoever asks for it: the
// keepalived.conf parser (which adds file:line) and the gRPC API (through
// the service model) call the same functions, so no request can make a
// state that the file would refuse.
#ifndef DSRLB_CONTROLPLANE_CONFIG_SERVER_RULES_H_
#define DSRLB_CONTROLPLANE_CONFIG_SERVER_RULES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/ip_address.h"

namespace dsrlb::config {

// IPVS weights are 0..65535; 0 quiesces (no new flows).
inline constexpr int64_t kMaxWeight = 65535;
// keepalived's persistence_timeout ceiling (ipvsadm takes any; a month is
// more than any client holds an address).
inline constexpr int64_t kMaxPersistenceTimeoutS = 31 * 24 * 3600;

// Direct server return rewrites the MAC only: the packet keeps the VIP's
// family and port, so the real server must share both.
absl::Status CheckRealServerFamily(const IpAddress& vs, const IpAddress& rs);
absl::Status CheckRealServerPort(uint16_t vs_port, uint16_t rs_port);
// In the words of the parser's IntValue for the same keyword.
absl::Status CheckWeight(int64_t weight);
absl::Status CheckPersistenceTimeout(int64_t seconds);

// The API's form of a rule's refusal: "FIELD: " before the parser's words,
// so a client learns which request field to fix.
absl::Status ForField(absl::string_view field, const absl::Status& rule);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_SERVER_RULES_H_
