// Building test frames; the independent ring expectation.
#include "tests/packet/frames.h"

#include <cstring>

namespace dsrlb::testing {
namespace {

void Put16(Frame& f, size_t off, uint16_t v) {
  f[off] = static_cast<uint8_t>(v >> 8);
  f[off + 1] = static_cast<uint8_t>(v);
}

uint32_t SumBytes(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
  if (n & 1) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

Mac MacOf(const uint8_t* p) {
  Mac m;
  std::memcpy(m.data(), p, 6);
  return m;
}

Frame BuildL4(const FlowTuple& t, const Mac& dst_mac, const Mac& src_mac,
              size_t payload, uint8_t tcp_flags) {
  const bool v4 = t.src.family == DSRLB_AF_INET;
  const size_t l3 = 14, ip_len = v4 ? 20 : 40;
  const size_t l4_len = (t.proto == 6 ? 20 : 8) + payload;
  Frame f(l3 + ip_len + l4_len, 0);
  std::memcpy(&f[0], dst_mac.data(), 6);
  std::memcpy(&f[6], src_mac.data(), 6);
  Put16(f, 12, v4 ? 0x0800 : 0x86dd);
  if (v4) {
    f[l3] = 0x45;
    Put16(f, l3 + 2, static_cast<uint16_t>(ip_len + l4_len));
    Put16(f, l3 + 4, 0x1234);
    Put16(f, l3 + 6, 0x4000);  // DF
    f[l3 + 8] = 64;
    f[l3 + 9] = t.proto;
    std::memcpy(&f[l3 + 12], t.src.bytes.data(), 4);
    std::memcpy(&f[l3 + 16], t.dst.bytes.data(), 4);
    Put16(f, l3 + 10, Fold(SumBytes(&f[l3], 20)));
  } else {
    f[l3] = 0x60;
    Put16(f, l3 + 4, static_cast<uint16_t>(l4_len));
    f[l3 + 6] = t.proto;
    f[l3 + 7] = 64;
    std::memcpy(&f[l3 + 8], t.src.bytes.data(), 16);
    std::memcpy(&f[l3 + 24], t.dst.bytes.data(), 16);
  }
  const size_t l4 = l3 + ip_len;
  Put16(f, l4, t.sport);
  Put16(f, l4 + 2, t.dport);
  if (t.proto == 6) {
    f[l4 + 12] = 5 << 4;
    f[l4 + 13] = tcp_flags;
    Put16(f, l4 + 14, 8192);
  } else {
    Put16(f, l4 + 4, static_cast<uint16_t>(l4_len));
  }
  for (size_t i = 0; i < payload; i++)
    f[l4 + (t.proto == 6 ? 20 : 8) + i] = static_cast<uint8_t>(i * 7);
  // Pseudo-header checksum.
  const size_t alen = v4 ? 4 : 16;
  uint32_t sum = SumBytes(t.src.bytes.data(), alen);
  sum = SumBytes(t.dst.bytes.data(), alen, sum);
  sum += t.proto + static_cast<uint32_t>(l4_len);
  sum = SumBytes(&f[l4], l4_len, sum);
  uint16_t c = Fold(sum);
  if (c == 0 && t.proto == 17) c = 0xffff;
  Put16(f, l4 + (t.proto == 6 ? 16 : 6), c);
  return f;
}

Frame BuildArp(const Mac& src_mac, const IpAddress& sender,
               const IpAddress& target) {
  Frame f(42, 0);
  std::memset(&f[0], 0xff, 6);
  std::memcpy(&f[6], src_mac.data(), 6);
  Put16(f, 12, 0x0806);
  Put16(f, 14, 1);       // Ethernet
  Put16(f, 16, 0x0800);  // IPv4
  f[18] = 6;
  f[19] = 4;
  Put16(f, 20, 1);  // request
  std::memcpy(&f[22], src_mac.data(), 6);
  std::memcpy(&f[28], sender.bytes.data(), 4);
  std::memcpy(&f[38], target.bytes.data(), 4);
  return f;
}

int RingBackend(const shm::SlotView& slot, const FlowTuple& t) {
  int v = slot.FindVip(t.dst.family, t.dst.bytes.data(), t.proto, t.dport);
  if (v < 0) return -1;
  const dsrlb_vip& vip = slot.vips[v];
  if (vip.num_backends_in_ring == 0) return 0;
  uint64_t h = dsrlb_flow_hash(
      slot.hdr->hash_seed, t.src.family, t.src.bytes.data(), t.dst.bytes.data(),
      t.sport, t.dport, t.proto, (vip.flags & DSRLB_VIP_PERSISTENT) != 0);
  return slot.Ring(v)[dsrlb_ring_index(h, slot.RingSize(v))];
}

}  // namespace dsrlb::testing
