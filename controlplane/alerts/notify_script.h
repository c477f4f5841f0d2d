// Fire-and-forget notify scripts (notify_up, notify_down, VRRP's notify_*):
// run through /bin/sh without blocking the loop, reaped when they end,
// killed after a timeout. Usable on its own by any event-loop owner.
#ifndef DSRLB_CONTROLPLANE_ALERTS_NOTIFY_SCRIPT_H_
#define DSRLB_CONTROLPLANE_ALERTS_NOTIFY_SCRIPT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "common/event_loop.h"
#include "controlplane/alerts/child_process.h"

namespace dsrlb::health {

class NotifyScriptRunner {
 public:
  // Told how each script ended (for logs); may be empty.
  using Report =
      absl::AnyInvocable<void(const std::string& command, const ChildExit&)>;

  explicit NotifyScriptRunner(EventLoop* loop,
                              absl::Duration timeout = absl::Seconds(30),
                              Report report = nullptr);
  // Kills scripts still running.
  ~NotifyScriptRunner();

  // Runs `command` (a shell command line, as written in the config) with
  // `args` appended as "$1".."$n". Returns once it started.
  absl::Status Run(const std::string& command,
                   const std::vector<std::string>& args = {});
  size_t running() const { return children_.size(); }

 private:
  EventLoop* loop_;
  absl::Duration timeout_;
  Report report_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<ChildProcess>> children_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_ALERTS_NOTIFY_SCRIPT_H_
