// A UDP server on 127.0.0.1 driven by the test's event loop: it records each
// datagram and answers through a function of the test's choosing.
#ifndef DSRLB_TESTS_UNIT_HEALTH_UDP_TEST_SERVER_H_
#define DSRLB_TESTS_UNIT_HEALTH_UDP_TEST_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "common/event_loop.h"

namespace dsrlb::health::testing {

using Bytes = std::vector<uint8_t>;

class UdpTestServer {
 public:
  // Answers (each datagram, in order) for a request; none for silence.
  using Answer = std::function<std::vector<Bytes>(const Bytes& request)>;

  explicit UdpTestServer(EventLoop* loop, Answer answer = nullptr)
      : loop_(loop), answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0) return;
    socklen_t len = sizeof(sin);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
    (void)loop_->WatchFd(fd_, EPOLLIN, [this](uint32_t) { OnReadable(); });
  }
  ~UdpTestServer() {
    loop_->UnwatchFd(fd_);
    close(fd_);
  }
  uint16_t port() const { return port_; }
  const std::vector<Bytes>& received() const { return received_; }

 private:
  void OnReadable() {
    for (;;) {
      Bytes buf(65536);
      sockaddr_storage from{};
      socklen_t from_len = sizeof(from);
      ssize_t n = recvfrom(fd_, buf.data(), buf.size(), 0,
                           reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 0) return;
      buf.resize(static_cast<size_t>(n));
      received_.push_back(buf);
      if (!answer_) continue;
      for (const Bytes& out : answer_(buf))
        sendto(fd_, out.data(), out.size(), 0,
               reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }

  EventLoop* loop_;
  Answer answer_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<Bytes> received_;
};

// A UDP port nothing listens on (bound by the kernel's choice, released).
inline uint16_t ClosedUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  socklen_t len = sizeof(sin);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

}  // namespace dsrlb::health::testing

#endif  // DSRLB_TESTS_UNIT_HEALTH_UDP_TEST_SERVER_H_
