// Bounds-checked parse of one Ethernet frame into the flow the pipeline
// balances on: Ethernet (+802.1Q/802.1ad), IPv4 (options, fragments), IPv6
// (extension headers), TCP/UDP, and ICMP errors about a VIP's flow.
#ifndef DSRLB_DATAPLANE_PIPELINE_PACKET_PARSER_H_
#define DSRLB_DATAPLANE_PIPELINE_PACKET_PARSER_H_

#include <cstdint>

#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::dataplane {

struct ParsedPacket {
  enum class Kind : uint8_t {
    kFlow,       // TCP/UDP: src/dst/ports as on the wire
    kIcmpError,  // frag-needed / packet-too-big: the embedded reply, turned
                 // around into the client->VIP flow it belongs to
    kNotIp,      // ARP, LLDP, ...: exception path
    kOtherIp,    // IP that cannot be VIP traffic (ICMP echo, OSPF, ESP...)
    kDrop,       // malformed or unsupported: `drop` says why
  };
  Kind kind;
  dsrlb_drop drop;     // with kDrop
  uint8_t family;      // DSRLB_AF_INET / DSRLB_AF_INET6
  uint8_t proto;       // IPPROTO_TCP / IPPROTO_UDP
  uint16_t sport;      // host order, client side
  uint16_t dport;      // host order, VIP side
  uint8_t tcp_flags;   // kFlow over TCP: the header's flags byte; else 0
  const uint8_t* src;  // client address, points into the frame
  const uint8_t* dst;  // VIP address, points into the frame
};

// IPv6 extension headers walked before giving up (drop_unsupported_l4).
inline constexpr int kMaxIpv6ExtensionHeaders = 8;

// Never reads outside frame[0, len).
void ParseFrame(const uint8_t* frame, uint32_t len, ParsedPacket* out);

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PIPELINE_PACKET_PARSER_H_
