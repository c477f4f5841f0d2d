// Raw IP sockets for VRRP: IPv4 sends whole packets (IP_HDRINCL) so the
// source, TTL and TOS are ours; IPv6 sends from a bound link-local address.
#include "controlplane/vrrp/vrrp_socket.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::vrrp {
namespace {

absl::Status Errno(const std::string& what) {
  const int err = errno;
  std::string msg = absl::StrCat(what, ": ", strerror(err));
  if (err == EPERM || err == EACCES)
    return absl::PermissionDeniedError(
        msg + " (VRRP needs CAP_NET_RAW: run as root)");
  return absl::UnavailableError(msg);
}

template <typename T>
absl::Status SetOpt(int fd, int level, int name, const T& value,
                    const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0)
    return Errno(what);
  return absl::OkStatus();
}

absl::Status BindToDevice(int fd, const std::string& dev) {
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev.c_str(),
                 static_cast<socklen_t>(dev.size())) != 0)
    return Errno("SO_BINDTODEVICE " + dev);
  return absl::OkStatus();
}

const IpAddress& GroupV4() {
  static const IpAddress a = *IpAddress::Parse("224.0.0.18");
  return a;
}
const IpAddress& GroupV6() {
  static const IpAddress a = *IpAddress::Parse("ff02::12");
  return a;
}

}  // namespace

absl::StatusOr<std::unique_ptr<VrrpSocket>> VrrpSocket::Open(
    const SocketConfig& config) {
  std::unique_ptr<VrrpSocket> s(new VrrpSocket(config));
  RETURN_IF_ERROR(config.family == 6 ? s->OpenV6() : s->OpenV4());
  return s;
}

VrrpSocket::~VrrpSocket() {
  if (rx_fd_ >= 0) close(rx_fd_);
  if (tx_fd_ >= 0) close(tx_fd_);
}

absl::Status VrrpSocket::OpenV4() {
  rx_fd_ =
      socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoVrrp);
  if (rx_fd_ < 0) return Errno("VRRP receive socket");
  RETURN_IF_ERROR(BindToDevice(rx_fd_, config_.interface));
  if (config_.unicast_peers.empty()) {
    ip_mreqn mreq{};
    std::memcpy(&mreq.imr_multiaddr, GroupV4().bytes.data(), 4);
    mreq.imr_ifindex = config_.ifindex;
    RETURN_IF_ERROR(SetOpt(rx_fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq,
                           "joining 224.0.0.18"));
  }
  tx_fd_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (tx_fd_ < 0) return Errno("VRRP send socket");
  RETURN_IF_ERROR(BindToDevice(tx_fd_, config_.interface));
  RETURN_IF_ERROR(SetOpt(tx_fd_, IPPROTO_IP, IP_MULTICAST_LOOP, uint8_t{0},
                         "IP_MULTICAST_LOOP"));
  ip_mreqn ifreq{};
  ifreq.imr_ifindex = config_.ifindex;
  RETURN_IF_ERROR(
      SetOpt(tx_fd_, IPPROTO_IP, IP_MULTICAST_IF, ifreq, "IP_MULTICAST_IF"));
  return absl::OkStatus();
}

