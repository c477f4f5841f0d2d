// SMTP alerts through libcurl.
#include "controlplane/alerts/smtp_alert.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controlplane/alerts/curl_driver.h"

namespace dsrlb::health {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

std::string SmtpUrlHost(const std::string& server) {
  // A bare IPv6 address needs brackets in a URL.
  if (server.find(':') != std::string::npos && server.front() != '[')
    return absl::StrCat("[", server, "]");
  return server;
}

}  // namespace

struct SmtpMailer::Mail {
  CURL* easy = nullptr;
  curl_slist* rcpt = nullptr;
  std::string payload;
  size_t offset = 0;
  Done done;
  char error[CURL_ERROR_SIZE] = {};
  ~Mail() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (rcpt != nullptr) curl_slist_free_all(rcpt);
  }
  static size_t Read(char* buf, size_t size, size_t n, void* self_ptr) {
    auto* self = static_cast<Mail*>(self_ptr);
    size_t len = std::min(size * n, self->payload.size() - self->offset);
    memcpy(buf, self->payload.data() + self->offset, len);
    self->offset += len;
    return len;
  }
};

SmtpMailer::SmtpMailer(EventLoop* loop)
    : curl_(std::make_unique<CurlDriver>(loop)) {}

SmtpMailer::~SmtpMailer() {
  for (auto& [raw, mail] : mails_) curl_->Remove(mail->easy);
  mails_.clear();
}

bool SmtpMailer::Configured(const config::GlobalDefs& global) {
  return !global.smtp_server.empty() && !global.notification_email.empty();
}

std::string SmtpMailer::Subject(const config::GlobalDefs& global,
                                const std::string& text) {
  return absl::StrCat("[",
                      global.router_id.empty() ? HostName() : global.router_id,
                      "] ", text);
}

std::string SmtpMailer::FormatMessage(const config::GlobalDefs& global,
                                      const std::string& subject,
                                      const std::string& body, absl::Time now) {
  return absl::StrCat(
      "Date: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", now, absl::LocalTimeZone()),
      "\r\nFrom: ", global.notification_email_from, "\r\nSubject: ", subject,
      "\r\nX-Mailer: dsrlb\r\nTo: ",
      absl::StrJoin(global.notification_email, ", "), "\r\n\r\n", body, "\r\n");
}

absl::Status SmtpMailer::Send(const config::GlobalDefs& global,
                              const std::string& subject,
                              const std::string& body, Done done) {
  if (!Configured(global))
    return absl::FailedPreconditionError(
        "no smtp_server or notification_email in global_defs");
  auto mail = std::make_unique<Mail>();
  mail->easy = curl_easy_init();
  if (mail->easy == nullptr)
    return absl::ResourceExhaustedError("curl_easy_init failed");
  mail->payload = FormatMessage(global, subject, body, absl::Now());
  mail->done = std::move(done);
  for (const std::string& to : global.notification_email)
    mail->rcpt =
        curl_slist_append(mail->rcpt, absl::StrCat("<", to, ">").c_str());
  const std::string url =
      absl::StrCat("smtp://", SmtpUrlHost(global.smtp_server), ":",
                   global.smtp_port, "/", HostName());
  const std::string from =
      absl::StrCat("<", global.notification_email_from, ">");
  const long timeout_ms = static_cast<long>(std::max<int64_t>(
      1, absl::ToInt64Milliseconds(global.smtp_connect_timeout)));
  CURL* e = mail->easy;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, mail->rcpt);
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, &Mail::Read);
  curl_easy_setopt(e, CURLOPT_READDATA, mail.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, mail->error);
  // keepalived applies smtp_connect_timeout to each step; curl has a connect
  // and a whole-transfer limit: the session gets three steps' worth.
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 3 * timeout_ms);
  Mail* raw = mail.get();
  mails_[raw] = std::move(mail);
  absl::Status added = curl_->Add(e, [this, raw, url](CURLcode rc) {
    auto node = mails_.extract(raw);
    std::unique_ptr<Mail> m = std::move(node.mapped());
    absl::Status status =
        rc == CURLE_OK
            ? absl::OkStatus()
            : absl::UnavailableError(absl::StrCat(
                  "mail to ", url, ": ",
                  m->error[0] != 0 ? m->error : curl_easy_strerror(rc)));
    if (m->done) m->done(status);
  });
  if (!added.ok()) mails_.erase(raw);
  return added;
}

}  // namespace dsrlb::health
