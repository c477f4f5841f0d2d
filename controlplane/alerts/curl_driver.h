// libcurl's multi interface driven by an EventLoop: curl's sockets are
// watched by the loop, curl's own timers run on a timerfd (curl measures its
// timeouts in real time, whatever clock the loop uses).
#ifndef DSRLB_CONTROLPLANE_ALERTS_CURL_DRIVER_H_
#define DSRLB_CONTROLPLANE_ALERTS_CURL_DRIVER_H_

#include <curl/curl.h>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "common/event_loop.h"

namespace dsrlb::health {

class CurlDriver {
 public:
  using Done = absl::AnyInvocable<void(CURLcode)>;

  explicit CurlDriver(EventLoop* loop);
  ~CurlDriver();
  CurlDriver(const CurlDriver&) = delete;
  CurlDriver& operator=(const CurlDriver&) = delete;

  // Runs the transfer `easy` (owned by the caller, who must Remove() it or
  // wait for `done` before freeing it). `done` runs on the loop thread.
  absl::Status Add(CURL* easy, Done done);
  // Abandons a transfer without calling its `done`; harmless if unknown.
  void Remove(CURL* easy);

 private:
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self,
                      void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  void Action(curl_socket_t fd, int ev_bitmask);
  void ReapDone();

  EventLoop* loop_;
  CURLM* multi_;
  int timer_fd_ = -1;
  absl::flat_hash_map<CURL*, Done> transfers_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_ALERTS_CURL_DRIVER_H_
