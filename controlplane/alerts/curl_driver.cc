// curl_multi_socket_action glue for the event loop.
#include "controlplane/alerts/curl_driver.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"

namespace dsrlb::health {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlDriver::CurlDriver(EventLoop* loop) : loop_(loop) {
  GlobalInitOnce();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlDriver::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlDriver::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ >= 0) {
    (void)loop_->WatchFd(timer_fd_, EPOLLIN, [this](uint32_t) {
      uint64_t expirations;
      (void)!read(timer_fd_, &expirations, sizeof(expirations));
      Action(CURL_SOCKET_TIMEOUT, 0);
    });
  }
}

CurlDriver::~CurlDriver() {
  for (auto& [easy, done] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  curl_multi_cleanup(multi_);
  if (timer_fd_ >= 0) {
    loop_->UnwatchFd(timer_fd_);
    close(timer_fd_);
  }
}

absl::Status CurlDriver::Add(CURL* easy, Done done) {
  if (timer_fd_ < 0)
    return absl::ResourceExhaustedError(
        "curl driver has no timerfd (out of file descriptors?)");
  CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK)
    return absl::InternalError(
        absl::StrCat("curl_multi_add_handle: ", curl_multi_strerror(rc)));
  transfers_[easy] = std::move(done);
  return absl::OkStatus();
}

void CurlDriver::Remove(CURL* easy) {
  if (transfers_.erase(easy) > 0) curl_multi_remove_handle(multi_, easy);
}

int CurlDriver::OnSocket(CURL*, curl_socket_t fd, int what, void* self_ptr,
                         void* socketp) {
  auto* self = static_cast<CurlDriver*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    self->loop_->UnwatchFd(fd);
    curl_multi_assign(self->multi_, fd, nullptr);
    return 0;
  }
  if (socketp == nullptr) {
    // A socket new to us may reuse the number of one curl closed without
    // telling: forget any stale watch first.
    self->loop_->UnwatchFd(fd);
    curl_multi_assign(self->multi_, fd, self);
  }
  uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  (void)self->loop_->WatchFd(fd, events, [self, fd](uint32_t ready) {
    int mask = 0;
    if (ready & (EPOLLIN | EPOLLHUP)) mask |= CURL_CSELECT_IN;
    if (ready & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (ready & EPOLLERR) mask |= CURL_CSELECT_ERR;
    self->Action(fd, mask);
  });
  return 0;
}

int CurlDriver::OnTimer(CURLM*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<CurlDriver*>(self_ptr);
  itimerspec spec{};
  if (timeout_ms >= 0) {
    // 0 would disarm the timerfd: "now" is one nanosecond from now.
    long ns = timeout_ms == 0 ? 1 : timeout_ms * 1000000L;
    spec.it_value.tv_sec = ns / 1000000000L;
    spec.it_value.tv_nsec = ns % 1000000000L;
  }
  timerfd_settime(self->timer_fd_, 0, &spec, nullptr);
  return 0;
}

void CurlDriver::Action(curl_socket_t fd, int ev_bitmask) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, ev_bitmask, &running);
  ReapDone();
}

void CurlDriver::ReapDone() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    auto it = transfers_.find(easy);
    curl_multi_remove_handle(multi_, easy);
    if (it == transfers_.end()) continue;
    Done done = std::move(it->second);
    transfers_.erase(it);
    // `done` may add or remove transfers; the message queue stays valid.
    done(result);
  }
}

}  // namespace dsrlb::health
