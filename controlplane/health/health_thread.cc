// The health monitor's own thread.
#include "controlplane/health/health_thread.h"

#include <memory>
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

void HealthThread::RunScript(std::string command) {
  loop_.Post(
      [this, command = std::move(command)] { monitor_->RunScript(command); });
}

namespace {

// Re-checks every 10 ms on the loop until no script runs.
void NotifyWhenIdle(EventLoop* loop, const HealthMonitor* monitor,
                    std::shared_ptr<absl::Notification> idle) {
  if (monitor->scripts_running() == 0) {
    idle->Notify();
    return;
  }
  loop->RunAfter(absl::Milliseconds(10), [loop, monitor, idle] {
    NotifyWhenIdle(loop, monitor, idle);
  });
}

}  // namespace

std::vector<std::string> HealthThread::Shutdown(absl::Duration limit) {
  std::vector<std::string> commands;
  absl::Notification started;
  // Shared with the loop: it may still look after the caller gave up.
  auto idle = std::make_shared<absl::Notification>();
  loop_.Post([&, idle] {
    commands = monitor_->Shutdown();
    started.Notify();
    NotifyWhenIdle(&loop_, monitor_.get(), idle);
  });
  started.WaitForNotification();
  idle->WaitForNotificationWithTimeout(limit);
  return commands;
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
