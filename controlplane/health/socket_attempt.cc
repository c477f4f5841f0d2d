// One checker attempt's socket, deadline and callback.
#include "controlplane/health/socket_attempt.h"

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace dsrlb::health {

void SocketAttempt::Begin(Check::Done done) {
  Reset();
  done_ = std::move(done);
}

void SocketAttempt::Reset() {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  if (fd_ >= 0) {
    loop_->UnwatchFd(fd_);
    close(fd_);
    fd_ = -1;
  }
  done_ = nullptr;
}

void SocketAttempt::set_fd(int fd) {
  if (fd_ >= 0) {
    loop_->UnwatchFd(fd_);
    close(fd_);
  }
  fd_ = fd;
}

absl::Status SocketAttempt::Watch(uint32_t epoll_events,
                                  EventLoop::FdCallback fn) {
  return loop_->WatchFd(fd_, epoll_events, std::move(fn));
}

void SocketAttempt::Deadline(absl::Duration after,
                             absl::AnyInvocable<void()> on_timeout) {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = loop_->RunAfter(after, [this, fn = std::move(on_timeout)]() mutable {
    timer_ = 0;
    fn();
  });
}

void SocketAttempt::Finish(bool ok, std::string text) {
  Check::Done done = std::move(done_);
  Reset();
  Check::Report(std::move(done), ok, std::move(text));
}

void SocketAttempt::FinishSoon(bool ok, std::string text) {
  Deadline(absl::ZeroDuration(), [this, ok, text = std::move(text)]() mutable {
    Finish(ok, std::move(text));
  });
}

void SocketAttempt::AwaitReply(absl::Status ready,
                               EventLoop::FdCallback on_readable,
                               absl::Duration timeout,
                               absl::string_view silence, TextFn text) {
  if (ready.ok()) ready = Watch(EPOLLIN, std::move(on_readable));
  if (!ready.ok()) {
    FinishSoon(false, text(ready.message()));
    return;
  }
  Deadline(timeout, [this, text = std::move(text),
                     what = absl::StrCat(silence, " within ",
                                         absl::FormatDuration(timeout))] {
    Finish(false, text(what));
  });
}

std::string ErrnoText(int err) {
  std::string s = strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(tolower(s[0]));
  return s;
}

absl::StatusOr<int> OpenSocket(int type, int protocol, const SocketAddress& dst,
                               const std::optional<IpAddress>& bindto,
                               bool connect) {
  int fd = socket(dst.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0)
    return absl::UnavailableError(absl::StrCat("socket: ", ErrnoText(errno)));
  if (bindto.has_value()) {
    const SocketAddress src = ToSocketAddress(*bindto, 0);
    if (bind(fd, src.get(), src.len) != 0) {
      const int err = errno;
      close(fd);
      return absl::UnavailableError(
          absl::StrCat("bind to ", bindto->ToString(), ": ", ErrnoText(err)));
    }
  }
  if (connect && ::connect(fd, dst.get(), dst.len) != 0 &&
      errno != EINPROGRESS) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(ErrnoText(err));
  }
  return fd;
}

void EnableIcmpErrors(int fd, int family) {
  int on = 1;
  if (family == AF_INET)
    setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
  else
    setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on));
}

namespace {

std::string UnreachableText(bool v6, uint8_t code) {
  if (!v6) {
    switch (code) {
      case ICMP_NET_UNREACH:
        return "network unreachable";
      case ICMP_HOST_UNREACH:
        return "host unreachable";
      case ICMP_PROT_UNREACH:
        return "protocol unreachable";
      case ICMP_PORT_UNREACH:
        return "port unreachable";
    }
  } else {
    switch (code) {
      case ICMP6_DST_UNREACH_NOROUTE:
        return "no route";
      case ICMP6_DST_UNREACH_ADMIN:
        return "administratively prohibited";
      case ICMP6_DST_UNREACH_ADDR:
        return "address unreachable";
      case ICMP6_DST_UNREACH_NOPORT:
        return "port unreachable";
    }
  }
  return absl::StrCat("destination unreachable, code ", code);
}

}  // namespace

std::optional<IcmpError> ReadIcmpError(int fd) {
  char data[512];
  char control[512];
  iovec iov{data, sizeof(data)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return std::nullopt;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err e;
    memcpy(&e, CMSG_DATA(c), sizeof(e));
    IcmpError out;
    if ((e.ee_origin == SO_EE_ORIGIN_ICMP && e.ee_type == ICMP_DEST_UNREACH) ||
        (e.ee_origin == SO_EE_ORIGIN_ICMP6 && e.ee_type == ICMP6_DST_UNREACH)) {
      out.unreachable = true;
      out.text = absl::StrCat("ICMP ", UnreachableText(v6, e.ee_code));
    } else if (e.ee_origin == SO_EE_ORIGIN_ICMP ||
               e.ee_origin == SO_EE_ORIGIN_ICMP6) {
      out.text = absl::StrCat("ICMP type ", e.ee_type, " code ", e.ee_code);
    } else {
      out.text = ErrnoText(static_cast<int>(e.ee_errno));
    }
    return out;
  }
  return IcmpError{false, "socket error"};
}

}  // namespace dsrlb::health
