// DNS_CHECK: a hand-built query on a connected UDP socket.
#include "controlplane/health/dns_check.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace dsrlb::health {
namespace {

// keepalived's DNS_TYPE table (check_dns.h).
constexpr struct {
  absl::string_view name;
  uint16_t code;
} kTypes[] = {{"A", 1},     {"NS", 2},     {"CNAME", 5},
              {"SOA", 6},   {"MX", 15},    {"TXT", 16},
              {"AAAA", 28}, {"RRSIG", 46}, {"DNSKEY", 48}};

void Put16(std::vector<uint8_t>* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

}  // namespace

DnsCheck::DnsCheck(EventLoop* loop, IpAddress address, uint16_t port,
                   std::optional<IpAddress> bindto, absl::Duration timeout,
                   std::string type, std::string name)
    : attempt_(loop),
      address_(address),
      port_(port),
      bindto_(bindto),
      timeout_(timeout),
      type_(std::move(type)),
      name_(std::move(name)) {}

absl::StatusOr<std::vector<uint8_t>> DnsCheck::Query(uint16_t id,
                                                     absl::string_view type,
                                                     absl::string_view name) {
  uint16_t code = 0;
  for (const auto& t : kTypes)
    if (absl::EqualsIgnoreCase(t.name, type)) code = t.code;
  if (code == 0)
    return absl::InvalidArgumentError(absl::StrCat("DNS type ", type));
  std::vector<uint8_t> q;
  Put16(&q, id);
  Put16(&q, 0x0100);  // RD
  Put16(&q, 1);       // QDCOUNT
  Put16(&q, 0);
  Put16(&q, 0);
  Put16(&q, 0);
  absl::string_view labels = absl::StripSuffix(name, ".");
  if (!labels.empty()) {
    for (absl::string_view label : absl::StrSplit(labels, '.')) {
      if (label.empty() || label.size() > 63)
        return absl::InvalidArgumentError(absl::StrCat("DNS name ", name));
      q.push_back(static_cast<uint8_t>(label.size()));
      q.insert(q.end(), label.begin(), label.end());
    }
  }
  q.push_back(0);  // the root
  Put16(&q, code);
  Put16(&q, 1);  // IN
  return q;
}

std::string DnsCheck::Text(absl::string_view what) const {
  return absl::StrCat("DNS ", type_, " ", name_.empty() ? "." : name_, " to ",
                      HostPort(address_, port_), ": ", what);
}

void DnsCheck::Start(Done done) {
  attempt_.Begin(std::move(done));
  // A fresh id per query, as keepalived's random(): a late answer to an
  // earlier attempt is not taken for this one.
  static std::mt19937 ids{std::random_device{}()};
  id_ = static_cast<uint16_t>(ids());
  const SocketAddress dst = ToSocketAddress(address_, port_);
  absl::StatusOr<std::vector<uint8_t>> query = Query(id_, type_, name_);
  absl::Status ready = query.status();
  if (ready.ok()) {
    absl::StatusOr<int> fd =
        OpenSocket(SOCK_DGRAM, IPPROTO_UDP, dst, bindto_, true);
    ready = fd.status();
    if (ready.ok()) attempt_.set_fd(*fd);
  }
  if (ready.ok() && send(attempt_.fd(), query->data(), query->size(), 0) !=
                        static_cast<ssize_t>(query->size()))
    ready = absl::UnavailableError(absl::StrCat("send: ", ErrnoText(errno)));
  attempt_.AwaitReply(
      ready, [this](uint32_t events) { OnReadable(events); }, timeout_,
      "no response", [this](absl::string_view what) { return Text(what); });
}

void DnsCheck::OnReadable(uint32_t /*events*/) {
  for (;;) {
    uint8_t buf[768];  // keepalived's DNS_BUFFER_SIZE; only the header counts
    const ssize_t n = recv(attempt_.fd(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      // ECONNREFUSED: the port is closed (ICMP port unreachable).
      attempt_.Finish(false, Text(ErrnoText(errno)));
      return;
    }
    if (n < 12) continue;
    const uint16_t id = static_cast<uint16_t>(buf[0] << 8 | buf[1]);
    const uint16_t flags = static_cast<uint16_t>(buf[2] << 8 | buf[3]);
    if (id != id_ || (flags & 0x8000) == 0) continue;  // not our response
    const int rcode = flags & 0x000f;
    if (rcode != 0) {
      attempt_.Finish(false, Text(absl::StrCat("response RCODE ", rcode)));
      return;
    }
    const int answers = buf[6] << 8 | buf[7];
    attempt_.Finish(true,
                    Text(absl::StrCat("response RCODE 0, ", answers, " answer",
                                      answers == 1 ? "" : "s")));
    return;
  }
}

}  // namespace dsrlb::health
