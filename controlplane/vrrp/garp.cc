// GARP (RFC 5227 ARP announcement) and unsolicited NA (RFC 4861 7.2.6) frames.
#include "controlplane/vrrp/garp.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "controlplane/vrrp/vrrp_packet.h"

namespace dsrlb::vrrp {
namespace {

void Put16(std::vector<uint8_t>& f, uint16_t v) {
  f.push_back(static_cast<uint8_t>(v >> 8));
  f.push_back(static_cast<uint8_t>(v));
}

}  // namespace

std::vector<uint8_t> GarpFrame(const std::array<uint8_t, 6>& mac,
                               const IpAddress& vip) {
  std::vector<uint8_t> f(6, 0xff);  // broadcast
  f.insert(f.end(), mac.begin(), mac.end());
  Put16(f, ETH_P_ARP);
  Put16(f, 1);       // Ethernet
  Put16(f, 0x0800);  // IPv4
  f.push_back(6);
  f.push_back(4);
  Put16(f, 1);  // request: every host updates its cache, as keepalived sends
  f.insert(f.end(), mac.begin(), mac.end());
  f.insert(f.end(), vip.bytes.begin(), vip.bytes.begin() + 4);
  f.insert(f.end(), 6, 0xff);
  f.insert(f.end(), vip.bytes.begin(), vip.bytes.begin() + 4);
  return f;
}

std::vector<uint8_t> UnsolicitedNaFrame(const std::array<uint8_t, 6>& mac,
                                        const IpAddress& vip) {
  IpAddress all_nodes = *IpAddress::Parse("ff02::1");
  std::vector<uint8_t> icmp = {136, 0, 0, 0, 0x20, 0, 0, 0};  // NA, Override
  icmp.insert(icmp.end(), vip.bytes.begin(), vip.bytes.end());
  icmp.push_back(2);  // target link-layer address option, 8 bytes
  icmp.push_back(1);
  icmp.insert(icmp.end(), mac.begin(), mac.end());
  uint16_t sum = InternetChecksum(
      PseudoHeader(vip, all_nodes, 58, static_cast<uint32_t>(icmp.size())),
      icmp);
  icmp[2] = static_cast<uint8_t>(sum >> 8);
  icmp[3] = static_cast<uint8_t>(sum);
  std::vector<uint8_t> f = {0x33, 0x33, 0, 0, 0, 1};
  f.insert(f.end(), mac.begin(), mac.end());
  Put16(f, ETH_P_IPV6);
  f.insert(f.end(), {0x60, 0, 0, 0});
  Put16(f, static_cast<uint16_t>(icmp.size()));
  f.push_back(58);   // ICMPv6
  f.push_back(255);  // RFC 4861: hop limit 255
  f.insert(f.end(), vip.bytes.begin(), vip.bytes.end());
  f.insert(f.end(), all_nodes.bytes.begin(), all_nodes.bytes.end());
  f.insert(f.end(), icmp.begin(), icmp.end());
  return f;
}

std::vector<GarpSend> GarpSchedule(const std::vector<IpAddress>& vips,
                                   int rounds, absl::Duration garp_interval,
                                   absl::Duration gna_interval) {
  std::vector<GarpSend> out;
  int64_t arps = 0, nas = 0;
  for (int r = 0; r < rounds; ++r) {
    for (const IpAddress& vip : vips) {
      absl::Duration at =
          vip.is_v4() ? garp_interval * arps++ : gna_interval * nas++;
      out.push_back({at, vip});
    }
  }
  return out;
}

absl::StatusOr<GarpSender> GarpSender::Open(int ifindex,
                                            const std::array<uint8_t, 6>& mac) {
  // Protocol 0: this socket only sends, it receives nothing.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return absl::PermissionDeniedError(absl::StrCat(
        "packet socket for GARP: ", strerror(errno), " (needs CAP_NET_RAW)"));
  return GarpSender(fd, ifindex, mac);
}

GarpSender::~GarpSender() {
  if (fd_ >= 0) close(fd_);
}

absl::Status GarpSender::Announce(const IpAddress& vip) {
  std::vector<uint8_t> f =
      vip.is_v4() ? GarpFrame(mac_, vip) : UnsolicitedNaFrame(mac_, vip);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, f.data(), 6);
  if (sendto(fd_, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to),
             sizeof(to)) < 0)
    return absl::UnavailableError(
        absl::StrCat("GARP for ", vip.ToString(), ": ", strerror(errno)));
  return absl::OkStatus();
}

}  // namespace dsrlb::vrrp
