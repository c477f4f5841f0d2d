// HealthThread: the monitor on its own thread, driven from another.
#include "controlplane/health/health_thread.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "tests/unit/health/health_test_util.h"

namespace dsrlb::health {
namespace {

using testing::ClosedPort;
using testing::Listener;
using testing::OneServer;
using testing::TcpChecker;
using testing::TheRs;
using testing::TheVs;

TEST(HealthThread, EventsArriveOnTheHealthThreadAndStateIsReadableAnywhere) {
  absl::Mutex mu;
  std::vector<HealthEvent> events;
  std::thread::id callback_thread;
  // A Notification rather than Mutex::Await(Condition): the TSan run's
  // Abseil shim (tests/tsan/) models lock, unlock and Notification, not a
  // condition evaluated inside Await, which it reported as a race.
  absl::Notification first_event;
  const uint16_t port = ClosedPort();
  {
    HealthThread health([&](const HealthEvent& e) {
      absl::MutexLock lock(&mu);
      events.push_back(e);
      callback_thread = std::this_thread::get_id();
      if (!first_event.HasBeenNotified()) first_event.Notify();
    });
    ASSERT_TRUE(
        health.Apply(OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))}))
            .ok());
    ASSERT_TRUE(first_event.WaitForNotificationWithTimeout(absl::Seconds(10)));
    {
      absl::MutexLock lock(&mu);
      ASSERT_FALSE(events.empty());
      EXPECT_FALSE(events[0].up);
      EXPECT_NE(callback_thread, std::this_thread::get_id());
    }
    auto state = health.State(TheVs(), TheRs(port));
    ASSERT_TRUE(state.has_value());
    EXPECT_FALSE(state->up);
    EXPECT_EQ(health.States().size(), 1u);
    // A bad checker is reported through Apply's status from this thread.
    config::Config dup =
        OneServer(port, {TcpChecker(port, 0, absl::Seconds(1))});
    dup.virtual_servers[0].real_servers.push_back(
        dup.virtual_servers[0].real_servers[0]);
    EXPECT_EQ(health.Apply(dup).code(), absl::StatusCode::kInvalidArgument);
  }
  // Destroyed: no callback after this point.
  absl::MutexLock lock(&mu);
  EXPECT_EQ(events.size(), 1u);
}

}  // namespace
}  // namespace dsrlb::health
