// A vrrp_script run every `interval` with a timeout; rise/fall consecutive
// results flip its state, which feeds an instance's priority or FAULT.
#ifndef DSRLB_CONTROLPLANE_VRRP_TRACK_SCRIPT_H_
#define DSRLB_CONTROLPLANE_VRRP_TRACK_SCRIPT_H_

#include <sys/types.h>

#include <functional>

#include "common/event_loop.h"
#include "controlplane/config/config.h"

namespace dsrlb::vrrp {

class ScriptTracker {
 public:
  // `on_change` runs on the loop when the script's state flips.
  ScriptTracker(EventLoop* loop, config::VrrpScript script,
                std::function<void()> on_change);
  ~ScriptTracker();
  ScriptTracker(const ScriptTracker&) = delete;
  ScriptTracker& operator=(const ScriptTracker&) = delete;

  void Start();
  void Stop();
  // keepalived assumes a script passes until it has failed `fall` times.
  bool ok() const { return ok_; }
  const std::string& name() const { return script_.name; }

 private:
  void Launch();
  void Finished(bool passed);
  void Reap(bool timed_out);

  EventLoop* loop_;
  config::VrrpScript script_;
  std::function<void()> on_change_;
  bool ok_ = true;
  int streak_ = 0;  // consecutive results against the current state
  pid_t pid_ = -1;
  int pidfd_ = -1;
  EventLoop::TimerId next_ = 0, timeout_ = 0;
  bool running_ = false;
};

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_TRACK_SCRIPT_H_
