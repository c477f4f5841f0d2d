// SMTP_CHECK's conversation on a non-blocking TCP socket.
#include "controlplane/health/smtp_check.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace dsrlb::health {

SmtpCheck::SmtpCheck(EventLoop* loop, IpAddress address, uint16_t port,
                     std::optional<IpAddress> bindto, absl::Duration timeout,
                     std::string helo_name)
    : attempt_(loop),
      address_(address),
      port_(port),
      bindto_(bindto),
      timeout_(timeout),
      helo_name_(std::move(helo_name)) {}

int SmtpCheck::Status(absl::string_view line) {
  if (line.size() < 3) return -1;
  for (int i = 0; i < 3; i++)
    if (!absl::ascii_isdigit(static_cast<unsigned char>(line[i]))) return -1;
  if (line.size() > 3 && line[3] != ' ' && line[3] != '\r') return -1;
  return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

void SmtpCheck::Fail(absl::string_view what) {
  attempt_.Finish(false,
                  absl::StrCat("SMTP ", HostPort(address_, port_), ": ", what));
}

void SmtpCheck::ArmStepTimeout() {
  attempt_.Deadline(timeout_, [this] {
    Fail(absl::StrCat(step_ == Step::kConnect ? "connect" : "read",
                      " timed out after ", absl::FormatDuration(timeout_)));
  });
}

void SmtpCheck::Start(Done done) {
  attempt_.Begin(std::move(done));
  step_ = Step::kConnect;
  in_.clear();
  const SocketAddress dst = ToSocketAddress(address_, port_);
  absl::StatusOr<int> fd =
      OpenSocket(SOCK_STREAM, IPPROTO_TCP, dst, bindto_, true);
  absl::Status ready = fd.status();
  if (ready.ok()) {
    attempt_.set_fd(*fd);
    // EPOLLOUT: the connect finished (SO_ERROR says how); then EPOLLIN.
    ready =
        attempt_.Watch(EPOLLOUT, [this](uint32_t events) { OnEvent(events); });
  }
  if (!ready.ok()) {
    attempt_.FinishSoon(false, absl::StrCat("SMTP ", HostPort(address_, port_),
                                            ": ", ready.message()));
    return;
  }
  ArmStepTimeout();
}

void SmtpCheck::OnEvent(uint32_t /*events*/) {
  if (step_ == Step::kConnect) {
    OnConnected();
    return;
  }
  char buf[kMaxLine];
  const ssize_t n = recv(attempt_.fd(), buf, sizeof(buf), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (n <= 0) {
    Fail(n == 0 ? "connection closed by the server" : ErrnoText(errno));
    return;
  }
  in_.append(buf, static_cast<size_t>(n));
  const size_t nl = in_.find('\n');
  if (nl == std::string::npos) {
    if (in_.size() >= kMaxLine) Fail("line longer than 512 bytes");
    return;
  }
  // Like keepalived, what came after the line is dropped: each step reads
  // a fresh line.
  std::string line = in_.substr(0, nl);
  in_.clear();
  OnLine(absl::StripTrailingAsciiWhitespace(line));
}

void SmtpCheck::OnConnected() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(attempt_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err != 0) {
    Fail(ErrnoText(err));
    return;
  }
  step_ = Step::kBanner;
  absl::Status watched =
      attempt_.Watch(EPOLLIN, [this](uint32_t events) { OnEvent(events); });
  if (!watched.ok()) {
    Fail(watched.message());
    return;
  }
  ArmStepTimeout();
}

void SmtpCheck::Send(absl::string_view line, Step next) {
  const std::string out = absl::StrCat(line, "\r\n");
  // A few bytes on a fresh connection: the socket buffer takes them whole.
  if (send(attempt_.fd(), out.data(), out.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(out.size())) {
    Fail(absl::StrCat("sending ", line, ": ", ErrnoText(errno)));
    return;
  }
  step_ = next;
  ArmStepTimeout();
}

void SmtpCheck::OnLine(absl::string_view line) {
  switch (step_) {
    case Step::kBanner:
      if (Status(line) != 220) {
        Fail(absl::StrCat("bad greeting banner '", line, "', expected 220"));
        return;
      }
      Send(absl::StrCat("HELO ", helo_name_), Step::kHelo);
      return;
    case Step::kHelo:
      if (Status(line) != 250) {
        Fail(absl::StrCat("bad HELO response '", line, "', expected 250"));
        return;
      }
      Send("QUIT", Step::kQuit);
      return;
    case Step::kQuit:
      // keepalived accepts any answer to QUIT.
      attempt_.Finish(true, absl::StrCat("SMTP ", HostPort(address_, port_),
                                         ": 220 banner, 250 to HELO"));
      return;
    case Step::kConnect:
      return;
  }
}

}  // namespace dsrlb::health
