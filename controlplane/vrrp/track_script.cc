// fork/exec + a pidfd in the event loop, so a slow script never blocks VRRP.
#include "controlplane/vrrp/track_script.h"

#include "controlplane/alerts/child_process.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace dsrlb::vrrp {

ScriptTracker::ScriptTracker(EventLoop* loop, config::VrrpScript script,
                             std::function<void()> on_change)
    : loop_(loop),
      script_(std::move(script)),
      on_change_(std::move(on_change)) {}

ScriptTracker::~ScriptTracker() { Stop(); }

void ScriptTracker::Start() {
  if (running_) return;
  running_ = true;
  Launch();
}

void ScriptTracker::Stop() {
  running_ = false;
  loop_->Cancel(next_);
  loop_->Cancel(timeout_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Reap(true);
  }
}

void ScriptTracker::Launch() {
  if (!running_) return;
  // global_defs' script_user, read before fork (async-signal-safe child).
  const std::optional<health::RunAs> who = health::ChildProcess::GetRunAs();
  const bool change = who && (who->uid != geteuid() || who->gid != getegid());
  pid_t pid = fork();
  if (pid == 0) {
    if (change && !health::ChildProcess::BecomeInChild(*who)) _exit(126);
    execl("/bin/sh", "sh", "-c", script_.script.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid < 0) {
    Finished(false);
    return;
  }
  pid_ = pid;
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd_ < 0 ||
      !loop_->WatchFd(pidfd_, EPOLLIN, [this](uint32_t) { Reap(false); })
           .ok()) {
    // No pidfd: wait for it at the timeout instead.
    if (pidfd_ >= 0) close(pidfd_);
    pidfd_ = -1;
  }
  timeout_ = loop_->RunAfter(script_.timeout, [this] {
    timeout_ = 0;
    if (pid_ > 0) {
      int st;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        if (pidfd_ >= 0) {
          loop_->UnwatchFd(pidfd_);
          close(pidfd_);
          pidfd_ = -1;
        }
        Finished(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        return;
      }
      kill(pid_, SIGKILL);
      Reap(true);
    }
  });
}

void ScriptTracker::Reap(bool timed_out) {
  if (pid_ <= 0) return;
  int st = 0;
  pid_t r;
  while ((r = waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (pidfd_ >= 0) {
    loop_->UnwatchFd(pidfd_);
    close(pidfd_);
    pidfd_ = -1;
  }
  loop_->Cancel(timeout_);
  timeout_ = 0;
  if (running_)
    Finished(!timed_out && r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

void ScriptTracker::Finished(bool passed) {
  if (passed == ok_) {
    streak_ = 0;
  } else if (++streak_ >= (passed ? script_.rise : script_.fall)) {
    ok_ = passed;
    streak_ = 0;
    if (on_change_) on_change_();
  }
  if (running_)
    next_ = loop_->RunAfter(script_.interval, [this] {
      next_ = 0;
      Launch();
    });
}

}  // namespace dsrlb::vrrp
