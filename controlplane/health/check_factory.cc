// Checker construction and reload comparison.
#include "controlplane/health/check_factory.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "controlplane/health/dns_check.h"
#include "controlplane/health/dsr_check.h"
#include "controlplane/health/http_check.h"
#include "controlplane/health/misc_check.h"
#include "controlplane/health/ping_check.h"
#include "controlplane/health/smtp_check.h"
#include "controlplane/health/tcp_check.h"
#include "controlplane/health/udp_check.h"

namespace dsrlb::health {
namespace {

auto UrlTie(const config::HttpUrl& u) {
  return std::tie(u.path, u.status_codes, u.digest, u.virtualhost);
}

bool SameUrls(const std::vector<config::HttpUrl>& a,
              const std::vector<config::HttpUrl>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (UrlTie(a[i]) != UrlTie(b[i])) return false;
  return true;
}

bool SameChecker(const config::Checker& a, const config::Checker& b) {
  return a.kind == b.kind && a.connect_ip == b.connect_ip &&
         a.connect_port == b.connect_port && a.bindto == b.bindto &&
         a.connect_timeout == b.connect_timeout && a.retry == b.retry &&
         a.delay_before_retry == b.delay_before_retry &&
         SameUrls(a.urls, b.urls) && a.virtualhost == b.virtualhost &&
         a.misc_path == b.misc_path && a.misc_timeout == b.misc_timeout &&
         a.misc_dynamic == b.misc_dynamic &&
         a.retry_after_delay_loop == b.retry_after_delay_loop &&
         a.udp_payload == b.udp_payload && a.require_reply == b.require_reply &&
         a.reply_data == b.reply_data && a.reply_mask == b.reply_mask &&
         a.min_reply_length == b.min_reply_length &&
         a.max_reply_length == b.max_reply_length &&
         a.helo_name == b.helo_name && a.dns_type == b.dns_type &&
         a.dns_name == b.dns_name;
}

std::unique_ptr<Check> MakeUdpCheck(EventLoop* loop, IpAddress address,
                                    uint16_t port,
                                    const config::Checker& checker) {
  UdpTarget target;
  target.address = address;
  target.port = port;
  target.bindto = checker.bindto;
  target.timeout = checker.connect_timeout;
  target.payload = checker.udp_payload;
  target.require_reply = checker.require_reply;
  target.reply_data = checker.reply_data;
  target.reply_mask = checker.reply_mask;
  target.min_reply_length = static_cast<size_t>(checker.min_reply_length);
  target.max_reply_length = static_cast<size_t>(checker.max_reply_length);
  return std::make_unique<UdpCheck>(loop, std::move(target));
}

absl::Duration DelayLoop(const config::VirtualServer& vs,
                         const config::RealServer& rs) {
  return rs.delay_loop.value_or(vs.delay_loop);
}

absl::StatusOr<std::unique_ptr<Check>> MakeDsrCheck(
    const CheckContext& context, const config::VirtualServer& vs,
    const config::RealServer& rs, uint16_t port,
    const config::Checker& checker) {
  if (port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        checker.where.file, ":", checker.where.line,
        ": DSR_CHECK on a port-0 virtual server needs connect_port"));
  }
  DsrTarget target;
  target.real_server = rs.address;
  target.vip = vs.address;
  target.port = port;
  target.bindto = checker.bindto;
  target.timeout = checker.connect_timeout;
  return std::unique_ptr<Check>(
      std::make_unique<DsrCheck>(context.loop, target));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Check>> MakeCheck(
    const CheckContext& context, const config::VirtualServer& vs,
    const config::RealServer& rs, const config::Checker& checker) {
  const IpAddress address = checker.connect_ip.value_or(rs.address);
  const uint16_t port = checker.connect_port.value_or(rs.port);
  switch (checker.kind) {
    case config::CheckerKind::kTcp:
      return std::unique_ptr<Check>(
          std::make_unique<TcpCheck>(context.loop, address, port,
                                     checker.bindto, checker.connect_timeout));
    case config::CheckerKind::kHttp:
    case config::CheckerKind::kSsl: {
      if (context.curl == nullptr)
        return absl::FailedPreconditionError("HTTP checks need a CurlDriver");
      HttpTarget target;
      target.tls = checker.kind == config::CheckerKind::kSsl;
      target.address = address;
      target.port = port;
      target.bindto = checker.bindto;
      target.timeout = checker.connect_timeout;
      target.urls = checker.urls;
      target.virtualhost = checker.virtualhost;
      return std::unique_ptr<Check>(
          std::make_unique<HttpCheck>(context.loop, context.curl, target));
    }
    case config::CheckerKind::kMisc:
      return std::unique_ptr<Check>(std::make_unique<MiscCheck>(
          context.loop, checker.misc_path, checker.misc_timeout,
          checker.misc_dynamic));
    case config::CheckerKind::kPing:
      return std::unique_ptr<Check>(std::make_unique<PingCheck>(
          context.loop, address, checker.bindto, checker.connect_timeout));
    case config::CheckerKind::kUdp:
      return MakeUdpCheck(context.loop, address, port, checker);
    case config::CheckerKind::kSmtp:
      return std::unique_ptr<Check>(std::make_unique<SmtpCheck>(
          context.loop, address, port, checker.bindto, checker.connect_timeout,
          checker.helo_name));
    case config::CheckerKind::kDns:
      return std::unique_ptr<Check>(std::make_unique<DnsCheck>(
          context.loop, address, port, checker.bindto, checker.connect_timeout,
          checker.dns_type, checker.dns_name));
    case config::CheckerKind::kDsr:
      return MakeDsrCheck(context, vs, rs, port, checker);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      checker.where.file, ":", checker.where.line, ": unknown checker kind"));
}

CheckTiming TimingFor(const config::VirtualServer& vs,
                      const config::RealServer& rs,
                      const config::Checker& checker) {
  // A zero delay (bad input that slipped through) must not spin the loop.
  constexpr absl::Duration kMinDelay = absl::Milliseconds(10);
  CheckTiming t;
  t.delay_loop = std::max(DelayLoop(vs, rs), kMinDelay);
  t.delay_before_retry = checker.retry_after_delay_loop
                             ? t.delay_loop
                             : std::max(checker.delay_before_retry, kMinDelay);
  t.retry = checker.retry < 0 ? 0 : checker.retry;
  t.rise = rs.rise < 1 ? 1 : rs.rise;
  t.fall = rs.fall < 1 ? 1 : rs.fall;
  t.start_up = !vs.alpha;
  return t;
}

bool SameChecking(const config::VirtualServer& old_vs,
                  const config::RealServer& old_rs,
                  const config::VirtualServer& new_vs,
                  const config::RealServer& new_rs) {
  if (DelayLoop(old_vs, old_rs) != DelayLoop(new_vs, new_rs)) return false;
  if (old_rs.rise != new_rs.rise || old_rs.fall != new_rs.fall) return false;
  if (old_rs.checkers.size() != new_rs.checkers.size()) return false;
  for (size_t i = 0; i < old_rs.checkers.size(); i++)
    if (!SameChecker(old_rs.checkers[i], new_rs.checkers[i])) return false;
  return true;
}

}  // namespace dsrlb::health
