// HTTP_GET / SSL_GET attempts over libcurl.
#include "controlplane/health/http_check.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controlplane/health/socket_address.h"

namespace dsrlb::health {

HttpCheck::HttpCheck(EventLoop* loop, CurlDriver* curl, HttpTarget target)
    : loop_(loop), curl_(curl), target_(std::move(target)) {}

HttpCheck::~HttpCheck() { Cancel(); }

void HttpCheck::Cancel() {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  if (easy_ != nullptr) {
    curl_->Remove(easy_);
    curl_easy_cleanup(easy_);
    easy_ = nullptr;
  }
  if (headers_ != nullptr) curl_slist_free_all(headers_);
  headers_ = nullptr;
  if (md5_ != nullptr) EVP_MD_CTX_free(md5_);
  md5_ = nullptr;
  done_ = nullptr;
}

std::string HttpCheck::Url(const config::HttpUrl& url) const {
  std::string path = url.path.empty() || url.path[0] != '/'
                         ? absl::StrCat("/", url.path)
                         : url.path;
  return absl::StrCat(target_.tls ? "https://" : "http://",
                      HostPort(target_.address, target_.port), path);
}

void HttpCheck::Start(Done done) {
  Cancel();
  done_ = std::move(done);
  url_index_ = 0;
  if (target_.urls.empty()) {
    timer_ = loop_->RunAfter(absl::ZeroDuration(), [this] {
      timer_ = 0;
      Finish(false, "HTTP check has no url");
    });
    return;
  }
  Fetch();
}

size_t HttpCheck::OnBody(char* data, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<HttpCheck*>(self_ptr);
  const size_t len = size * n;
  self->body_size_ += len;
  if (self->body_size_ > kMaxBody) return 0;  // CURLE_WRITE_ERROR
  if (self->md5_ != nullptr) EVP_DigestUpdate(self->md5_, data, len);
  return len;
}

void HttpCheck::Fetch() {
  const config::HttpUrl& url = target_.urls[url_index_];
  current_url_ = Url(url);
  body_size_ = 0;
  error_[0] = 0;
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  easy_ = curl_easy_init();
  if (headers_ != nullptr) curl_slist_free_all(headers_);
  headers_ = nullptr;
  if (md5_ != nullptr) EVP_MD_CTX_free(md5_);
  md5_ = nullptr;
  if (!url.digest.empty()) {
    md5_ = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md5_, EVP_md5(), nullptr);
  }
  CURL* e = easy_;
  curl_easy_setopt(e, CURLOPT_URL, current_url_.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpCheck::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");  // never through an env proxy
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_0);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "KeepAliveClient");
  if (target_.tls) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const std::string& host =
      url.virtualhost.empty() ? target_.virtualhost : url.virtualhost;
  if (!host.empty()) {
    headers_ =
        curl_slist_append(headers_, absl::StrCat("Host: ", host).c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
  }
  std::string interface;
  if (target_.bindto.has_value()) {
    interface = absl::StrCat("host!", target_.bindto->ToString());
    curl_easy_setopt(e, CURLOPT_INTERFACE, interface.c_str());
  }
  // The loop's clock decides the timeout (so tests can drive it); curl's own
  // limit in real time is only a backstop.
  const long backstop_ms =
      static_cast<long>(2 * absl::ToInt64Milliseconds(target_.timeout) + 1000);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, backstop_ms);
  absl::Status added = curl_->Add(e, [this](CURLcode rc) { OnFetched(rc); });
  if (!added.ok()) {
    std::string text =
        absl::StrCat("HTTP GET ", current_url_, ": ", added.message());
    timer_ = loop_->RunAfter(absl::ZeroDuration(), [this, text] {
      timer_ = 0;
      Finish(false, text);
    });
    return;
  }
  timer_ = loop_->RunAfter(target_.timeout, [this] {
    timer_ = 0;
    Finish(false, absl::StrCat("HTTP GET ", current_url_, ": timed out after ",
                               absl::FormatDuration(target_.timeout)));
  });
}

void HttpCheck::OnFetched(CURLcode rc) {
  if (timer_ != 0) loop_->Cancel(timer_);
  timer_ = 0;
  const config::HttpUrl& url = target_.urls[url_index_];
  if (rc != CURLE_OK) {
    std::string why =
        rc == CURLE_WRITE_ERROR && body_size_ > kMaxBody
            ? absl::StrCat("body larger than ", kMaxBody, " bytes")
            : std::string(error_[0] != 0 ? error_ : curl_easy_strerror(rc));
    Finish(false, absl::StrCat("HTTP GET ", current_url_, ": ", why));
    return;
  }
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  if (!url.AcceptsStatus(status)) {
    Finish(false, absl::StrCat("HTTP status ", status, ", expected ",
                               url.StatusText(), " (GET ", current_url_, ")"));
    return;
  }
  if (md5_ != nullptr) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md5_, digest, &len);
    std::string hex;
    for (unsigned int i = 0; i < len; i++)
      absl::StrAppendFormat(&hex, "%02x", digest[i]);
    if (hex != absl::AsciiStrToLower(url.digest)) {
      Finish(false, absl::StrCat("digest mismatch: got ", hex, ", expected ",
                                 url.digest, " (GET ", current_url_, ")"));
      return;
    }
  }
  if (++url_index_ < target_.urls.size()) {
    Fetch();
    return;
  }
  Finish(true,
         absl::StrCat("HTTP status ", status, " (GET ", current_url_, ")"));
}

void HttpCheck::Finish(bool ok, std::string text) {
  Done done = std::move(done_);
  Cancel();
  Report(std::move(done), ok, std::move(text));
}

}  // namespace dsrlb::health
