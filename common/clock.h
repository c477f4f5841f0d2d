// Time as the control plane sees it: a real monotonic clock, or a fake one
// that tests move by hand.
#ifndef DSRLB_COMMON_CLOCK_H_
#define DSRLB_COMMON_CLOCK_H_

#include <time.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace dsrlb {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// CLOCK_MONOTONIC as an absl::Time: only differences mean anything.
class RealClock : public Clock {
 public:
  absl::Time Now() const override {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return absl::TimeFromTimespec(ts);
  }
  static RealClock* Get() {
    static RealClock clock;
    return &clock;
  }
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() + absl::Hours(1))
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb

#endif  // DSRLB_COMMON_CLOCK_H_
