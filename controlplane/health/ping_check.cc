// PING_CHECK over a ping socket or a raw ICMP socket.
#include "controlplane/health/ping_check.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace dsrlb::health {
namespace {

constexpr size_t kPayload = 56;
constexpr uint8_t kEchoRequest4 = ICMP_ECHO, kEchoReply4 = ICMP_ECHOREPLY;
constexpr uint8_t kEchoRequest6 = ICMP6_ECHO_REQUEST;
constexpr uint8_t kEchoReply6 = ICMP6_ECHO_REPLY;

uint16_t NextIdent() {
  static std::atomic<uint16_t> next{static_cast<uint16_t>(getpid() * 251)};
  return next.fetch_add(1);
}

// RFC 1071 checksum (IPv4 ICMP; the kernel does ICMPv6's).
uint16_t Checksum(const uint8_t* p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len % 2 != 0) sum += p[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

PingCheck::PingCheck(EventLoop* loop, IpAddress address,
                     std::optional<IpAddress> bindto, absl::Duration timeout)
    : attempt_(loop),
      address_(address),
      bindto_(bindto),
      timeout_(timeout),
      ident_(NextIdent()) {}

std::string PingCheck::Text(absl::string_view what) const {
  return absl::StrCat(address_.is_v4() ? "ICMP" : "ICMPv6", " echo to ",
                      address_.ToString(), ": ", what);
}

absl::StatusOr<int> PingCheck::Open() {
  const int family = address_.is_v4() ? AF_INET : AF_INET6;
  const int proto = address_.is_v4() ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
  raw_ = false;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0 && (errno == EACCES || errno == EPERM)) {
    // The group is outside ping_group_range: a raw socket, if allowed.
    raw_ = true;
    fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  }
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open an ICMP socket (", ErrnoText(errno),
        "): admit the daemon's group in net.ipv4.ping_group_range or give it "
        "CAP_NET_RAW"));
  }
  attempt_.set_fd(fd);
  if (bindto_.has_value()) {
    const SocketAddress src = ToSocketAddress(*bindto_, 0);
    if (bind(fd, src.get(), src.len) != 0) {
      return absl::UnavailableError(absl::StrCat(
          "bind to ", bindto_->ToString(), ": ", ErrnoText(errno)));
    }
  }
  // ICMP errors about our request (unreachable) come back as EPOLLERR.
  if (!raw_) EnableIcmpErrors(fd, family);
  return fd;
}

void PingCheck::Start(Done done) {
  attempt_.Begin(std::move(done));
  absl::Status ready = Open().status();
  if (ready.ok()) ready = Send();
  attempt_.AwaitReply(
      ready, [this](uint32_t events) { OnReadable(events); }, timeout_,
      "no reply", [this](absl::string_view what) { return Text(what); });
}

absl::Status PingCheck::Send() {
  uint8_t packet[8 + kPayload] = {};
  packet[0] = address_.is_v4() ? kEchoRequest4 : kEchoRequest6;
  sequence_++;
  packet[4] = static_cast<uint8_t>(ident_ >> 8);
  packet[5] = static_cast<uint8_t>(ident_);
  packet[6] = static_cast<uint8_t>(sequence_ >> 8);
  packet[7] = static_cast<uint8_t>(sequence_);
  const char filler[] = "keepalived check - ";  // keepalived's, for sniffers
  for (size_t i = 0; i < kPayload; i++)
    packet[8 + i] = static_cast<uint8_t>(filler[i % (sizeof(filler) - 1)]);
  if (address_.is_v4()) {
    const uint16_t sum = Checksum(packet, sizeof(packet));
    packet[2] = static_cast<uint8_t>(sum >> 8);
    packet[3] = static_cast<uint8_t>(sum);
  }
  const SocketAddress dst = ToSocketAddress(address_, 0);
  if (sendto(attempt_.fd(), packet, sizeof(packet), 0, dst.get(), dst.len) !=
      static_cast<ssize_t>(sizeof(packet)))
    return absl::UnavailableError(absl::StrCat("send: ", ErrnoText(errno)));
  return absl::OkStatus();
}

bool PingCheck::IsOurReply(const uint8_t* packet, size_t len) const {
  const uint8_t* icmp = packet;
  if (raw_ && address_.is_v4()) {
    // A raw IPv4 socket reads the IP header too.
    if (len < 20) return false;
    const size_t header = (packet[0] & 0x0f) * 4u;
    if (len < header) return false;
    icmp += header;
    len -= header;
  }
  if (len < 8) return false;
  const uint8_t reply = address_.is_v4() ? kEchoReply4 : kEchoReply6;
  if (icmp[0] != reply) return false;  // e.g. our own request, on loopback
  const uint16_t ident = static_cast<uint16_t>(icmp[4] << 8 | icmp[5]);
  const uint16_t sequence = static_cast<uint16_t>(icmp[6] << 8 | icmp[7]);
  // A ping socket's identifier is the kernel's; it delivers only ours.
  return sequence == sequence_ && (!raw_ || ident == ident_);
}

void PingCheck::OnReadable(uint32_t events) {
  const int fd = attempt_.fd();
  if ((events & EPOLLERR) != 0) {
    std::optional<IcmpError> error = ReadIcmpError(fd);
    attempt_.Finish(false, Text(error ? error->text : "socket error"));
    return;
  }
  for (;;) {
    uint8_t buf[1500];
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
                               reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      attempt_.Finish(false, Text(ErrnoText(errno)));
      return;
    }
    const bool from_target =
        address_.is_v4()
            ? memcmp(&reinterpret_cast<sockaddr_in*>(&from)->sin_addr,
                     address_.bytes.data(), 4) == 0
            : memcmp(&reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr,
                     address_.bytes.data(), 16) == 0;
    if (from_target && IsOurReply(buf, static_cast<size_t>(n))) {
      attempt_.Finish(true, Text("echo reply"));
      return;
    }
  }
}

}  // namespace dsrlb::health
