// DSR_CHECK's frames, built and read byte by byte (network order), and the
// classic BPF filter for replies.
#include "controlplane/health/dsr_frame.h"

#include <cstring>

namespace dsrlb::health {
namespace {

constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86dd;
constexpr uint16_t kEthArp = 0x0806;
constexpr size_t kArp = 28;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr size_t kEth = 14;
constexpr size_t kIpv4 = 20;
constexpr size_t kIpv6 = 40;
constexpr size_t kTcp = 20;

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}
uint16_t Get16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t Get32(const uint8_t* p) {
  return static_cast<uint32_t>(Get16(p)) << 16 | Get16(p + 2);
}

// RFC 1071: the one's complement sum of 16-bit words, before the final
// complement.
uint32_t SumWords(const uint8_t* p, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += Get16(p + i);
  if (len % 2 != 0) sum += static_cast<uint32_t>(p[len - 1]) << 8;
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

size_t AddrLen(const IpAddress& a) { return a.is_v4() ? 4 : 16; }

bool SameAddress(const uint8_t* p, const IpAddress& a) {
  return std::memcmp(p, a.bytes.data(), AddrLen(a)) == 0;
}

// The TCP checksum over the pseudo-header (RFC 793 / RFC 8200 8.1).
uint16_t TcpChecksum(const DsrProbe& p, const uint8_t* tcp) {
  const size_t alen = AddrLen(p.vip);
  uint32_t sum = SumWords(p.src.bytes.data(), alen, 0);
  sum = SumWords(p.vip.bytes.data(), alen, sum);
  sum += kProtoTcp + kTcp;
  return Fold(SumWords(tcp, kTcp, sum));
}

// Where the IP header and the layer-4 header start, and the protocol, for
// an untagged IPv4 (not a later fragment) or IPv6 frame of the probe's
// family; false when the frame is none of these.
struct Layers {
  const uint8_t* ip = nullptr;
  const uint8_t* l4 = nullptr;
  size_t l4_len = 0;
  uint8_t proto = 0;
};
bool SplitLayers(const DsrProbe& p, absl::Span<const uint8_t> f, Layers* out) {
  if (f.size() < kEth) return false;
  const uint16_t type = Get16(f.data() + 12);
  const uint8_t* ip = f.data() + kEth;
  const size_t left = f.size() - kEth;
  size_t hlen = 0;
  if (p.vip.is_v4() && type == kEthIpv4 && left >= kIpv4) {
    hlen = static_cast<size_t>(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || hlen < kIpv4 || hlen > left) return false;
    if ((Get16(ip + 6) & 0x1fff) != 0) return false;
    out->proto = ip[9];
  } else if (!p.vip.is_v4() && type == kEthIpv6 && left >= kIpv6) {
    if ((ip[0] >> 4) != 6) return false;
    hlen = kIpv6;
    out->proto = ip[6];
  } else {
    return false;
  }
  out->ip = ip;
  out->l4 = ip + hlen;
  out->l4_len = left - hlen;
  return true;
}

// Source and destination address fields of an IP header.
const uint8_t* SrcField(const IpAddress& fam, const uint8_t* ip) {
  return fam.is_v4() ? ip + 12 : ip + 8;
}
const uint8_t* DstField(const IpAddress& fam, const uint8_t* ip) {
  return fam.is_v4() ? ip + 16 : ip + 24;
}

DsrReply ParseTcp(const DsrProbe& p, const Layers& l) {
  if (l.l4_len < kTcp) return DsrReply::kUnrelated;
  if (!SameAddress(SrcField(p.vip, l.ip), p.vip) ||
      !SameAddress(DstField(p.vip, l.ip), p.src))
    return DsrReply::kUnrelated;
  if (Get16(l.l4) != p.vip_port || Get16(l.l4 + 2) != p.src_port)
    return DsrReply::kUnrelated;
  const uint8_t flags = l.l4[13];
  if ((flags & kTcpAck) == 0 || Get32(l.l4 + 8) != p.seq + 1)
    return DsrReply::kUnrelated;
  if (flags & kTcpRst) return DsrReply::kReset;
  if (flags & kTcpSyn) return DsrReply::kSynAck;
  return DsrReply::kUnrelated;
}

// ICMP type 3 / ICMPv6 type 1 quoting the probe's IP header and the first
// 8 bytes of its TCP header.
DsrReply ParseIcmp(const DsrProbe& p, const Layers& l) {
  const bool v4 = p.vip.is_v4();
  if (l.proto != (v4 ? kProtoIcmp : kProtoIcmpv6)) return DsrReply::kUnrelated;
  if (!SameAddress(DstField(p.vip, l.ip), p.src)) return DsrReply::kUnrelated;
  constexpr size_t kIcmp = 8;
  if (l.l4_len < kIcmp || l.l4[0] != (v4 ? 3 : 1)) return DsrReply::kUnrelated;
  const uint8_t* inner = l.l4 + kIcmp;
  const size_t left = l.l4_len - kIcmp;
  size_t hlen = kIpv6;
  uint8_t proto = 0;
  if (v4) {
    if (left < kIpv4) return DsrReply::kUnrelated;
    hlen = static_cast<size_t>(inner[0] & 0x0f) * 4;
    proto = inner[9];
  } else {
    if (left < kIpv6) return DsrReply::kUnrelated;
    proto = inner[6];
  }
  if (hlen < (v4 ? kIpv4 : kIpv6) || left < hlen + 8 || proto != kProtoTcp)
    return DsrReply::kUnrelated;
  if (!SameAddress(SrcField(p.vip, inner), p.src) ||
      !SameAddress(DstField(p.vip, inner), p.vip))
    return DsrReply::kUnrelated;
  const uint8_t* tcp = inner + hlen;
  if (Get16(tcp) != p.src_port || Get16(tcp + 2) != p.vip_port)
    return DsrReply::kUnrelated;
  return DsrReply::kUnreachable;
}

// An Ethernet/IPv4 ARP reply whose sender is the VIP at the real server's
// MAC.
DsrReply ParseArp(const DsrProbe& p, absl::Span<const uint8_t> f) {
  if (!p.vip.is_v4() || f.size() < kEth + kArp) return DsrReply::kUnrelated;
  const uint8_t* a = f.data() + kEth;
  if (Get16(f.data() + 12) != kEthArp || Get16(a) != 1 ||
      Get16(a + 2) != kEthIpv4 || a[4] != 6 || a[5] != 4 || Get16(a + 6) != 2)
    return DsrReply::kUnrelated;
  if (std::memcmp(a + 8, p.dst_mac.data(), 6) != 0 ||
      !SameAddress(a + 14, p.vip))
    return DsrReply::kUnrelated;
  return DsrReply::kArpForVip;
}

// A tiny assembler: jumps name a label; offsets are fixed up at the end.
class BpfProgram {
 public:
  static constexpr int kNext = -1, kAccept = -2, kReject = -3;
  void Stmt(uint16_t code, uint32_t k) { insns_.push_back({code, 0, 0, k}); }
  void Jump(uint16_t op, uint32_t k, int jt, int jf) {
    insns_.push_back({static_cast<uint16_t>(BPF_JMP | op | BPF_K), jt, jf, k});
  }
  void Label(int id) {
    if (labels_.size() <= static_cast<size_t>(id)) labels_.resize(id + 1);
    labels_[id] = static_cast<int>(insns_.size());
  }
  std::vector<sock_filter> Finish() {
    const int accept = static_cast<int>(insns_.size());
    insns_.push_back({BPF_RET | BPF_K, 0, 0, 0x40000});
    insns_.push_back({BPF_RET | BPF_K, 0, 0, 0});
    std::vector<sock_filter> out;
    for (size_t i = 0; i < insns_.size(); i++) {
      const Insn& in = insns_[i];
      auto off = [&](int target) {
        int to = target == kNext     ? static_cast<int>(i) + 1
                 : target == kAccept ? accept
                 : target == kReject ? accept + 1
                                     : labels_[target];
        return static_cast<uint8_t>(to - static_cast<int>(i) - 1);
      };
      out.push_back({in.code, off(in.jt), off(in.jf), in.k});
    }
    return out;
  }

 private:
  struct Insn {
    uint16_t code;
    int jt, jf;
    uint32_t k;
  };
  std::vector<Insn> insns_;
  std::vector<int> labels_;
};

constexpr int kIcmpLabel = 0;
constexpr int kArpLabel = 1;

void FilterV4(const DsrProbe& p, BpfProgram* b) {
  using B = BpfProgram;
  b->Jump(BPF_JEQ, kEthIpv4, B::kNext, kArpLabel);
  b->Stmt(BPF_LD | BPF_B | BPF_ABS, kEth + 9);
  b->Jump(BPF_JEQ, kProtoTcp, B::kNext, kIcmpLabel);
  b->Stmt(BPF_LD | BPF_H | BPF_ABS, kEth + 6);
  b->Jump(BPF_JSET, 0x1fff, B::kReject, B::kNext);
  b->Stmt(BPF_LD | BPF_W | BPF_ABS, kEth + 12);
  b->Jump(BPF_JEQ, Get32(p.vip.bytes.data()), B::kNext, B::kReject);
  b->Stmt(BPF_LDX | BPF_B | BPF_MSH, kEth);
  b->Stmt(BPF_LD | BPF_H | BPF_IND, kEth);
  b->Jump(BPF_JEQ, p.vip_port, B::kNext, B::kReject);
  b->Stmt(BPF_LD | BPF_H | BPF_IND, kEth + 2);
  b->Jump(BPF_JEQ, p.src_port, B::kAccept, B::kReject);
  b->Label(kIcmpLabel);
  b->Jump(BPF_JEQ, kProtoIcmp, B::kNext, B::kReject);
  b->Stmt(BPF_LDX | BPF_B | BPF_MSH, kEth);
  b->Stmt(BPF_LD | BPF_B | BPF_IND, kEth);
  b->Jump(BPF_JEQ, 3, B::kAccept, B::kReject);
  b->Label(kArpLabel);  // A: the ethertype
  b->Jump(BPF_JEQ, kEthArp, B::kNext, B::kReject);
  b->Stmt(BPF_LD | BPF_H | BPF_ABS, kEth + 6);
  b->Jump(BPF_JEQ, 2, B::kNext, B::kReject);  // reply
  b->Stmt(BPF_LD | BPF_W | BPF_ABS, kEth + 14);
  b->Jump(BPF_JEQ, Get32(p.vip.bytes.data()), B::kAccept, B::kReject);
}

void FilterV6(const DsrProbe& p, BpfProgram* b) {
  using B = BpfProgram;
  b->Jump(BPF_JEQ, kEthIpv6, B::kNext, B::kReject);
  b->Stmt(BPF_LD | BPF_B | BPF_ABS, kEth + 6);
  b->Jump(BPF_JEQ, kProtoTcp, B::kNext, kIcmpLabel);
  for (uint32_t w = 0; w < 4; w++) {
    b->Stmt(BPF_LD | BPF_W | BPF_ABS, kEth + 8 + 4 * w);
    b->Jump(BPF_JEQ, Get32(p.vip.bytes.data() + 4 * w), B::kNext, B::kReject);
  }
  b->Stmt(BPF_LD | BPF_H | BPF_ABS, kEth + kIpv6);
  b->Jump(BPF_JEQ, p.vip_port, B::kNext, B::kReject);
  b->Stmt(BPF_LD | BPF_H | BPF_ABS, kEth + kIpv6 + 2);
  b->Jump(BPF_JEQ, p.src_port, B::kAccept, B::kReject);
  b->Label(kIcmpLabel);
  b->Jump(BPF_JEQ, kProtoIcmpv6, B::kNext, B::kReject);
  b->Stmt(BPF_LD | BPF_B | BPF_ABS, kEth + kIpv6);
  b->Jump(BPF_JEQ, 1, B::kAccept, B::kReject);
}

}  // namespace

std::vector<uint8_t> BuildTcpFrame(const DsrProbe& p, uint32_t seq,
                                   uint32_t ack, uint8_t flags) {
  const bool v4 = p.vip.is_v4();
  const size_t ip_len = v4 ? kIpv4 : kIpv6;
  std::vector<uint8_t> f(kEth + ip_len + kTcp, 0);
  std::memcpy(f.data(), p.dst_mac.data(), 6);
  std::memcpy(f.data() + 6, p.src_mac.data(), 6);
  Put16(f.data() + 12, v4 ? kEthIpv4 : kEthIpv6);
  uint8_t* ip = f.data() + kEth;
  if (v4) {
    ip[0] = 0x45;
    Put16(ip + 2, kIpv4 + kTcp);
    Put16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = kProtoTcp;
    std::memcpy(ip + 12, p.src.bytes.data(), 4);
    std::memcpy(ip + 16, p.vip.bytes.data(), 4);
    Put16(ip + 10, Fold(SumWords(ip, kIpv4, 0)));
  } else {
    ip[0] = 0x60;
    Put16(ip + 4, kTcp);
    ip[6] = kProtoTcp;
    ip[7] = 64;
    std::memcpy(ip + 8, p.src.bytes.data(), 16);
    std::memcpy(ip + 24, p.vip.bytes.data(), 16);
  }
  uint8_t* tcp = ip + ip_len;
  Put16(tcp, p.src_port);
  Put16(tcp + 2, p.vip_port);
  Put32(tcp + 4, seq);
  Put32(tcp + 8, ack);
  tcp[12] = (kTcp / 4) << 4;
  tcp[13] = flags;
  Put16(tcp + 14, flags & kTcpRst ? 0 : 64240);
  Put16(tcp + 16, TcpChecksum(p, tcp));
  return f;
}

std::vector<uint8_t> BuildArpRequest(const DsrProbe& p) {
  std::vector<uint8_t> f(kEth + kArp, 0);
  std::memcpy(f.data(), p.dst_mac.data(), 6);
  std::memcpy(f.data() + 6, p.src_mac.data(), 6);
  Put16(f.data() + 12, kEthArp);
  uint8_t* a = f.data() + kEth;
  Put16(a, 1);  // Ethernet
  Put16(a + 2, kEthIpv4);
  a[4] = 6;
  a[5] = 4;
  Put16(a + 6, 1);  // request
  std::memcpy(a + 8, p.src_mac.data(), 6);
  std::memcpy(a + 14, p.src.bytes.data(), 4);
  std::memcpy(a + 24, p.vip.bytes.data(), 4);  // target MAC: zero
  return f;
}

DsrReply ParseReply(const DsrProbe& p, absl::Span<const uint8_t> frame) {
  if (DsrReply arp = ParseArp(p, frame); arp != DsrReply::kUnrelated)
    return arp;
  Layers l;
  if (!SplitLayers(p, frame, &l)) return DsrReply::kUnrelated;
  if (l.proto == kProtoTcp) return ParseTcp(p, l);
  return ParseIcmp(p, l);
}

std::vector<sock_filter> ReplyFilter(const DsrProbe& p) {
  BpfProgram b;
  b.Stmt(BPF_LD | BPF_H | BPF_ABS, 12);
  if (p.vip.is_v4()) {
    FilterV4(p, &b);
  } else {
    FilterV6(p, &b);
  }
  return b.Finish();
}

}  // namespace dsrlb::health
