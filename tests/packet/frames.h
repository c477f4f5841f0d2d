// Test frames (Ethernet / IPv4 / IPv6 / TCP / UDP / ARP) and the backend the
// Maglev ring of a published table gives a new flow, computed from the
// contract header alone (not from the pipeline under test).
#ifndef DSRLB_TESTS_PACKET_FRAMES_H_
#define DSRLB_TESTS_PACKET_FRAMES_H_

#include <array>
#include <cstdint>

#include "common/ip_address.h"
#include "dataplane/shm/table_region.h"
#include "tests/packet/pcap_file.h"

namespace dsrlb::testing {

using Mac = std::array<uint8_t, 6>;

struct FlowTuple {
  IpAddress src, dst;
  uint16_t sport = 0, dport = 0;
  uint8_t proto = 6;
};

// A TCP (proto 6) or UDP (17) frame of `t`, IPv4 or IPv6 by address family,
// with valid IP and L4 checksums and `payload` bytes of payload.
Frame BuildL4(const FlowTuple& t, const Mac& dst_mac, const Mac& src_mac,
              size_t payload, uint8_t tcp_flags = 0x10);
// An ARP request (who-has `target`).
Frame BuildArp(const Mac& src_mac, const IpAddress& sender,
               const IpAddress& target);

// The backend index ring[hash % M] of the VIP `t` goes to; 0 if no VIP or
// an empty ring; -1 if there is no VIP at all.
int RingBackend(const shm::SlotView& slot, const FlowTuple& t);

Mac MacOf(const uint8_t* p);

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_PACKET_FRAMES_H_
