// HTTP_GET / SSL_GET: GET every configured url through libcurl (multi
// interface on the event loop) and check its status code (default: any 2xx,
// as keepalived) and the MD5 digest of its body (as keepalived's genhash).
// SSL_GET does not verify the server's certificate, like keepalived.
#ifndef DSRLB_CONTROLPLANE_HEALTH_HTTP_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_HTTP_CHECK_H_

#include <curl/curl.h>
#include <openssl/evp.h>

#include <optional>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "controlplane/alerts/curl_driver.h"
#include "controlplane/config/config.h"
#include "controlplane/health/check.h"

namespace dsrlb::health {

struct HttpTarget {
  bool tls = false;
  IpAddress address;
  uint16_t port = 0;
  std::optional<IpAddress> bindto;
  absl::Duration timeout = absl::Seconds(5);  // connect_timeout: whole GET
  std::vector<config::HttpUrl> urls;
  std::string virtualhost;  // Host header; default "address:port"
};

class HttpCheck : public Check {
 public:
  // Bodies past this size fail the check instead of being read forever.
  static constexpr size_t kMaxBody = 16 << 20;

  HttpCheck(EventLoop* loop, CurlDriver* curl, HttpTarget target);
  ~HttpCheck() override;
  void Start(Done done) override;
  void Cancel() override;
  absl::string_view AlertName() const override { return "CHECK"; }

 private:
  void Fetch();
  void OnFetched(CURLcode rc);
  void Finish(bool ok, std::string text);
  std::string Url(const config::HttpUrl& url) const;
  static size_t OnBody(char* data, size_t size, size_t n, void* self);

  EventLoop* loop_;
  CurlDriver* curl_;
  HttpTarget target_;
  size_t url_index_ = 0;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  EVP_MD_CTX* md5_ = nullptr;
  size_t body_size_ = 0;
  std::string current_url_;
  char error_[CURL_ERROR_SIZE] = {};
  EventLoop::TimerId timer_ = 0;
  Done done_;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_HTTP_CHECK_H_
