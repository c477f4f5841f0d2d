// TCP_CHECK on an ordinary kernel socket, driven by the event loop.
#include "controlplane/health/tcp_check.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controlplane/health/socket_address.h"
#include "controlplane/health/socket_attempt.h"

namespace dsrlb::health {

TcpCheck::TcpCheck(EventLoop* loop, IpAddress address, uint16_t port,
                   std::optional<IpAddress> bindto,
                   absl::Duration connect_timeout)
    : address_(address),
      port_(port),
      bindto_(bindto),
      connect_timeout_(connect_timeout),
      attempt_(loop) {}

TcpCheck::~TcpCheck() { Cancel(); }

void TcpCheck::Cancel() { attempt_.Reset(); }

void TcpCheck::Start(Done done) {
  attempt_.Begin(std::move(done));
  const SocketAddress dst = ToSocketAddress(address_, port_);
  attempt_.set_fd(
      socket(dst.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int fd = attempt_.fd();
  int err = fd < 0 ? errno : 0;
  if (err == 0 && bindto_.has_value()) {
    const SocketAddress src = ToSocketAddress(*bindto_, 0);
    if (bind(fd, src.get(), src.len) != 0) {
      err = errno;
      // Reported through the loop, never from inside Start().
      attempt_.FinishSoon(
          false, Text(absl::StrCat("bind to ", bindto_->ToString(), ": ",
                                   ErrnoText(err))));
      return;
    }
  }
  if (err == 0 && connect(fd, dst.get(), dst.len) != 0 && errno != EINPROGRESS)
    err = errno;
  if (err != 0) {
    attempt_.FinishSoon(false, Text(ErrnoText(err)));
    return;
  }
  // EPOLLOUT fires on success and on failure; SO_ERROR tells which.
  absl::Status watched =
      attempt_.Watch(EPOLLOUT, [this](uint32_t) { OnWritable(); });
  if (!watched.ok()) {
    attempt_.FinishSoon(false, Text(watched.message()));
    return;
  }
  attempt_.Deadline(connect_timeout_, [this] {
    attempt_.Finish(false,
                    Text(absl::StrCat("timed out after ",
                                      absl::FormatDuration(connect_timeout_))));
  });
}

void TcpCheck::OnWritable() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(attempt_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err == 0) {
    attempt_.Finish(true, Text("connected"));
  } else {
    attempt_.Finish(false, Text(ErrnoText(err)));
  }
}

std::string TcpCheck::Text(absl::string_view detail) const {
  return absl::StrCat("TCP connect to ", HostPort(address_, port_), ": ",
                      detail);
}

}  // namespace dsrlb::health
