// The event log behind WatchEvents.
#include "controlplane/model/event_hub.h"

#include "absl/time/clock.h"

namespace dsrlb::api {

void EventHub::Post(Event event) {
  if (event.unix_ms == 0) event.unix_ms = absl::ToUnixMillis(absl::Now());
  absl::MutexLock lock(&mu_);
  log_.push_back(std::move(event));
  while (log_.size() > capacity_) {
    log_.pop_front();
    first_seq_++;
  }
}

uint64_t EventHub::NextSeq() const {
  absl::MutexLock lock(&mu_);
  return first_seq_ + log_.size();
}

std::vector<Event> EventHub::Wait(uint64_t* cursor, absl::Duration timeout,
                                  uint64_t* lost) {
  absl::MutexLock lock(&mu_);
  auto has_new = [this, cursor]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return first_seq_ + log_.size() > *cursor;
  };
  mu_.AwaitWithTimeout(absl::Condition(&has_new), timeout);
  *lost = 0;
  if (*cursor < first_seq_) {
    *lost = first_seq_ - *cursor;
    *cursor = first_seq_;
  }
  std::vector<Event> out(log_.begin() + static_cast<long>(*cursor - first_seq_),
                         log_.end());
  *cursor = first_seq_ + log_.size();
  return out;
}

}  // namespace dsrlb::api
