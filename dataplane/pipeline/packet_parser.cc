// Frame parser: every read is checked against the bytes the frame (or the
// IP header's own length) guarantees; nothing is written.
#include "dataplane/pipeline/packet_parser.h"

namespace dsrlb::dataplane {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr int kMaxVlanTags = 2;

constexpr uint8_t kProtoHopByHop = 0;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoRouting = 43;
constexpr uint8_t kProtoFragment = 44;
constexpr uint8_t kProtoAh = 51;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoDestOpts = 60;

constexpr uint8_t kIcmpDestUnreach = 3;
constexpr uint8_t kIcmpFragNeeded = 4;
constexpr uint8_t kIcmpv6PacketTooBig = 2;
constexpr uint32_t kIcmpHeader = 8;

using Kind = ParsedPacket::Kind;

uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

void SetDrop(ParsedPacket* out, dsrlb_drop reason) {
  out->kind = Kind::kDrop;
  out->drop = reason;
}

bool IsL4(uint8_t proto) { return proto == kProtoTcp || proto == kProtoUdp; }

// Ports and header sanity of a TCP/UDP header in l4[0, l4_len).
bool ParseL4(const uint8_t* l4, uint32_t l4_len, uint8_t proto,
             ParsedPacket* out) {
  if (proto == kProtoTcp) {
    if (l4_len < 20) return SetDrop(out, DSRLB_DROP_TRUNCATED), false;
    uint32_t doff = (l4[12] >> 4) * 4u;
    if (doff < 20 || doff > l4_len)
      return SetDrop(out, DSRLB_DROP_BAD_L4), false;
  } else {
    if (l4_len < 8) return SetDrop(out, DSRLB_DROP_TRUNCATED), false;
    uint32_t ulen = Load16(l4 + 4);
    if (ulen < 8 || ulen > l4_len)
      return SetDrop(out, DSRLB_DROP_BAD_L4), false;
  }
  out->proto = proto;
  out->sport = Load16(l4);
  out->dport = Load16(l4 + 2);
  if (proto == kProtoTcp) out->tcp_flags = l4[13];
  return true;
}

// Walks IPv6 extension headers from `*nh` at ip6[*off] up to ip6[end).
// Returns false (with out's drop set) on a truncated or too long chain; on
// return *nh is the first header that is not an extension header (or the
// fragment header of a real fragment, left at kProtoFragment).
bool WalkIpv6Extensions(const uint8_t* ip6, uint32_t end, uint8_t* nh,
                        uint32_t* off, ParsedPacket* out) {
  for (int i = 0; i <= kMaxIpv6ExtensionHeaders; i++) {
    uint8_t h = *nh;
    if (h != kProtoHopByHop && h != kProtoRouting && h != kProtoDestOpts &&
        h != kProtoFragment && h != kProtoAh)
      return true;
    if (i == kMaxIpv6ExtensionHeaders) break;
    const uint8_t* p = ip6 + *off;
    if (h == kProtoFragment) {
      if (end - *off < 8) return SetDrop(out, DSRLB_DROP_TRUNCATED), false;
      // RFC 6946: an atomic fragment (offset 0, no M flag) is a whole
      // datagram; anything else is part of one.
      if ((Load16(p + 2) & 0xfff9) != 0) return true;
      *nh = p[0];
      *off += 8;
      continue;
    }
    if (end - *off < 2) return SetDrop(out, DSRLB_DROP_TRUNCATED), false;
    uint32_t len = h == kProtoAh ? (p[1] + 2u) * 4u : (p[1] + 1u) * 8u;
    if (end - *off < len) return SetDrop(out, DSRLB_DROP_TRUNCATED), false;
    *nh = p[0];
    *off += len;
  }
  SetDrop(out, DSRLB_DROP_UNSUPPORTED_L4);
  return false;
}

// The header quoted by an ICMP error is the backend's reply (VIP -> client);
// the flow it belongs to is that reply turned around.
void TurnAround(ParsedPacket* out) {
  const uint8_t* a = out->src;
  out->src = out->dst;
  out->dst = a;
  uint16_t port = out->sport;
  out->sport = out->dport;
  out->dport = port;
  out->kind = Kind::kIcmpError;
}

void ParseQuotedIpv4(const uint8_t* q, uint32_t len, ParsedPacket* out) {
  SetDrop(out, DSRLB_DROP_ICMP_UNMATCHED);
  if (len < 20 || (q[0] >> 4) != 4) return;
  uint32_t ihl = (q[0] & 0x0f) * 4u;
  // Only the first 8 bytes after the IP header are promised (RFC 792):
  // the ports.
  if (ihl < 20 || len < ihl + 4 || !IsL4(q[9])) return;
  if ((Load16(q + 6) & 0x1fff) != 0) return;  // quotes a non-first fragment
  out->family = DSRLB_AF_INET;
  out->proto = q[9];
  out->src = q + 12;
  out->dst = q + 16;
  out->sport = Load16(q + ihl);
  out->dport = Load16(q + ihl + 2);
  TurnAround(out);
}

void ParseQuotedIpv6(const uint8_t* q, uint32_t len, ParsedPacket* out) {
  if (len < 40 || (q[0] >> 4) != 6)
    return SetDrop(out, DSRLB_DROP_ICMP_UNMATCHED);
  uint8_t nh = q[6];
  uint32_t off = 40;
  if (!WalkIpv6Extensions(q, len, &nh, &off, out) || !IsL4(nh) || len - off < 4)
    return SetDrop(out, DSRLB_DROP_ICMP_UNMATCHED);
  out->family = DSRLB_AF_INET6;
  out->proto = nh;
  out->src = q + 8;
  out->dst = q + 24;
  out->sport = Load16(q + off);
  out->dport = Load16(q + off + 2);
  TurnAround(out);
}

void ParseIpv4(const uint8_t* ip, uint32_t avail, ParsedPacket* out) {
  if (avail < 20) return SetDrop(out, DSRLB_DROP_TRUNCATED);
  if ((ip[0] >> 4) != 4) return SetDrop(out, DSRLB_DROP_BAD_IPV4);
  uint32_t ihl = (ip[0] & 0x0f) * 4u;
  uint32_t total = Load16(ip + 2);
  if (ihl < 20 || total < ihl) return SetDrop(out, DSRLB_DROP_BAD_IPV4);
  // Beyond `total` is Ethernet padding, never packet bytes.
  if (total > avail) return SetDrop(out, DSRLB_DROP_TRUNCATED);
  uint8_t proto = ip[9];
  bool fragment = (Load16(ip + 6) & 0x3fff) != 0;  // MF or an offset
  out->family = DSRLB_AF_INET;
  out->src = ip + 12;
  out->dst = ip + 16;
  const uint8_t* l4 = ip + ihl;
  uint32_t l4_len = total - ihl;
  if (IsL4(proto)) {
    if (fragment) return SetDrop(out, DSRLB_DROP_FRAGMENT);
    if (ParseL4(l4, l4_len, proto, out)) out->kind = Kind::kFlow;
    return;
  }
  if (proto == kProtoIcmp && !fragment && l4_len >= kIcmpHeader &&
      l4[0] == kIcmpDestUnreach && l4[1] == kIcmpFragNeeded)
    return ParseQuotedIpv4(l4 + kIcmpHeader, l4_len - kIcmpHeader, out);
  out->kind = Kind::kOtherIp;
}

void ParseIpv6(const uint8_t* ip, uint32_t avail, ParsedPacket* out) {
  if (avail < 40) return SetDrop(out, DSRLB_DROP_TRUNCATED);
  if ((ip[0] >> 4) != 6) return SetDrop(out, DSRLB_DROP_BAD_IPV6);
  uint32_t end = 40u + Load16(ip + 4);
  if (end > avail) return SetDrop(out, DSRLB_DROP_TRUNCATED);
  uint8_t nh = ip[6];
  uint32_t off = 40;
  if (!WalkIpv6Extensions(ip, end, &nh, &off, out)) return;
  out->family = DSRLB_AF_INET6;
  out->src = ip + 8;
  out->dst = ip + 24;
  if (nh == kProtoFragment) {
    // A real fragment: its upper-layer protocol is named in the fragment
    // header even when no L4 header follows.
    uint8_t upper = ip[off];
    if (IsL4(upper)) return SetDrop(out, DSRLB_DROP_FRAGMENT);
    out->kind = Kind::kOtherIp;
    return;
  }
  if (IsL4(nh)) {
    if (ParseL4(ip + off, end - off, nh, out)) out->kind = Kind::kFlow;
    return;
  }
  if (nh == kProtoIcmpv6 && end - off >= kIcmpHeader &&
      ip[off] == kIcmpv6PacketTooBig)
    return ParseQuotedIpv6(ip + off + kIcmpHeader, end - off - kIcmpHeader,
                           out);
  out->kind = Kind::kOtherIp;  // NDP, echo, ESP, no next header, ...
}

}  // namespace

void ParseFrame(const uint8_t* frame, uint32_t len, ParsedPacket* out) {
  out->tcp_flags = 0;
  if (len < 14) return SetDrop(out, DSRLB_DROP_TRUNCATED);
  uint32_t off = 12;
  uint16_t type = Load16(frame + off);
  for (int tags = 0; (type == kEtherVlan || type == kEtherQinQ); tags++) {
    if (tags == kMaxVlanTags) {
      out->kind = Kind::kNotIp;
      return;
    }
    off += 4;
    if (len < off + 2) return SetDrop(out, DSRLB_DROP_TRUNCATED);
    type = Load16(frame + off);
  }
  off += 2;
  if (type == kEtherIpv4) return ParseIpv4(frame + off, len - off, out);
  if (type == kEtherIpv6) return ParseIpv6(frame + off, len - off, out);
  out->kind = Kind::kNotIp;
}

}  // namespace dsrlb::dataplane
