// posix_spawn + pidfd: child processes inside the event loop.
#include "controlplane/alerts/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
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

// uid << 32 | gid, or kAsSelf.
constexpr uint64_t kAsSelf = ~uint64_t{0};
std::atomic<uint64_t> run_as{kAsSelf};

// posix_spawn: own process group, default signal handling, an empty mask
// whatever the daemon set, stdio on /dev/null. Returns errno or 0.
int SpawnAsSelf(char* const* argv, pid_t* pid) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
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
  int rc = posix_spawn(pid, argv[0], &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// posix_spawn cannot change credentials: fork, then only async-signal-safe
// calls in the child. Raw syscalls for the ids: glibc's setuid() would try
// to signal the parent's other threads. The same as SpawnAsSelf, and
// setgroups({gid}), setresgid, setresuid (keepalived's set_script_env). A
// child that cannot drop to the user exits 126 without running anything.
int SpawnAs(char* const* argv, const RunAs& who, pid_t* pid) {
  *pid = fork();
  if (*pid < 0) return errno;
  if (*pid > 0) {
    setpgid(*pid, *pid);  // no window where a kill(-pid) misses it
    return 0;
  }
  setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  int null_fd = open("/dev/null", O_RDWR);
  if (null_fd < 0) _exit(126);
  for (int fd = 0; fd < 3; ++fd) dup2(null_fd, fd);
  if (null_fd > 2) close(null_fd);
  if (!ChildProcess::BecomeInChild(who)) _exit(126);
  execve(argv[0], argv, environ);
  _exit(127);
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

void ChildProcess::SetRunAs(std::optional<RunAs> who) {
  run_as.store(who ? uint64_t{who->uid} << 32 | who->gid : kAsSelf);
}

bool ChildProcess::BecomeInChild(const RunAs& who) {
  const gid_t gid = who.gid;
  return syscall(SYS_setgroups, 1, &gid) == 0 &&
         syscall(SYS_setresgid, gid, gid, gid) == 0 &&
         syscall(SYS_setresuid, who.uid, who.uid, who.uid) == 0;
}

std::optional<RunAs> ChildProcess::GetRunAs() {
  uint64_t v = run_as.load();
  if (v == kAsSelf) return std::nullopt;
  return RunAs{static_cast<uint32_t>(v >> 32), static_cast<uint32_t>(v)};
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

  pid_t pid = -1;
  std::optional<RunAs> who = GetRunAs();
  int rc = who && (who->uid != geteuid() || who->gid != getegid())
               ? SpawnAs(cargv.data(), *who, &pid)
               : SpawnAsSelf(cargv.data(), &pid);
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
