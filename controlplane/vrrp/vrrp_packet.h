// VRRP advertisements on the wire: RFC 3768 (v2) and RFC 5798 (v3, IPv4 and
// IPv6) encode, decode and the receive-side checks, with one counter per
// reason a packet is dropped.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_PACKET_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_PACKET_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/ip_address.h"

namespace dsrlb::vrrp {

inline constexpr uint8_t kIpProtoVrrp = 112;
inline constexpr uint8_t kVrrpTtl = 255;
inline constexpr size_t kVrrpHeaderLen = 8;
inline constexpr size_t kV2AuthLen = 8;

// Every reason a received packet is dropped; one counter each.
#define DSRLB_VRRP_DROP_REASONS(X)                                      \
  X(kTruncated, "truncated")       /* shorter than it claims */         \
  X(kBadIpHeader, "bad_ip_header") /* IPv4 header unusable */           \
  X(kBadLength, "bad_length")      /* length != 8 + addrs (+auth) */    \
  X(kBadTtl, "bad_ttl")            /* TTL / hop limit != 255 */         \
  X(kBadVersion, "bad_version")                                         \
  X(kBadType, "bad_type") /* not ADVERTISEMENT (1) */                   \
  X(kBadChecksum, "bad_checksum")                                       \
  X(kVridMismatch, "vrid_mismatch") /* another router's VRID */         \
  X(kAuthTypeMismatch, "auth_type_mismatch")                            \
  X(kAuthFailure, "auth_failure") /* wrong PASS */                      \
  X(kAddrListMismatch, "addr_list_mismatch")                            \
  X(kIntervalMismatch, "interval_mismatch") /* v2 only */               \
  X(kOwnPacket, "own_packet")               /* our own advert looped */ \
  X(kUnknownPeer, "unknown_peer")           /* not a unicast_peer */    \
  X(kFamilyMismatch, "family_mismatch")

enum class DropReason : uint8_t {
#define DSRLB_VRRP_ENUM_(name, text) name,
  DSRLB_VRRP_DROP_REASONS(DSRLB_VRRP_ENUM_)
#undef DSRLB_VRRP_ENUM_
      kCount
};
inline constexpr size_t kDropReasonCount =
    static_cast<size_t>(DropReason::kCount);
const char* DropReasonName(DropReason r);

enum class AuthType : uint8_t { kNone = 0, kPass = 1, kAh = 2 };

// One advertisement, independent of version. The interval is kept as a
// duration: whole seconds on the v2 wire, centiseconds on the v3 wire.
struct Advert {
  int version = 3;  // 2 or 3
  uint8_t vrid = 0;
  uint8_t priority = 0;
  absl::Duration interval = absl::Seconds(1);
  AuthType auth_type = AuthType::kNone;  // v2 only
  std::array<uint8_t, 8> auth_data{};    // v2 PASS: zero padded
  std::vector<IpAddress> addresses;      // all of the packet's family
  friend bool operator==(const Advert&, const Advert&) = default;
};

// The VRRP payload (no IP header) for `src` → `dst`. v3 checksums cover the
// IPv4/IPv6 pseudo-header, so src and dst must be the addresses the packet
// will carry. Fails for an interval the version cannot carry or mixed families.
absl::StatusOr<std::vector<uint8_t>> EncodeAdvert(const Advert& advert,
                                                  const IpAddress& src,
                                                  const IpAddress& dst);

// A full IPv4 packet (20-byte header, TTL 255, TOS 0xc0, protocol 112).
absl::StatusOr<std::vector<uint8_t>> EncodeIpv4Packet(const Advert& advert,
                                                      const IpAddress& src,
                                                      const IpAddress& dst);

// What the local instance expects of a received advertisement.
struct Expectation {
  int version = 3;
  int family = 4;  // 4 or 6
  uint8_t vrid = 0;
  AuthType auth_type = AuthType::kNone;
  std::array<uint8_t, 8> auth_data{};
  absl::Duration interval = absl::Seconds(1);  // checked for v2 only
  std::vector<IpAddress> addresses;  // the configured VIPs of this family
  bool check_ttl = true;             // keepalived skips it for unicast peers
  // vrrp_skip_check_adv_addr: adverts from this source (the master a backup
  // already follows) are not checked against `addresses`.
  std::optional<IpAddress> skip_addr_check_from;
};

struct Received {
  Advert advert;
  IpAddress src;
};

// Either a decoded advertisement or the one reason it was dropped.
struct DecodeResult {
  bool ok = false;
  DropReason reason = DropReason::kTruncated;
  std::string detail;  // for the (rate-limited) log
  Received packet;
};

// Checks one VRRP payload that arrived from `src` to `dst` with `ttl`, in the
// order keepalived's vrrp_check_packet applies them.
DecodeResult DecodeAdvert(absl::Span<const uint8_t> payload,
                          const IpAddress& src, const IpAddress& dst, int ttl,
                          const Expectation& expect);

// The same for a whole IPv4 packet, as an IPv4 raw socket delivers it.
DecodeResult DecodeIpv4Packet(absl::Span<const uint8_t> packet,
                              const Expectation& expect);

// The 16-bit one's complement sum used by IPv4, VRRP and ICMPv6, over an
// optional pseudo-header prefix then `data`.
uint16_t InternetChecksum(absl::Span<const uint8_t> prefix,
                          absl::Span<const uint8_t> data);

// The pseudo-header RFC 5798 5.2.8 prepends for the v3 checksum.
std::vector<uint8_t> PseudoHeader(const IpAddress& src, const IpAddress& dst,
                                  uint8_t protocol, uint32_t length);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_PACKET_H_