absl::Status VrrpSocket::OpenV6() {
  rx_fd_ =
      socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoVrrp);
  if (rx_fd_ < 0) return Errno("VRRP IPv6 receive socket");
  RETURN_IF_ERROR(BindToDevice(rx_fd_, config_.interface));
  RETURN_IF_ERROR(
      SetOpt(rx_fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"));
  RETURN_IF_ERROR(
      SetOpt(rx_fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"));
  if (config_.unicast_peers.empty()) {
    ipv6_mreq mreq{};
    std::memcpy(&mreq.ipv6mr_multiaddr, GroupV6().bytes.data(), 16);
    mreq.ipv6mr_interface = static_cast<unsigned>(config_.ifindex);
    RETURN_IF_ERROR(SetOpt(rx_fd_, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq,
                           "joining ff02::12"));
  }
  tx_fd_ = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, kIpProtoVrrp);
  if (tx_fd_ < 0) return Errno("VRRP IPv6 send socket");
  RETURN_IF_ERROR(BindToDevice(tx_fd_, config_.interface));
  // It never reads: keep what it would queue small.
  RETURN_IF_ERROR(SetOpt(tx_fd_, SOL_SOCKET, SO_RCVBUF, 256, "SO_RCVBUF"));
  sockaddr_in6 me{};
  me.sin6_family = AF_INET6;
  std::memcpy(&me.sin6_addr, config_.src.bytes.data(), 16);
  me.sin6_scope_id = static_cast<uint32_t>(config_.ifindex);
  if (bind(tx_fd_, reinterpret_cast<sockaddr*>(&me), sizeof(me)) != 0)
    return Errno("binding the VRRP source " + config_.src.ToString() +
                 " (is the link-local address still tentative?)");
  RETURN_IF_ERROR(SetOpt(tx_fd_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255,
                         "IPV6_MULTICAST_HOPS"));
  RETURN_IF_ERROR(SetOpt(tx_fd_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255,
                         "IPV6_UNICAST_HOPS"));
  RETURN_IF_ERROR(SetOpt(tx_fd_, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0,
                         "IPV6_MULTICAST_LOOP"));
  RETURN_IF_ERROR(SetOpt(tx_fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF,
                         config_.ifindex, "IPV6_MULTICAST_IF"));
  return absl::OkStatus();
}

absl::Status VrrpSocket::Send(const Advert& advert) {
  std::vector<IpAddress> dsts = config_.unicast_peers;
  if (dsts.empty()) dsts.push_back(config_.family == 6 ? GroupV6() : GroupV4());
  absl::Status status;
  for (const IpAddress& dst : dsts) {
    ssize_t n;
    if (config_.family == 4) {
      ASSIGN_OR_RETURN(std::vector<uint8_t> pkt,
                       EncodeIpv4Packet(advert, config_.src, dst));
      sockaddr_in to{};
      to.sin_family = AF_INET;
      std::memcpy(&to.sin_addr, dst.bytes.data(), 4);
      n = sendto(tx_fd_, pkt.data(), pkt.size(), 0,
                 reinterpret_cast<sockaddr*>(&to), sizeof(to));
    } else {
      ASSIGN_OR_RETURN(std::vector<uint8_t> pkt,
                       EncodeAdvert(advert, config_.src, dst));
      sockaddr_in6 to{};
      to.sin6_family = AF_INET6;
      std::memcpy(&to.sin6_addr, dst.bytes.data(), 16);
      to.sin6_scope_id = static_cast<uint32_t>(config_.ifindex);
      n = sendto(tx_fd_, pkt.data(), pkt.size(), 0,
                 reinterpret_cast<sockaddr*>(&to), sizeof(to));
    }
    if (n < 0) status = Errno("sending VRRP advert to " + dst.ToString());
  }
  return status;
}

std::optional<VrrpSocket::Datagram> VrrpSocket::Receive() {
  uint8_t buf[2048];
  alignas(cmsghdr) char control[256];
  sockaddr_storage from{};
  iovec iov{buf, sizeof(buf)};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = recvmsg(rx_fd_, &msg, MSG_DONTWAIT);
  if (n < 0) return std::nullopt;
  Datagram d;
  if (config_.family == 4) {
    d.ip_packet.assign(buf, buf + n);
    return d;
  }
  d.payload.assign(buf, buf + n);
  d.src.family = d.dst.family = 6;
  std::memcpy(d.src.bytes.data(),
              &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, 16);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT) {
      int hl;
      std::memcpy(&hl, CMSG_DATA(c), sizeof(hl));
      d.ttl = hl;
    } else if (c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      std::memcpy(d.dst.bytes.data(), &info.ipi6_addr, 16);
    }
  }
  return d;
}

}  // namespace dsrlb::vrrp
