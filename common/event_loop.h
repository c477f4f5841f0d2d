// A single-threaded event loop (epoll + timers) in keepalived's manner: the
// health checkers and each VRRP runtime own one. Timers follow an injectable
// Clock so tests drive time by hand while sockets stay real.
#ifndef DSRLB_COMMON_EVENT_LOOP_H_
#define DSRLB_COMMON_EVENT_LOOP_H_

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace dsrlb {

class EventLoop {
 public:
  using TimerId = uint64_t;
  using FdCallback = std::function<void(uint32_t epoll_events)>;

  explicit EventLoop(Clock* clock = RealClock::Get());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Loop thread only.
  TimerId RunAt(absl::Time when, absl::AnyInvocable<void()> fn);
  TimerId RunAfter(absl::Duration delay, absl::AnyInvocable<void()> fn) {
    return RunAt(clock_->Now() + delay, std::move(fn));
  }
  void Cancel(TimerId id);  // no-op for a timer that ran or was cancelled
  // Calls `fn` with the ready events (EPOLLIN, EPOLLOUT, EPOLLERR...) while
  // the fd is watched. Re-watching an fd replaces its events and callback.
  absl::Status WatchFd(int fd, uint32_t epoll_events, FdCallback fn);
  void UnwatchFd(int fd);

  // Any thread.
  void Post(absl::AnyInvocable<void()> fn);
  void Stop();

  // Runs what is due now, waiting up to `max_wait` of real time for an fd,
  // a post, or (by the clock) the next timer. Returns the callbacks run.
  int RunOnce(absl::Duration max_wait);
  // Runs until Stop().
  void Run();
  // Runs due timers, ready fds and posts until nothing more is due without
  // waiting (for fake-clock tests).
  void RunUntilIdle();

  Clock* clock() const { return clock_; }
  size_t pending_timers() const { return timers_.size(); }

 private:
  int RunDueTimers();
  int RunPosts();

  Clock* clock_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  bool stop_ = false;
  TimerId next_id_ = 1;
  std::map<std::pair<absl::Time, TimerId>, absl::AnyInvocable<void()>> timers_;
  absl::flat_hash_map<TimerId, absl::Time> timer_when_;
  absl::flat_hash_map<int, std::shared_ptr<FdCallback>> fds_;
  absl::Mutex post_mu_;
  std::vector<absl::AnyInvocable<void()>> posts_ ABSL_GUARDED_BY(post_mu_);
};

}  // namespace dsrlb

#endif  // DSRLB_COMMON_EVENT_LOOP_H_
