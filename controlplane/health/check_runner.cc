// The retry / delay_loop / rise / fall state machine of one checker.
#include "controlplane/health/check_runner.h"

#include <utility>

namespace dsrlb::health {

CheckRunner::CheckRunner(EventLoop* loop, std::unique_ptr<Check> check,
                         CheckTiming timing, Listener listener)
    : loop_(loop),
      check_(std::move(check)),
      timing_(timing),
      listener_(std::move(listener)),
      up_(timing.start_up) {}

CheckRunner::~CheckRunner() {
  if (timer_ != 0) loop_->Cancel(timer_);
  check_->Cancel();
}

void CheckRunner::Start() {
  if (!suspended_) ScheduleNext(absl::ZeroDuration());
}

void CheckRunner::Suspend() {
  if (suspended_) return;
  suspended_ = true;
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  check_->Cancel();
  retry_it_ = 0;
}

void CheckRunner::Resume() {
  if (!suspended_) return;
  suspended_ = false;
  ScheduleNext(absl::ZeroDuration());
}

void CheckRunner::ScheduleNext(absl::Duration delay) {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = loop_->RunAfter(delay, [this] {
    timer_ = 0;
    RunAttempt();
  });
}

void CheckRunner::RunAttempt() {
  attempts_++;
  attempt_started_ = loop_->clock()->Now();
  check_->Start([this](CheckResult result) { OnResult(std::move(result)); });
}

void CheckRunner::OnResult(CheckResult result) {
  result.duration = loop_->clock()->Now() - attempt_started_;
  bool changed = false;
  if (result.ok) {
    retry_it_ = 0;
    changed = Verdict(true);
    ScheduleNext(timing_.delay_loop);
  } else if (up_ && retry_it_ < timing_.retry) {
    // keepalived retries only while the checker is up: a server already
    // known to be down is not hammered with retries.
    retry_it_++;
    ScheduleNext(timing_.delay_before_retry);
  } else {
    retry_it_ = 0;
    changed = Verdict(false);
    ScheduleNext(timing_.delay_loop);
  }
  listener_(result, changed);
}

bool CheckRunner::Verdict(bool ok) {
  if (ok) {
    fall_count_ = 0;
    if (up_) return false;
    if (++rise_count_ < timing_.rise) return false;
    rise_count_ = 0;
    up_ = true;
    return true;
  }
  rise_count_ = 0;
  if (!up_) return false;
  if (++fall_count_ < timing_.fall) return false;
  fall_count_ = 0;
  up_ = false;
  return true;
}

}  // namespace dsrlb::health
