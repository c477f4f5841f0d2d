// The health monitor's own thread.
#include "controlplane/health/health_thread.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace dsrlb::health {

HealthThread::HealthThread(HealthMonitor::Callback callback, Clock* clock)
    : loop_(clock),
      // Built before the thread starts, so nothing races with it.
      monitor_(std::make_unique<HealthMonitor>(&loop_, std::move(callback))),
      thread_([this] { loop_.Run(); }) {}

HealthThread::~HealthThread() {
  absl::Notification gone;
  loop_.Post([this, &gone] {
    // State() readers may still hold a pointer: keep the object, stop the
    // checks (an empty configuration removes every server).
    (void)monitor_->Apply(config::Config{});
    gone.Notify();
  });
  gone.WaitForNotification();
  loop_.Stop();
  thread_.join();
  monitor_.reset();  // the loop no longer runs: safe from this thread
}

absl::Status HealthThread::Apply(const config::Config& config) {
  absl::Status status;
  absl::Notification done;
  loop_.Post([&] {
    status = monitor_->Apply(config);
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

}  // namespace dsrlb::health
