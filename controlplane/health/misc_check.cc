// MISC_CHECK on a child process.
#include "controlplane/health/misc_check.h"

#include <sys/wait.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace dsrlb::health {

MiscCheck::MiscCheck(EventLoop* loop, std::string command,
                     absl::Duration timeout, bool dynamic)
    : loop_(loop),
      command_(std::move(command)),
      timeout_(timeout),
      dynamic_(dynamic) {}

MiscCheck::~MiscCheck() { Cancel(); }

void MiscCheck::Cancel() {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  child_.reset();  // kills and reaps a script still running
  done_ = nullptr;
}

void MiscCheck::Start(Done done) {
  Cancel();
  done_ = std::move(done);
  auto child =
      ChildProcess::Spawn(loop_, ChildProcess::ShellArgv(command_), timeout_,
                          [this](const ChildExit& exit) { OnExit(exit); });
  if (!child.ok()) {
    CheckResult result;
    result.text =
        absl::StrCat("MISC_CHECK ", command_, ": ", child.status().message());
    timer_ = loop_->RunAfter(absl::ZeroDuration(), [this, result] {
      timer_ = 0;
      Finish(result);
    });
    return;
  }
  child_ = std::move(*child);
}

void MiscCheck::OnExit(const ChildExit& exit) {
  CheckResult result;
  result.ok = exit.Succeeded();
  if (dynamic_ && !exit.timed_out && WIFEXITED(exit.wait_status)) {
    const int code = WEXITSTATUS(exit.wait_status);
    if (code >= 2) {
      result.ok = true;
      result.weight = static_cast<uint32_t>(code - 2);
    }
  }
  result.text =
      absl::StrCat("MISC_CHECK ", command_, ": ", exit.Describe(timeout_));
  if (result.weight.has_value())
    absl::StrAppend(&result.text, " (weight ", *result.weight, ")");
  child_.reset();  // reaped; it touches nothing after calling us
  Finish(std::move(result));
}

void MiscCheck::Finish(CheckResult result) {
  Done done = std::move(done_);
  Cancel();
  if (done) done(std::move(result));
}

}  // namespace dsrlb::health
