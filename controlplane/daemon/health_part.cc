// HealthThread -> LbState.
#include "controlplane/daemon/health_part.h"

#include "controlplane/health/health_thread.h"

namespace dsrlb::api {
namespace {

class HealthPart : public DaemonPart {
 public:
  explicit HealthPart(LbState* state)
      : thread_([state](const health::HealthEvent& e) {
          // NotFound only when a reload removed the server meanwhile.
          (void)state->SetHealth(e.vs, e.rs, e.up, e.reason);
        }) {}

  absl::Status Apply(const config::Config& config) override {
    return thread_.Apply(config);
  }

 private:
  health::HealthThread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeHealthPart(LbState* state) {
  return std::make_unique<HealthPart>(state);
}

}  // namespace dsrlb::api
