// keepalived's quorum rule, as check/ipwrapper.c applies it.
#include "controlplane/model/quorum.h"

#include "absl/strings/str_cat.h"

namespace dsrlb::api {

uint64_t LiveWeight(const VirtualServerState& vs) {
  uint64_t sum = 0;
  for (const RealServerState& rs : vs.real_servers) {
    if (rs.sorry || rs.health == Health::kDown || rs.draining) continue;
    sum += rs.Weight();
  }
  return sum;
}

bool HasSorryServer(const VirtualServerState& vs) {
  for (const RealServerState& rs : vs.real_servers)
    if (rs.sorry) return true;
  return false;
}

namespace {

int64_t Threshold(const QuorumInput& in) {
  return static_cast<int64_t>(in.quorum) +
         (in.up ? -1 : 1) * static_cast<int64_t>(in.hysteresis);
}

}  // namespace

QuorumStep StepQuorum(const QuorumInput& in) {
  const int64_t threshold = Threshold(in);
  const int64_t live = static_cast<int64_t>(in.live_weight);
  if (!in.up && live >= threshold) return QuorumStep::kGained;
  if (in.up && (live == 0 || live < threshold)) return QuorumStep::kLost;
  if (!in.up && in.start_sorry_server) return QuorumStep::kLost;
  return QuorumStep::kNone;
}

std::string QuorumReason(const QuorumInput& in, QuorumStep step) {
  const int64_t threshold = Threshold(in);
  if (step == QuorumStep::kGained)
    return absl::StrCat("Gained quorum ", in.quorum, "+", in.hysteresis, "=",
                        threshold, " <= ", in.live_weight);
  return absl::StrCat(in.up ? "Lost quorum " : "Starting with quorum down ",
                      in.quorum, "-", in.hysteresis, "=", threshold, " > ",
                      in.live_weight);
}

}  // namespace dsrlb::api
