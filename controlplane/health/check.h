// One kind of health check (TCP, HTTP, script): runs single attempts; the
// CheckRunner decides when to run them and what the results mean.
#ifndef DSRLB_CONTROLPLANE_HEALTH_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_CHECK_H_

#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "controlplane/health/health_event.h"

namespace dsrlb::health {

class Check {
 public:
  using Done = absl::AnyInvocable<void(CheckResult)>;
  virtual ~Check() = default;
  // Starts one attempt. `done` runs later on the loop thread, exactly once,
  // unless Cancel() or the destructor comes first. Never called re-entrantly
  // from inside Start().
  virtual void Start(Done done) = 0;
  // Abandons an attempt in flight (no callback); harmless when idle.
  virtual void Cancel() = 0;
  // "TCP CHECK", "CHECK", "MISC CHECK": keepalived's words in alert mail.
  virtual absl::string_view AlertName() const = 0;

  // Calls `done`, when set, with the attempt's result.
  static void Report(Done done, bool ok, std::string text) {
    if (!done) return;
    CheckResult result;
    result.ok = ok;
    result.text = std::move(text);
    done(std::move(result));
  }
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_CHECK_H_
