// A child process run without blocking the event loop: posix_spawn into its
// own process group, reaped through a pidfd the loop watches, killed (the
// whole group) when it outlives its timeout by the loop's clock.
//
// The process must not set SIGCHLD to SIG_IGN (children would vanish before
// they can be reaped) and must not reap children with waitpid(-1, ...).
#ifndef DSRLB_CONTROLPLANE_ALERTS_CHILD_PROCESS_H_
#define DSRLB_CONTROLPLANE_ALERTS_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/event_loop.h"

namespace dsrlb::health {

struct ChildExit {
  bool timed_out = false;
  int wait_status = 0;  // as from waitpid()
  // "exited with status 1", "killed by signal 9", "timed out after 2s".
  std::string Describe(absl::Duration timeout) const;
  bool Succeeded() const;
};

// keepalived's script_user: the uid and gid a script runs with (its only
// group, as keepalived sets it).
struct RunAs {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

class ChildProcess {
 public:
  using Done = absl::AnyInvocable<void(const ChildExit&)>;

  // Every child spawned from now on runs as `who` (nullopt: as this
  // process). Process-wide, as keepalived's script_user is: set from
  // global_defs when the configuration is applied.
  static void SetRunAs(std::optional<RunAs> who);
  static std::optional<RunAs> GetRunAs();
  // In a forked child: setgroups({gid}), setresgid, setresuid with raw
  // syscalls (async-signal-safe). False if any failed.
  static bool BecomeInChild(const RunAs& who);

  // Runs `argv` (argv[0] a path) with stdin/stdout/stderr on /dev/null.
  // `done` runs on the loop thread once the child is reaped. A zero or
  // negative timeout means none.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(
      EventLoop* loop, const std::vector<std::string>& argv,
      absl::Duration timeout, Done done);
  // "/bin/sh -c 'COMMAND "$@"' sh ARGS...": ARGS are appended to the
  // command line, as keepalived calls notify scripts (`notify /x.sh` runs
  // `/x.sh INSTANCE VI_1 MASTER 100`).
  static std::vector<std::string> ShellArgv(
      const std::string& command, const std::vector<std::string>& args = {});

  // Kills the group and reaps it if it is still running (no callback).
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

 private:
  ChildProcess(EventLoop* loop, pid_t pid, int pidfd, Done done);
  void OnExit();
  void OnTimeout();

  EventLoop* loop_;
  pid_t pid_;
  int pidfd_;
  Done done_;
  bool timed_out_ = false;
  EventLoop::TimerId timer_ = 0;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_ALERTS_CHILD_PROCESS_H_
