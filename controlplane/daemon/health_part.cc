// HealthThread -> LbState; the state's quorum changes -> quorum scripts;
// at a graceful stop, keepalived's omega.
#include "controlplane/daemon/health_part.h"

#include <cstdio>
#include <optional>

#include "controlplane/health/health_thread.h"

namespace dsrlb::api {
namespace {

// omega's notify_down and quorum_down scripts get this long to finish
// before the daemon goes on stopping (and kills what still runs).
constexpr absl::Duration kOmegaLimit = absl::Seconds(5);

class HealthPart : public DaemonPart {
 public:
  explicit HealthPart(LbState* state)
      : state_(state), thread_([state](const health::HealthEvent& e) {
          // NotFound only when a reload removed the server meanwhile.
          (void)state->SetHealth(e.vs, e.rs, e.up, e.reason,
                                 e.weight_from_check
                                     ? std::optional<uint32_t>(e.weight)
                                     : std::nullopt);
        }) {
    // Called with the state's lock held: only hand the script over.
    state_->SetQuorumListener([this](const QuorumChange& change) {
      std::fprintf(stderr, "dsrlb-control: virtual server %s: %s\n",
                   ToString(change.vs).c_str(), change.reason.c_str());
      if (!change.script.empty()) thread_.RunScript(change.script);
    });
  }
  ~HealthPart() override { state_->SetQuorumListener(nullptr); }

  absl::Status Apply(const config::Config& config) override {
    return thread_.Apply(config);
  }

  void HandOver() override {
    for (const std::string& c : thread_.Shutdown(kOmegaLimit))
      std::fprintf(stderr, "dsrlb-control: omega: ran %s\n", c.c_str());
  }

 private:
  LbState* const state_;
  health::HealthThread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonPart>> MakeHealthPart(LbState* state) {
  return std::make_unique<HealthPart>(state);
}

}  // namespace dsrlb::api
