// posix_spawn + pidfd: child processes inside the event loop.
#include "controlplane/alerts/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace dsrlb::health {
namespace {

int PidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

}  // namespace

std::string ChildExit::Describe(absl::Duration timeout) const {
  if (timed_out)
    return absl::StrCat("timed out after ", absl::FormatDuration(timeout));
  if (WIFEXITED(wait_status))
    return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return absl::StrCat("killed by signal ", WTERMSIG(wait_status));
  return absl::StrCat("ended with wait status ", wait_status);
}

bool ChildExit::Succeeded() const {
  return !timed_out && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::vector<std::string> ChildProcess::ShellArgv(
    const std::string& command, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      "/bin/sh", "-c", args.empty() ? command : command + " \"$@\"", "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    EventLoop* loop, const std::vector<std::string>& argv,
    absl::Duration timeout, Done done) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command line");
  std::vector<char*> cargv;
  for (const std::string& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so a timeout kills what the script started too;
  // default signal handling and an empty mask whatever the daemon set.
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return absl::UnavailableError(
        absl::StrCat("cannot run ", argv[0], ": ", strerror(rc)));
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    int err = errno;
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return absl::UnavailableError(
        absl::StrCat("pidfd_open for ", argv[0], ": ", strerror(err)));
  }
  std::unique_ptr<ChildProcess> child(
      new ChildProcess(loop, pid, pidfd, std::move(done)));
  absl::Status watched = loop->WatchFd(
      pidfd, EPOLLIN, [c = child.get()](uint32_t) { c->OnExit(); });
  if (!watched.ok()) return watched;  // the destructor kills and reaps
  if (timeout > absl::ZeroDuration())
    child->timer_ =
        loop->RunAfter(timeout, [c = child.get()] { c->OnTimeout(); });
  return child;
}

ChildProcess::ChildProcess(EventLoop* loop, pid_t pid, int pidfd, Done done)
    : loop_(loop), pid_(pid), pidfd_(pidfd), done_(std::move(done)) {}

ChildProcess::~ChildProcess() {
  if (timer_ != 0) loop_->Cancel(timer_);
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (pidfd_ >= 0) {
    loop_->UnwatchFd(pidfd_);
    close(pidfd_);
  }
}

void ChildProcess::OnTimeout() {
  timer_ = 0;
  if (pid_ <= 0) return;
  timed_out_ = true;
  kill(-pid_, SIGKILL);  // the pidfd turns readable; OnExit reaps
}

void ChildProcess::OnExit() {
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return;                    // spurious
  if (r < 0) status = 255 << 8;          // reaped elsewhere: report a failure
  if (timed_out_) kill(-pid_, SIGKILL);  // stragglers of the group
  pid_ = -1;
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  loop_->UnwatchFd(pidfd_);
  close(pidfd_);
  pidfd_ = -1;
  ChildExit exit;
  exit.timed_out = timed_out_;
  exit.wait_status = status;
  Done done = std::move(done_);
  if (done) done(exit);  // may destroy this object: nothing after
}

}  // namespace dsrlb::health
