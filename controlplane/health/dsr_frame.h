// DSR_CHECK's frames: a TCP SYN (or RST) from this host to VIP:port inside
// an Ethernet frame addressed to one real server's MAC, as the dataplane
// forwards a client's packet; what a received frame says about that probe;
// and the socket filter that lets only possible answers through.
#ifndef DSRLB_CONTROLPLANE_HEALTH_DSR_FRAME_H_
#define DSRLB_CONTROLPLANE_HEALTH_DSR_FRAME_H_

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "common/ip_address.h"

namespace dsrlb::health {

using MacAddress = std::array<uint8_t, 6>;

// One probe: this host (source) to the VIP through a real server's MAC.
struct DsrProbe {
  MacAddress src_mac{};
  MacAddress dst_mac{};  // the real server's
  IpAddress src;         // an address of this host (same family as vip)
  IpAddress vip;
  uint16_t src_port = 0;
  uint16_t vip_port = 0;
  uint32_t seq = 0;  // the SYN's sequence number
};

inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

// Ethernet + IPv4 (DF, TTL 64, id 0) or IPv6 (hop limit 64) + a 20-byte TCP
// header without options (window 64240) and no payload; IP and TCP
// checksums computed. SYN: BuildTcpFrame(p, p.seq, 0, kTcpSyn); the RST
// that ends a half-open probe: BuildTcpFrame(p, p.seq + 1, 0, kTcpRst).
std::vector<uint8_t> BuildTcpFrame(const DsrProbe& p, uint32_t seq,
                                   uint32_t ack, uint8_t flags);

// IPv4 only: an ARP request "who has VIP? tell src" sent to the real
// server's MAC. A server set up for DR (arp_ignore=1, VIP on lo) does not
// answer it; one that does takes the VIP's traffic from the scheduler
// whenever a router asks.
std::vector<uint8_t> BuildArpRequest(const DsrProbe& p);

enum class DsrReply {
  kUnrelated,    // not an answer to this probe
  kSynAck,       // VIP:port accepted the connection
  kReset,        // VIP:port refused it (RST)
  kUnreachable,  // an ICMP / ICMPv6 destination-unreachable about the probe
  kArpForVip,    // an ARP reply for the VIP from the real server's MAC
};

// What `frame` (from the Ethernet header on, untagged) says about `p`.
// A SYN-ACK or RST counts only when it acknowledges p.seq + 1. Checksums
// are not verified: a virtual NIC may hand frames over with them unfilled.
DsrReply ParseReply(const DsrProbe& p, absl::Span<const uint8_t> frame);

// Classic BPF for an AF_PACKET socket: passes TCP from vip:vip_port to
// src_port, ICMP (ICMPv6) destination-unreachable messages and (IPv4) ARP
// replies for the VIP; drops the rest.
std::vector<sock_filter> ReplyFilter(const DsrProbe& p);

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_DSR_FRAME_H_
