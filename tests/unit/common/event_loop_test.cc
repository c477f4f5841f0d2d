// The event loop: timers by a fake clock, real fds, cross-thread posts.
#include "common/event_loop.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace dsrlb {
namespace {

TEST(EventLoop, TimersFireInOrderWhenTheClockReachesThem) {
  FakeClock clock;
  EventLoop loop(&clock);
  std::vector<int> fired;
  loop.RunAfter(absl::Seconds(3), [&] { fired.push_back(3); });
  loop.RunAfter(absl::Seconds(1), [&] { fired.push_back(1); });
  loop.RunAfter(absl::Seconds(2), [&] { fired.push_back(2); });
  loop.RunUntilIdle();
  EXPECT_TRUE(fired.empty());
  clock.Advance(absl::Milliseconds(1999));
  loop.RunUntilIdle();
  EXPECT_EQ(fired, std::vector<int>({1}));
  clock.Advance(absl::Seconds(5));
  loop.RunUntilIdle();
  EXPECT_EQ(fired, std::vector<int>({1, 2, 3}));
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(EventLoop, CancelledTimerNeverRuns) {
  FakeClock clock;
  EventLoop loop(&clock);
  bool ran = false;
  auto id = loop.RunAfter(absl::Seconds(1), [&] { ran = true; });
  loop.Cancel(id);
  loop.Cancel(id);  // twice is harmless
  clock.Advance(absl::Seconds(2));
  loop.RunUntilIdle();
  EXPECT_FALSE(ran);
}

TEST(EventLoop, TimerCanRescheduleItself) {
  FakeClock clock;
  EventLoop loop(&clock);
  int count = 0;
  std::function<void()> tick = [&] {
    if (++count < 3) loop.RunAfter(absl::Seconds(1), tick);
  };
  loop.RunAfter(absl::Seconds(1), tick);
  for (int i = 0; i < 5; i++) {
    clock.Advance(absl::Seconds(1));
    loop.RunUntilIdle();
  }
  EXPECT_EQ(count, 3);
}

TEST(EventLoop, ReadableFdRunsItsCallbackUntilUnwatched) {
  EventLoop loop;
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  std::string got;
  ASSERT_TRUE(loop.WatchFd(sv[0], EPOLLIN,
                           [&](uint32_t) {
                             char buf[16];
                             ssize_t n = read(sv[0], buf, sizeof(buf));
                             if (n > 0) got.append(buf, static_cast<size_t>(n));
                             loop.UnwatchFd(sv[0]);
                           })
                  .ok());
  ASSERT_EQ(write(sv[1], "hi", 2), 2);
  loop.RunOnce(absl::Seconds(5));
  EXPECT_EQ(got, "hi");
  ASSERT_EQ(write(sv[1], "again", 5), 5);
  loop.RunOnce(absl::Milliseconds(10));
  EXPECT_EQ(got, "hi");  // unwatched: not read again
  close(sv[0]);
  close(sv[1]);
}

TEST(EventLoop, PostFromAnotherThreadWakesAndStops) {
  EventLoop loop;
  std::atomic<bool> ran{false};
  std::thread t([&] {
    loop.Post([&] { ran = true; });
    loop.Stop();
  });
  loop.Run();
  t.join();
  EXPECT_TRUE(ran);
}

TEST(EventLoop, BadFdIsAnError) {
  EventLoop loop;
  EXPECT_FALSE(loop.WatchFd(-1, EPOLLIN, [](uint32_t) {}).ok());
}

}  // namespace
}  // namespace dsrlb
