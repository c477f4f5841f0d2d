// UDP_CHECK on a connected UDP socket with ICMP errors enabled.
#include "controlplane/health/udp_check.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

namespace dsrlb::health {
namespace {

// keepalived's set_buf(): "keepalived check - " repeated, UDP_BUFSIZE (32).
std::vector<uint8_t> Filler() {
  const absl::string_view text = "keepalived check - ";
  std::vector<uint8_t> out(32);
  for (size_t i = 0; i < out.size(); i++)
    out[i] = static_cast<uint8_t>(text[i % text.size()]);
  return out;
}

}  // namespace

UdpCheck::UdpCheck(EventLoop* loop, UdpTarget target)
    : attempt_(loop), target_(std::move(target)) {
  if (target_.payload.empty()) target_.payload = Filler();
}

std::string UdpCheck::Text(absl::string_view what) const {
  return absl::StrCat("UDP to ", HostPort(target_.address, target_.port), ": ",
                      what);
}

std::string UdpCheck::ReplyMismatch(const UdpTarget& target,
                                    const std::vector<uint8_t>& reply) {
  if (target.reply_data.empty()) return "";
  if (reply.size() < target.min_reply_length ||
      reply.size() > target.max_reply_length) {
    return absl::StrCat("reply of ", reply.size(), " bytes, expected ",
                        target.min_reply_length, " to ",
                        target.max_reply_length);
  }
  const size_t n = std::min(reply.size(), target.reply_data.size());
  for (size_t i = 0; i < n; i++) {
    const uint8_t ignore = target.reply_mask.empty() ? 0 : target.reply_mask[i];
    if (((reply[i] ^ target.reply_data[i]) & ~ignore) != 0)
      return absl::StrCat("reply differs from require_reply at byte ", i);
  }
  return "";
}

void UdpCheck::Start(Done done) {
  attempt_.Begin(std::move(done));
  const SocketAddress dst = ToSocketAddress(target_.address, target_.port);
  absl::StatusOr<int> fd =
      OpenSocket(SOCK_DGRAM, IPPROTO_UDP, dst, target_.bindto, true);
  absl::Status ready = fd.status();
  if (ready.ok()) {
    attempt_.set_fd(*fd);
    EnableIcmpErrors(*fd, dst.family());
    if (send(*fd, target_.payload.data(), target_.payload.size(), 0) !=
        static_cast<ssize_t>(target_.payload.size()))
      ready = absl::UnavailableError(absl::StrCat("send: ", ErrnoText(errno)));
  }
  if (ready.ok()) {
    ready =
        attempt_.Watch(EPOLLIN, [this](uint32_t events) { OnEvent(events); });
  }
  if (!ready.ok()) {
    attempt_.FinishSoon(false, Text(ready.message()));
    return;
  }
  attempt_.Deadline(target_.timeout, [this] {
    const std::string waited = absl::FormatDuration(target_.timeout);
    if (target_.require_reply) {
      attempt_.Finish(false, Text(absl::StrCat("no reply within ", waited)));
    } else {
      attempt_.Finish(true, Text(absl::StrCat("no ICMP error within ", waited,
                                              " (no reply required)")));
    }
  });
}

void UdpCheck::OnEvent(uint32_t events) {
  const int fd = attempt_.fd();
  if ((events & EPOLLERR) != 0) {
    std::optional<IcmpError> error = ReadIcmpError(fd);
    if (error.has_value() && error->unreachable) {
      attempt_.Finish(false, Text(error->text));
      return;
    }
    // Anything else (a TTL exceeded on the way...) says nothing about the
    // service: keep waiting, as keepalived does not fail on it either.
    if ((events & EPOLLIN) == 0) return;
  }
  std::vector<uint8_t> reply(target_.max_reply_length + 1);
  const ssize_t n = recv(fd, reply.data(), reply.size(), MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    attempt_.Finish(false, Text(ErrnoText(errno)));
    return;
  }
  reply.resize(static_cast<size_t>(n));
  std::string mismatch = ReplyMismatch(target_, reply);
  if (!mismatch.empty()) {
    attempt_.Finish(false, Text(mismatch));
    return;
  }
  attempt_.Finish(true, Text(absl::StrCat("reply of ", n, " bytes")));
}

}  // namespace dsrlb::health
