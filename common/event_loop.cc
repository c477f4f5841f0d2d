// epoll + an ordered timer map + an eventfd for cross-thread posts.
#include "common/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace dsrlb {

EventLoop::EventLoop(Clock* clock) : clock_(clock) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EventLoop::~EventLoop() {
  close(wake_fd_);
  close(epoll_fd_);
}

EventLoop::TimerId EventLoop::RunAt(absl::Time when,
                                    absl::AnyInvocable<void()> fn) {
  TimerId id = next_id_++;
  timers_.emplace(std::make_pair(when, id), std::move(fn));
  timer_when_[id] = when;
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto it = timer_when_.find(id);
  if (it == timer_when_.end()) return;
  timers_.erase({it->second, id});
  timer_when_.erase(it);
}

absl::Status EventLoop::WatchFd(int fd, uint32_t epoll_events, FdCallback fn) {
  epoll_event ev{};
  ev.events = epoll_events;
  ev.data.fd = fd;
  bool known = fds_.contains(fd);
  if (epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
    return absl::InternalError(
        absl::StrCat("epoll_ctl fd ", fd, ": ", strerror(errno)));
  fds_[fd] = std::make_shared<FdCallback>(std::move(fn));
  return absl::OkStatus();
}

void EventLoop::UnwatchFd(int fd) {
  if (fds_.erase(fd) > 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::Post(absl::AnyInvocable<void()> fn) {
  {
    absl::MutexLock lock(&post_mu_);
    posts_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void EventLoop::Stop() {
  Post([this] { stop_ = true; });
}

int EventLoop::RunDueTimers() {
  int ran = 0;
  const absl::Time now = clock_->Now();
  // A timer may add timers due now; they run in this pass too.
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_when_.erase(node.key().second);
    node.mapped()();
    ran++;
  }
  return ran;
}

int EventLoop::RunPosts() {
  std::vector<absl::AnyInvocable<void()>> posts;
  {
    absl::MutexLock lock(&post_mu_);
    posts.swap(posts_);
  }
  for (auto& fn : posts) fn();
  return static_cast<int>(posts.size());
}

int EventLoop::RunOnce(absl::Duration max_wait) {
  int ran = RunDueTimers();
  absl::Duration wait = max_wait;
  if (ran > 0) wait = absl::ZeroDuration();
  if (!timers_.empty())
    wait =
        std::min(wait, std::max(absl::ZeroDuration(),
                                timers_.begin()->first.first - clock_->Now()));
  int timeout_ms = static_cast<int>(
      absl::ToInt64Milliseconds(wait + absl::Microseconds(999)));
  epoll_event events[32];
  int n = epoll_wait(epoll_fd_, events, 32, timeout_ms);
  for (int i = 0; i < n; i++) {
    int fd = events[i].data.fd;
    if (fd == wake_fd_) {
      uint64_t v;
      (void)!read(wake_fd_, &v, sizeof(v));
      continue;
    }
    auto it = fds_.find(fd);
    if (it == fds_.end()) continue;  // unwatched by an earlier callback
    std::shared_ptr<FdCallback> cb = it->second;  // survives UnwatchFd inside
    (*cb)(events[i].events);
    ran++;
  }
  ran += RunPosts();
  ran += RunDueTimers();
  return ran;
}

void EventLoop::Run() {
  stop_ = false;
  while (!stop_) RunOnce(absl::Seconds(1));
}

void EventLoop::RunUntilIdle() {
  while (RunOnce(absl::ZeroDuration()) > 0) {
  }
}

}  // namespace dsrlb
