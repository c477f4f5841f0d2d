// A minimal SMTP client (HELO, MAIL FROM, RCPT TO, DATA, QUIT) in a child.
#include "controlplane/vrrp/smtp_alert.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace dsrlb::vrrp {
namespace {

// Reads one (possibly multi-line) reply; true when its code is 2xx or 3xx.
bool Reply(int fd) {
  std::string got;
  char buf[512];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    got.append(buf, static_cast<size_t>(n));
    // The last line of a reply is "NNN text\r\n" (no dash after the code).
    size_t end = got.rfind("\r\n");
    if (end == std::string::npos) continue;
    size_t start = got.rfind("\r\n", end - 1);
    start = start == std::string::npos ? 0 : start + 2;
    if (end - start >= 4 && got[start + 3] == ' ') return got[start] == '2' || got[start] == '3';
    if (end - start == 3) return got[start] == '2' || got[start] == '3';
  }
}

bool Say(int fd, const std::string& line) {
  return write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && Reply(fd);
}

void Deliver(const config::GlobalDefs& g, const std::string& subject, const std::string& body) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  const std::string port = absl::StrCat(g.smtp_port);
  if (getaddrinfo(g.smtp_server.c_str(), port.c_str(), &hints, &res) != 0) return;
  // The child exits right after: descriptors and memory go with it.
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0) return;
  timeval tv{static_cast<time_t>(absl::ToInt64Seconds(g.smtp_connect_timeout)), 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const bool connected = connect(fd, res->ai_addr, res->ai_addrlen) == 0;
  freeaddrinfo(res);
  if (!connected || !Reply(fd)) return;
  const std::string from = g.notification_email_from.empty() ? "dsrlb@localhost"
                                                             : g.notification_email_from;
  if (!Say(fd, "HELO " + (g.router_id.empty() ? std::string("dsrlb") : g.router_id) + "\r\n"))
    return;
  if (!Say(fd, "MAIL FROM:<" + from + ">\r\n")) return;
  for (const std::string& to : g.notification_email)
    if (!Say(fd, "RCPT TO:<" + to + ">\r\n")) return;
  if (!Say(fd, "DATA\r\n")) return;
  if (!Say(fd, MailMessage(g, subject, body))) return;
  (void)!write(fd, "QUIT\r\n", 6);
  close(fd);
}

}  // namespace

std::string MailMessage(const config::GlobalDefs& g, const std::string& subject,
                        const std::string& body) {
  std::string to;
  for (const std::string& t : g.notification_email) absl::StrAppend(&to, to.empty() ? "" : ", ", t);
  std::string m = absl::StrCat(
      "From: ", g.notification_email_from.empty() ? "dsrlb@localhost" : g.notification_email_from,
      "\r\nTo: ", to, "\r\nSubject: ", subject, "\r\nDate: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now(), absl::UTCTimeZone()),
      "\r\n\r\n");
  // Dot-stuffing (RFC 5321 4.5.2): a body line that starts with '.' gets one more.
  size_t line_start = 0;
  while (line_start <= body.size()) {
    size_t nl = body.find('\n', line_start);
    std::string line = body.substr(line_start, nl == std::string::npos ? std::string::npos
                                                                        : nl - line_start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    absl::StrAppend(&m, !line.empty() && line[0] == '.' ? "." : "", line, "\r\n");
    if (nl == std::string::npos) break;
    line_start = nl + 1;
  }
  absl::StrAppend(&m, ".\r\n");
  return m;
}

absl::Status SendAlertDetached(const config::GlobalDefs& g, const std::string& subject,
                               const std::string& body) {
  if (g.smtp_server.empty() || g.notification_email.empty()) return absl::OkStatus();
  pid_t child = fork();
  if (child < 0) return absl::ResourceExhaustedError(absl::StrCat("fork: ", strerror(errno)));
  if (child == 0) {
    if (fork() == 0) {
      Deliver(g, subject, body);
      _exit(0);
    }
    _exit(0);
  }
  int st;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::vrrp
