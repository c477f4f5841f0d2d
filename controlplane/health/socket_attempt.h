// What every socket checker (TCP, PING, UDP, SMTP, DNS) holds for one attempt:
// the socket, a deadline on the loop's clock and the callback, with one way to
// end it. Also the socket set-up they share.
#ifndef DSRLB_CONTROLPLANE_HEALTH_SOCKET_ATTEMPT_H_
#define DSRLB_CONTROLPLANE_HEALTH_SOCKET_ATTEMPT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/event_loop.h"
#include "controlplane/health/check.h"
#include "controlplane/health/socket_address.h"

namespace dsrlb::health {

class SocketAttempt {
 public:
  explicit SocketAttempt(EventLoop* loop) : loop_(loop) {}
  ~SocketAttempt() { Reset(); }
  SocketAttempt(const SocketAttempt&) = delete;
  SocketAttempt& operator=(const SocketAttempt&) = delete;

  // Drops any attempt in flight and starts a new one that ends in `done`.
  void Begin(Check::Done done);
  // Closes the socket and cancels the deadline; `done` is not called.
  void Reset();
  int fd() const { return fd_; }
  void set_fd(int fd);  // takes ownership (closed by Reset)
  absl::Status Watch(uint32_t epoll_events, EventLoop::FdCallback fn);
  // (Re)arms the deadline: `on_timeout` runs when the loop's clock reaches
  // now + `after`, unless the attempt ended first.
  void Deadline(absl::Duration after, absl::AnyInvocable<void()> on_timeout);
  // Ends the attempt: closes everything, then calls `done` once.
  void Finish(bool ok, std::string text);
  // Finish() from the loop, never from inside the caller (Check::Start).
  void FinishSoon(bool ok, std::string text);
  // The end of a Start() that sent a request: when `ready` is OK, watches the
  // socket for EPOLLIN with `on_readable` and arms the deadline, which fails
  // the attempt with text("<silence> within <timeout>"); otherwise, or when
  // the watch fails, fails it from the loop with text(the error's message).
  using TextFn = std::function<std::string(absl::string_view what)>;
  void AwaitReply(absl::Status ready, EventLoop::FdCallback on_readable,
                  absl::Duration timeout, absl::string_view silence,
                  TextFn text);

 private:
  EventLoop* loop_;
  int fd_ = -1;
  EventLoop::TimerId timer_ = 0;
  Check::Done done_;
};

// strerror, starting lowercase: "connection refused".
std::string ErrnoText(int err);

// A non-blocking socket of `type`/`protocol` for `dst`'s family, bound to
// `bindto` when set, then connected to `dst` unless `connect` is false
// (EINPROGRESS counts as connected). The error says which step failed.
absl::StatusOr<int> OpenSocket(int type, int protocol, const SocketAddress& dst,
                               const std::optional<IpAddress>& bindto,
                               bool connect);

// An ICMP error the kernel queued on a socket with IP_RECVERR or
// IPV6_RECVERR set.
struct IcmpError {
  bool unreachable = false;  // destination unreachable, any code
  std::string text;          // "ICMP port unreachable"
};
// Sets IP(V6)_RECVERR on `fd` of `family`.
void EnableIcmpErrors(int fd, int family);
// Takes the oldest queued ICMP error off `fd`; nullopt when there is none.
std::optional<IcmpError> ReadIcmpError(int fd);

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_SOCKET_ATTEMPT_H_
