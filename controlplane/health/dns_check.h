// DNS_CHECK (keepalived's check_dns.c): one query over UDP to
// connect_ip:connect_port (default: the real server's) for `name` (default
// the root) of `type` (default SOA), class IN, recursion desired, a random
// id. A response (QR set) with the same id and RCODE 0 within
// connect_timeout passes; RCODE other than 0 fails; a datagram that is not
// the response is ignored.
#ifndef DSRLB_CONTROLPLANE_HEALTH_DNS_CHECK_H_
#define DSRLB_CONTROLPLANE_HEALTH_DNS_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/event_loop.h"
#include "controlplane/health/check.h"
#include "controlplane/health/socket_attempt.h"

namespace dsrlb::health {

class DnsCheck : public Check {
 public:
  DnsCheck(EventLoop* loop, IpAddress address, uint16_t port,
           std::optional<IpAddress> bindto, absl::Duration timeout,
           std::string type, std::string name);
  void Start(Done done) override;
  void Cancel() override { attempt_.Reset(); }
  absl::string_view AlertName() const override { return "DNS_CHECK:"; }

  // The query keepalived's dns_make_query builds, with `id`. `type` is one of
  // A NS CNAME SOA MX TXT AAAA RRSIG DNSKEY (any case).
  static absl::StatusOr<std::vector<uint8_t>> Query(uint16_t id,
                                                    absl::string_view type,
                                                    absl::string_view name);

 private:
  void OnReadable(uint32_t events);
  std::string Text(absl::string_view what) const;

  SocketAttempt attempt_;
  IpAddress address_;
  uint16_t port_;
  std::optional<IpAddress> bindto_;
  absl::Duration timeout_;
  std::string type_;
  std::string name_;
  uint16_t id_ = 0;
};

}  // namespace dsrlb::health

#endif  // DSRLB_CONTROLPLANE_HEALTH_DNS_CHECK_H_
