// Helpers for the health tests: configs as structs, loopback sockets, and a
// loop pump for "real sockets, fake time".
#ifndef DSRLB_TESTS_UNIT_HEALTH_HEALTH_TEST_UTIL_H_
#define DSRLB_TESTS_UNIT_HEALTH_HEALTH_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/event_loop.h"
#include "controlplane/config/config.h"
#include "controlplane/health/health_event.h"

namespace dsrlb::health::testing {

inline IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

// A listening TCP socket on 127.0.0.1, port chosen by the kernel.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  explicit Listener(int backlog = 16, uint16_t want_port = 0) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(want_port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0 ||
        listen(fd, backlog) != 0) {
      close(fd);
      fd = -1;
      return;
    }
    socklen_t len = sizeof(sin);
    getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
    port = ntohs(sin.sin_port);
  }
  ~Listener() {
    if (fd >= 0) close(fd);
  }
  // Accepts what is pending (non-blocking); returns how many.
  int AcceptAll() {
    int n = 0;
    for (;;) {
      int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) return n;
      close(c);
      n++;
    }
  }
};

// A port nothing listens on: bound by the kernel's choice, then released.
inline uint16_t ClosedPort() {
  Listener l;
  uint16_t port = l.port;
  return port;
}

// Runs the loop until nothing happened for `idle_rounds` waits of `wait`
// real time: lets loopback I/O finish without moving the fake clock.
inline void Settle(EventLoop& loop, int idle_rounds = 3,
                   absl::Duration wait = absl::Milliseconds(20)) {
  int idle = 0;
  for (int i = 0; i < 2000 && idle < idle_rounds; i++)
    idle = loop.RunOnce(wait) > 0 ? 0 : idle + 1;
}

// Runs the loop until `done()` or `limit` of real time passed.
inline bool RunUntil(EventLoop& loop, const std::function<bool()>& done,
                     absl::Duration limit = absl::Seconds(10)) {
  const absl::Time end = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > end) return false;
    loop.RunOnce(absl::Milliseconds(10));
  }
  return true;
}

// Moves fake time forward in `step`s up to `total`, settling after each.
inline void AdvanceTo(FakeClock& clock, EventLoop& loop, absl::Time when) {
  clock.Advance(when - clock.Now());
  Settle(loop);
}

inline config::Checker TcpChecker(uint16_t port, int retry,
                                  absl::Duration delay_before_retry) {
  config::Checker c;
  c.kind = config::CheckerKind::kTcp;
  c.connect_port = port;
  c.connect_timeout = absl::Seconds(2);
  c.retry = retry;
  c.delay_before_retry = delay_before_retry;
  return c;
}

// One virtual server 10.255.0.1:80 with one real server 127.0.0.1:port.
inline config::Config OneServer(uint16_t port,
                                std::vector<config::Checker> checkers,
                                absl::Duration delay_loop = absl::Seconds(10)) {
  config::Config cfg;
  config::VirtualServer vs;
  vs.address = Ip("10.255.0.1");
  vs.port = 80;
  vs.delay_loop = delay_loop;
  config::RealServer rs;
  rs.address = Ip("127.0.0.1");
  rs.port = port;
  rs.weight = 3;
  rs.checkers = std::move(checkers);
  vs.real_servers.push_back(rs);
  cfg.virtual_servers.push_back(vs);
  return cfg;
}

inline VsKey TheVs() { return {Ip("10.255.0.1"), 80, config::Protocol::kTcp}; }
inline RsKey TheRs(uint16_t port) { return {Ip("127.0.0.1"), port}; }

}  // namespace dsrlb::health::testing

#endif  // DSRLB_TESTS_UNIT_HEALTH_HEALTH_TEST_UTIL_H_
