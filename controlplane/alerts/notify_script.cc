// Notify scripts on child processes.
#include "controlplane/alerts/notify_script.h"

#include <utility>

namespace dsrlb::health {

NotifyScriptRunner::NotifyScriptRunner(EventLoop* loop, absl::Duration timeout,
                                       Report report)
    : loop_(loop), timeout_(timeout), report_(std::move(report)) {}

NotifyScriptRunner::~NotifyScriptRunner() = default;

absl::Status NotifyScriptRunner::Run(const std::string& command,
                                     const std::vector<std::string>& args) {
  const uint64_t id = next_id_++;
  auto child =
      ChildProcess::Spawn(loop_, ChildProcess::ShellArgv(command, args),
                          timeout_, [this, id, command](const ChildExit& exit) {
                            if (report_) report_(command, exit);
                            // ChildProcess touches nothing of itself after
                            // calling us.
                            children_.erase(id);
                          });
  if (!child.ok()) return child.status();
  children_[id] = std::move(*child);
  return absl::OkStatus();
}

}  // namespace dsrlb::health
