// MISC_CHECK: run `/bin/sh -c misc_path`; exit 0 is up. Past misc_timeout
// (by the loop's clock) the script's process group is killed and the check
// fails. With misc_dynamic, exit 1 is down and 2..255 is up with weight
// (code - 2), as in keepalived.
#ifndef DSRLB_CONTROLPLANE_HEALTH_MISC_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_MISC_CHECK_H_

#include <memory>
#include <string>

#include "common/event_loop.h"
#include "controlplane/alerts/child_process.h"
#include "controlplane/health/check.h"

namespace dsrlb::health {

class MiscCheck : public Check {
 public:
  MiscCheck(EventLoop* loop, std::string command, absl::Duration timeout,
            bool dynamic);
  ~MiscCheck() override;
  void Start(Done done) override;
  void Cancel() override;
  absl::string_view AlertName() const override { return "MISC CHECK"; }

 private:
  void OnExit(const ChildExit& exit);
  void Finish(CheckResult result);

  EventLoop* loop_;
  std::string command_;
  absl::Duration timeout_;
  bool dynamic_;
  std::unique_ptr<ChildProcess> child_;
  EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_MISC_CHECK_H_
