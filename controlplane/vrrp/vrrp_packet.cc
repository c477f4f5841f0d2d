// VRRP v2/v3 wire format and the receive checks (RFC 3768 7.1, RFC 5798 7.1).
#include "controlplane/vrrp/vrrp_packet.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace dsrlb::vrrp {
namespace {

constexpr uint8_t kTypeAdvert = 1;

size_t AddrLen(int family) { return family == 6 ? 16 : 4; }

DecodeResult Drop(DropReason reason, std::string detail) {
  DecodeResult r;
  r.ok = false;
  r.reason = reason;
  r.detail = std::move(detail);
  return r;
}

bool SameAddressSet(std::vector<IpAddress> a, std::vector<IpAddress> b) {
  if (a.size() != b.size()) return false;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

const char* DropReasonName(DropReason r) {
  switch (r) {
#define DSRLB_VRRP_NAME_(name, text) \
  case DropReason::name:             \
    return text;
    DSRLB_VRRP_DROP_REASONS(DSRLB_VRRP_NAME_)
#undef DSRLB_VRRP_NAME_
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

uint16_t InternetChecksum(absl::Span<const uint8_t> prefix,
                          absl::Span<const uint8_t> data) {
  uint32_t sum = 0;
  // The pseudo-header is always an even length, so the two parts join
  // without shifting the odd byte.
  for (absl::Span<const uint8_t> part : {prefix, data}) {
    size_t i = 0;
    for (; i + 1 < part.size(); i += 2)
      sum += (uint32_t{part[i]} << 8) | part[i + 1];
    if (i < part.size()) sum += uint32_t{part[i]} << 8;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::vector<uint8_t> PseudoHeader(const IpAddress& src, const IpAddress& dst,
                                  uint8_t protocol, uint32_t length) {
  std::vector<uint8_t> p;
  const size_t alen = AddrLen(src.family);
  p.insert(p.end(), src.bytes.begin(), src.bytes.begin() + alen);
  p.insert(p.end(), dst.bytes.begin(), dst.bytes.begin() + alen);
  if (src.family ==
      6) {  // RFC 8200 8.1: 32-bit length, 3 zero bytes, next header
    p.push_back(static_cast<uint8_t>(length >> 24));
    p.push_back(static_cast<uint8_t>(length >> 16));
    p.push_back(static_cast<uint8_t>(length >> 8));
    p.push_back(static_cast<uint8_t>(length));
    p.insert(p.end(), {0, 0, 0, protocol});
  } else {  // RFC 768 style: zero, protocol, 16-bit length
    p.insert(p.end(), {0, protocol, static_cast<uint8_t>(length >> 8),
                       static_cast<uint8_t>(length)});
  }
  return p;
}

absl::StatusOr<std::vector<uint8_t>> EncodeAdvert(const Advert& a,
                                                  const IpAddress& src,
                                                  const IpAddress& dst) {
  if (a.version != 2 && a.version != 3)
    return absl::InvalidArgumentError(
        absl::StrCat("VRRP version ", a.version, " unknown: use 2 or 3"));
  if (src.family != 4 && src.family != 6)
    return absl::InvalidArgumentError("advert source address is unset");
  if (a.version == 2 && src.family != 4)
    return absl::InvalidArgumentError(
        "VRRPv2 carries IPv4 only: use version 3 for IPv6");
  if (dst.family != src.family)
    return absl::InvalidArgumentError(
        "advert source and destination families differ");
  if (a.addresses.size() > 255)
    return absl::InvalidArgumentError("more than 255 addresses in one advert");
  for (const IpAddress& ip : a.addresses)
    if (ip.family != src.family)
      return absl::InvalidArgumentError(absl::StrCat(
          "address ", ip.ToString(), " is not of the advert's family"));
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(a.version << 4 | kTypeAdvert));
  out.push_back(a.vrid);
  out.push_back(a.priority);
  out.push_back(static_cast<uint8_t>(a.addresses.size()));
  if (a.version == 2) {
    const int64_t secs = absl::ToInt64Seconds(a.interval);
    if (secs < 1 || secs > 255 || absl::Seconds(secs) != a.interval)
      return absl::InvalidArgumentError(
          "VRRPv2 advert_int must be whole seconds 1..255: use version 3 below "
          "1 s");
    out.push_back(static_cast<uint8_t>(a.auth_type));
    out.push_back(static_cast<uint8_t>(secs));
  } else {
    const int64_t cs = absl::ToInt64Milliseconds(a.interval) / 10;
    if (cs < 1 || cs > 4095 || absl::Milliseconds(cs * 10) != a.interval)
      return absl::InvalidArgumentError(
          "VRRPv3 advert_int must be whole centiseconds 0.01..40.95 s");
    out.push_back(static_cast<uint8_t>(cs >> 8));  // 4 reserved bits stay zero
    out.push_back(static_cast<uint8_t>(cs));
  }
  out.push_back(0);
  out.push_back(0);
  for (const IpAddress& ip : a.addresses)
    out.insert(out.end(), ip.bytes.begin(),
               ip.bytes.begin() + AddrLen(ip.family));
  if (a.version == 2)
    out.insert(out.end(), a.auth_data.begin(), a.auth_data.end());
  uint16_t sum =
      a.version == 2
          ? InternetChecksum({}, out)
          : InternetChecksum(PseudoHeader(src, dst, kIpProtoVrrp,
                                          static_cast<uint32_t>(out.size())),
                             out);
  out[6] = static_cast<uint8_t>(sum >> 8);
  out[7] = static_cast<uint8_t>(sum);
  return out;
}

absl::StatusOr<std::vector<uint8_t>> EncodeIpv4Packet(const Advert& advert,
                                                      const IpAddress& src,
                                                      const IpAddress& dst) {
  if (src.family != 4)
    return absl::InvalidArgumentError("IPv4 packet needs IPv4 source");
  auto payload = EncodeAdvert(advert, src, dst);
  if (!payload.ok()) return payload.status();
  const size_t total = 20 + payload->size();
  std::vector<uint8_t> p(20, 0);
  p[0] = 0x45;
  p[1] = 0xc0;  // internetwork control, as keepalived sends
  p[2] = static_cast<uint8_t>(total >> 8);
  p[3] = static_cast<uint8_t>(total);
  p[8] = kVrrpTtl;
  p[9] = kIpProtoVrrp;
  std::memcpy(&p[12], src.bytes.data(), 4);
  std::memcpy(&p[16], dst.bytes.data(), 4);
  uint16_t sum = InternetChecksum({}, p);
  p[10] = static_cast<uint8_t>(sum >> 8);
  p[11] = static_cast<uint8_t>(sum);
  p.insert(p.end(), payload->begin(), payload->end());
  return p;
}

// The decoded advert's addresses and interval against the instance's.
DecodeResult AcceptAdvert(Received r, const IpAddress& src,
                          const Expectation& e) {
  const Advert& a = r.advert;
  const size_t naddr = a.addresses.size();
  const int version = a.version;
  const bool skip_addresses =
      e.skip_addr_check_from && *e.skip_addr_check_from == src;
  if (!skip_addresses && !SameAddressSet(a.addresses, e.addresses))
    return Drop(
        DropReason::kAddrListMismatch,
        absl::StrCat(naddr, " addresses that differ from the configured ",
                     e.addresses.size()));
  // RFC 3768 7.1: a v2 interval mismatch is dropped (keepalived: to avoid two
  // masters); v3 backups learn the master's interval instead.
  if (version == 2 && a.interval != e.interval)
    return Drop(DropReason::kIntervalMismatch,
                absl::StrCat("interval ", absl::FormatDuration(a.interval),
                             ", ours ", absl::FormatDuration(e.interval)));
  if (a.interval <= absl::ZeroDuration())
    return Drop(DropReason::kIntervalMismatch, "advert interval 0");
  r.src = src;
  DecodeResult ok;
  ok.ok = true;
  ok.packet = std::move(r);
  return ok;
}

DecodeResult DecodeAdvert(absl::Span<const uint8_t> b, const IpAddress& src,
                          const IpAddress& dst, int ttl, const Expectation& e) {
  if (src.family != e.family || dst.family != e.family)
    return Drop(DropReason::kFamilyMismatch,
                "packet family differs from the instance's");
  if (b.size() < kVrrpHeaderLen)
    return Drop(DropReason::kTruncated,
                absl::StrCat("only ", b.size(), " bytes"));
  const int version = b[0] >> 4;
  if (e.check_ttl && ttl != kVrrpTtl)
    return Drop(DropReason::kBadTtl,
                absl::StrCat("TTL ", ttl, ", expected 255"));
  if (version != e.version)
    return Drop(DropReason::kBadVersion,
                absl::StrCat("version ", version, ", expected ", e.version));
  if ((b[0] & 0x0f) != kTypeAdvert)
    return Drop(DropReason::kBadType, absl::StrCat("type ", b[0] & 0x0f));
  const size_t naddr = b[3];
  const size_t alen = AddrLen(e.family);
  const size_t want =
      kVrrpHeaderLen + naddr * alen + (version == 2 ? kV2AuthLen : 0);
  if (b.size() != want)
    return Drop(
        b.size() < want ? DropReason::kTruncated : DropReason::kBadLength,
        absl::StrCat("length ", b.size(), " for ", naddr,
                     " addresses, expected ", want));
  const uint16_t sum =
      version == 2
          ? InternetChecksum({}, b)
          : InternetChecksum(PseudoHeader(src, dst, kIpProtoVrrp,
                                          static_cast<uint32_t>(b.size())),
                             b);
  if (sum != 0)
    return Drop(DropReason::kBadChecksum, "checksum does not verify");
  if (b[1] != e.vrid)
    return Drop(DropReason::kVridMismatch,
                absl::StrCat("VRID ", b[1], ", ours is ", e.vrid));
  Received r;
  Advert& a = r.advert;
  a.version = version;
  a.vrid = b[1];
  a.priority = b[2];
  if (version == 2) {
    a.auth_type = static_cast<AuthType>(b[4]);
    a.interval = absl::Seconds(b[5]);
    std::memcpy(a.auth_data.data(), b.data() + want - kV2AuthLen, kV2AuthLen);
    if (a.auth_type != e.auth_type)
      return Drop(DropReason::kAuthTypeMismatch,
                  absl::StrCat("auth type ", b[4], ", expected ",
                               static_cast<int>(e.auth_type)));
    if (a.auth_type == AuthType::kPass && a.auth_data != e.auth_data)
      return Drop(DropReason::kAuthFailure,
                  "PASS authentication does not match");
  } else {
    a.interval = absl::Milliseconds(10 * ((b[4] & 0x0f) << 8 | b[5]));
  }
  for (size_t i = 0; i < naddr; i++) {
    IpAddress ip;
    ip.family = static_cast<uint8_t>(e.family);
    std::memcpy(ip.bytes.data(), b.data() + kVrrpHeaderLen + i * alen, alen);
    a.addresses.push_back(ip);
  }
  return AcceptAdvert(std::move(r), src, e);
}

DecodeResult DecodeIpv4Packet(absl::Span<const uint8_t> p,
                              const Expectation& e) {
  if (p.size() < 20)
    return Drop(DropReason::kTruncated, "shorter than an IPv4 header");
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  if ((p[0] >> 4) != 4 || ihl < 20 || ihl > p.size())
    return Drop(DropReason::kBadIpHeader, "not an IPv4 header");
  const size_t total = size_t{p[2]} << 8 | p[3];
  if (total != p.size())
    return Drop(
        DropReason::kBadIpHeader,
        absl::StrCat("IP total length ", total, ", received ", p.size()));
  if (p[9] != kIpProtoVrrp)
    return Drop(DropReason::kBadIpHeader, absl::StrCat("protocol ", p[9]));
  IpAddress src, dst;
  src.family = dst.family = 4;
  std::memcpy(src.bytes.data(), &p[12], 4);
  std::memcpy(dst.bytes.data(), &p[16], 4);
  return DecodeAdvert(p.subspan(ihl), src, dst, p[8], e);
}

}  // namespace dsrlb::vrrp
