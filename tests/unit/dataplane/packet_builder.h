// Byte builders for test frames: Ethernet/VLAN, IPv4/IPv6 (+extension
// headers), TCP/UDP, ICMP errors. Plain vectors, composed by nesting.
#ifndef DSRLB_TESTS_UNIT_DATAPLANE_PACKET_BUILDER_H_
#define DSRLB_TESTS_UNIT_DATAPLANE_PACKET_BUILDER_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "common/ip_address.h"

namespace dsrlb::dataplane::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

inline constexpr Mac kClientRouterMac = {0x02, 0xaa, 0, 0, 0, 1};
inline constexpr Mac kPortMac = {0x02, 0xbb, 0, 0, 0, 2};

inline void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

// dst, src, [802.1Q/802.1ad tags], ethertype, payload.
inline Bytes Ether(uint16_t type, const Bytes& payload,
                   std::initializer_list<uint16_t> vlan_tpids = {},
                   const Mac& dst = kPortMac,
                   const Mac& src = kClientRouterMac) {
  Bytes b(dst.begin(), dst.end());
  b.insert(b.end(), src.begin(), src.end());
  uint16_t vid = 100;
  for (uint16_t tpid : vlan_tpids) {
    Put16(b, tpid);
    Put16(b, vid++);
  }
  Put16(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

struct Ipv4Options {
  uint16_t frag = 0x4000;  // flags + offset field: DF by default
  Bytes options;           // multiple of 4 bytes
  int total_length_delta = 0;
  uint8_t version_ihl_override = 0;  // 0 = computed
};

inline Bytes Ipv4(const IpAddress& src, const IpAddress& dst, uint8_t proto,
                  const Bytes& payload, const Ipv4Options& o = {}) {
  const size_t hlen = 20 + o.options.size();
  Bytes b;
  b.push_back(o.version_ihl_override ? o.version_ihl_override
                                     : static_cast<uint8_t>(0x40 | hlen / 4));
  b.push_back(0);
  Put16(b, static_cast<uint16_t>(hlen + payload.size() + o.total_length_delta));
  Put16(b, 0x1234);  // id
  Put16(b, o.frag);
  b.push_back(64);  // ttl
  b.push_back(proto);
  Put16(b, 0);  // checksum: not checked by a DR forwarder
  b.insert(b.end(), src.bytes.begin(), src.bytes.begin() + 4);
  b.insert(b.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
  b.insert(b.end(), o.options.begin(), o.options.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// `payload` starts with the extension headers, if any, named by next_header.
inline Bytes Ipv6(const IpAddress& src, const IpAddress& dst,
                  uint8_t next_header, const Bytes& payload,
                  int payload_length_delta = 0, uint8_t version = 6) {
  Bytes b = {static_cast<uint8_t>(version << 4), 0, 0, 0};
  Put16(b, static_cast<uint16_t>(payload.size() + payload_length_delta));
  b.push_back(next_header);
  b.push_back(64);
  b.insert(b.end(), src.bytes.begin(), src.bytes.end());
  b.insert(b.end(), dst.bytes.begin(), dst.bytes.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Hop-by-hop, routing or destination options header of 8 * (1 + units)
// bytes (padding options / type 0 segments left 0 are fine for a parser).
inline Bytes Ipv6Ext(uint8_t next_header, uint8_t units = 0) {
  Bytes b(8u * (1u + units), 0);
  b[0] = next_header;
  b[1] = units;
  b[2] = 1;  // PadN / routing type 1-ish: never interpreted
  return b;
}

inline Bytes Ipv6Frag(uint8_t next_header, uint16_t offset8, bool more) {
  Bytes b = {next_header, 0};
  Put16(b, static_cast<uint16_t>((offset8 << 3) | (more ? 1 : 0)));
  Put16(b, 0xabcd);
  Put16(b, 0x0001);
  return b;
}

inline Bytes Tcp(uint16_t sport, uint16_t dport, size_t payload = 0,
                 uint8_t data_offset_words = 5) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  for (int i = 0; i < 8; i++) b.push_back(static_cast<uint8_t>(i + 1));
  b.push_back(static_cast<uint8_t>(data_offset_words << 4));
  b.push_back(0x18);  // PSH ACK
  Put16(b, 65535);
  Put16(b, 0);
  Put16(b, 0);
  for (size_t i = 0; i < payload; i++)
    b.push_back(static_cast<uint8_t>(0x60 + i));
  return b;
}

inline Bytes Udp(uint16_t sport, uint16_t dport, size_t payload = 0,
                 int length_delta = 0) {
  Bytes b;
  Put16(b, sport);
  Put16(b, dport);
  Put16(b, static_cast<uint16_t>(8 + payload + length_delta));
  Put16(b, 0);
  for (size_t i = 0; i < payload; i++)
    b.push_back(static_cast<uint8_t>(0x70 + i));
  return b;
}

// ICMP type/code, 4 bytes rest-of-header (MTU), then the quoted packet.
inline Bytes Icmp(uint8_t type, uint8_t code, const Bytes& quoted,
                  uint16_t mtu = 1400) {
  Bytes b = {type, code, 0, 0, 0, 0};
  Put16(b, mtu);
  b.insert(b.end(), quoted.begin(), quoted.end());
  return b;
}

inline Bytes Icmp6PacketTooBig(const Bytes& quoted, uint32_t mtu = 1280) {
  Bytes b = {2, 0, 0, 0};
  Put16(b, static_cast<uint16_t>(mtu >> 16));
  Put16(b, static_cast<uint16_t>(mtu));
  b.insert(b.end(), quoted.begin(), quoted.end());
  return b;
}

inline Bytes Arp() {
  return Ether(0x0806, Bytes{0,  1, 8, 0, 6, 4, 0, 1, 2, 0xaa, 0,  0, 0, 1,
                             10, 0, 0, 9, 0, 0, 0, 0, 0, 0,    10, 0, 0, 1});
}

// A frame as the pipeline should leave it when forwarding.
inline Bytes Rewritten(Bytes frame, const uint8_t dst[6], const Mac& src) {
  for (int i = 0; i < 6; i++) {
    frame[i] = dst[i];
    frame[6 + i] = src[i];
  }
  return frame;
}

inline Bytes Prefix(const Bytes& b, size_t n) {
  return Bytes(b.begin(),
               b.begin() + static_cast<long>(n < b.size() ? n : b.size()));
}

}  // namespace dsrlb::dataplane::test

#endif  // DSRLB_TESTS_UNIT_DATAPLANE_PACKET_BUILDER_H_
