// Transitions of the parts' health, each reported once as a log line.
#include "controlplane/tables/plane_monitor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dsrlb::api {

std::vector<std::string> PlaneMonitor::Observe(const StatsReading& r,
                                               uint64_t published,
                                               absl::Time now) {
  std::vector<std::string> log;
  absl::MutexLock lock(&mu_);
  PlaneHealth& h = health_;
  const std::string reason = r.alive      ? ""
                             : !r.present ? "dataplane down: no stats region"
                                          : "dataplane down: heartbeat stopped";
  if (!observed_ || r.alive != h.dataplane_alive) {
    log.push_back(r.alive ? "dataplane up (heartbeat moving)" : reason);
  }
  observed_ = true;
  h.dataplane_alive = r.alive;
  h.dataplane_reason = reason;
  h.published_generation = published;
  uint64_t oldest = published;
  for (uint64_t g : r.lcore_generations) oldest = std::min(oldest, g);
  h.dataplane_generation = r.alive ? oldest : 0;
  const bool behind = r.alive && oldest < published;
  if (!behind) behind_since_.reset();
  if (behind && !behind_since_) behind_since_ = now;
  const bool stale = behind && now - *behind_since_ >= kStaleAfter;
  if (stale != h.tables_stale)
    log.push_back(stale ? absl::StrCat("tables stale: the dataplane uses "
                                       "generation ",
                                       oldest, ", published ", published,
                                       " for ", kStaleAfter / absl::Seconds(1),
                                       " s or more")
                        : "tables current: the dataplane caught up");
  h.tables_stale = stale;
  return log;
}

std::vector<std::string> PlaneMonitor::PublishResult(const absl::Status& s) {
  std::vector<std::string> log;
  absl::MutexLock lock(&mu_);
  PlaneHealth& h = health_;
  if (s.ok()) {
    if (h.publish_failing) log.push_back("publishing again");
    h.publish_failing = false;
    return log;
  }
  h.publish_failures_total++;
  const std::string msg(s.message());
  if (!h.publish_failing || msg != h.publish_error)
    log.push_back(absl::StrCat("publish failing: ", msg));
  h.publish_failing = true;
  h.publish_error = msg;
  return log;
}

void PlaneMonitor::SetKernelGuard(bool in_place, uint64_t drops) {
  absl::MutexLock lock(&mu_);
  health_.kernel_guard = in_place;
  health_.kernel_vip_drops = drops;
}

PlaneHealth PlaneMonitor::Get() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

bool PlaneMonitor::observed() const {
  absl::MutexLock lock(&mu_);
  return observed_;
}

}  // namespace dsrlb::api
