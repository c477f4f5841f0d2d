// TCP_CHECK on an ordinary kernel socket, driven by the event loop.
#include "controlplane/health/tcp_check.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controlplane/health/socket_address.h"

namespace dsrlb::health {
namespace {

std::string ErrnoText(int err) {
  std::string s = strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(tolower(s[0]));
  return s;
}

}  // namespace

TcpCheck::TcpCheck(EventLoop* loop, IpAddress address, uint16_t port,
                   std::optional<IpAddress> bindto,
                   absl::Duration connect_timeout)
    : loop_(loop),
      address_(address),
      port_(port),
      bindto_(bindto),
      connect_timeout_(connect_timeout) {}

TcpCheck::~TcpCheck() { Cancel(); }

void TcpCheck::Cancel() {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  if (fd_ >= 0) {
    loop_->UnwatchFd(fd_);
    close(fd_);
    fd_ = -1;
  }
  done_ = nullptr;
}

void TcpCheck::Start(Done done) {
  Cancel();
  done_ = std::move(done);
  const SocketAddress dst = ToSocketAddress(address_, port_);
  fd_ = socket(dst.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = fd_ < 0 ? errno : 0;
  if (err == 0 && bindto_.has_value()) {
    const SocketAddress src = ToSocketAddress(*bindto_, 0);
    if (bind(fd_, src.get(), src.len) != 0) err = errno;
    if (err != 0) {
      // Report through the loop, never from inside Start().
      std::string detail =
          absl::StrCat("bind to ", bindto_->ToString(), ": ", ErrnoText(err));
      timer_ = loop_->RunAfter(absl::ZeroDuration(), [this, detail] {
        timer_ = 0;
        Finish(false, detail);
      });
      return;
    }
  }
  if (err == 0 && connect(fd_, dst.get(), dst.len) != 0 && errno != EINPROGRESS)
    err = errno;
  if (err != 0) {
    timer_ = loop_->RunAfter(absl::ZeroDuration(), [this, err] {
      timer_ = 0;
      Finish(false, ErrnoText(err));
    });
    return;
  }
  // EPOLLOUT fires on success and on failure; SO_ERROR tells which.
  absl::Status watched =
      loop_->WatchFd(fd_, EPOLLOUT, [this](uint32_t) { OnWritable(); });
  if (!watched.ok()) {
    std::string detail(watched.message());
    timer_ = loop_->RunAfter(absl::ZeroDuration(), [this, detail] {
      timer_ = 0;
      Finish(false, detail);
    });
    return;
  }
  timer_ = loop_->RunAfter(connect_timeout_, [this] {
    timer_ = 0;
    Finish(false, absl::StrCat("timed out after ",
                               absl::FormatDuration(connect_timeout_)));
  });
}

void TcpCheck::OnWritable() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) {
    Finish(true, "connected");
  } else {
    Finish(false, ErrnoText(err));
  }
}

void TcpCheck::Finish(bool ok, std::string detail) {
  Done done = std::move(done_);
  Cancel();
  if (!done) return;
  CheckResult result;
  result.ok = ok;
  result.text =
      absl::StrCat("TCP connect to ", HostPort(address_, port_), ": ", detail);
  done(std::move(result));
}

}  // namespace dsrlb::health
