// keepalived's timers around one checker: an attempt every delay_loop; a
// failed attempt is retried `retry` times, delay_before_retry apart, before it
// counts as a failure; HAProxy-style rise/fall consecutive verdicts flip the
// checker's own up/down state.
#ifndef DSRLB_CONTROLPLANE_HEALTH_CHECK_RUNNER_H_
#define DSRLB_CONTROLPLANE_HEALTH_CHECK_RUNNER_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "common/event_loop.h"
#include "controlplane/health/check.h"

namespace dsrlb::health {

struct CheckTiming {
  absl::Duration delay_loop = absl::Seconds(60);
  absl::Duration delay_before_retry = absl::Seconds(1);
  int retry = 1;
  int rise = 1;
  int fall = 1;
  bool start_up = true;  // false with the virtual server's alpha
};

class CheckRunner {
 public:
  // After every finished attempt; `changed` when up() just flipped.
  using Listener =
      absl::AnyInvocable<void(const CheckResult& result, bool changed)>;

  CheckRunner(EventLoop* loop, std::unique_ptr<Check> check, CheckTiming timing,
              Listener listener);
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  // Runs the first attempt at once, then keeps going until destroyed.
  // Not while suspended: then the first attempt waits for Resume().
  void Start();
  // ha_suspend: stops attempting (an attempt in flight is abandoned, a
  // retry sequence forgotten) and keeps up(); Resume() attempts at once.
  void Suspend();
  void Resume();
  bool suspended() const { return suspended_; }
  bool up() const { return up_; }
  const Check& check() const { return *check_; }
  int attempts() const { return attempts_; }

 private:
  void RunAttempt();
  void OnResult(CheckResult result);
  bool Verdict(bool ok);  // true when up_ changed
  void ScheduleNext(absl::Duration delay);

  EventLoop* loop_;
  std::unique_ptr<Check> check_;
  CheckTiming timing_;
  Listener listener_;
  bool up_;
  int retry_it_ = 0;    // retries spent on the current failure
  int rise_count_ = 0;  // consecutive good verdicts while down
  int fall_count_ = 0;  // consecutive bad verdicts while up
  int attempts_ = 0;
  EventLoop::TimerId timer_ = 0;
  bool suspended_ = false;
  absl::Time attempt_started_;  // the monitor's clock
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_CHECK_RUNNER_H_
