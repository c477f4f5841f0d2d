// The few calls of GoBGP's gRPC API (gobgpd --api-hosts) that BGP mode
// needs: add and delete a host route in the global RIB, and list the host
// routes added through the API. GoBGP's own BGP sessions do the rest.
#ifndef DSRLB_CONTROLPLANE_BGP_GOBGP_CLIENT_H_
#define DSRLB_CONTROLPLANE_BGP_GOBGP_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/ip_address.h"
#include "gobgp.grpc.pb.h"

namespace dsrlb::bgp {

// VIP/32 (or /128) via next_hop, origin IGP: routes from several
// schedulers that differ only in their next hop make one ECMP route.
struct HostRoute {
  IpAddress vip;
  IpAddress next_hop;
  friend bool operator==(const HostRoute&, const HostRoute&) = default;
  friend auto operator<=>(const HostRoute&, const HostRoute&) = default;
};

// "192.168.4.15/32 via 10.0.0.11".
std::string ToString(const HostRoute& r);

class GobgpClient {
 public:
  // `target` is HOST:PORT. The channel reconnects within a second of the
  // speaker coming back (gRPC's default backoff would wait minutes).
  explicit GobgpClient(const std::string& target,
                       absl::Duration deadline = absl::Seconds(2));
  ~GobgpClient();

  const std::string& target() const { return target_; }
  // AddPath; adding a route the speaker has replaces it (same NLRI).
  absl::Status Announce(const HostRoute& route);
  // DeletePath of the VIP's route added through the API.
  absl::Status Withdraw(const HostRoute& route);
  // The host routes of both families in the global RIB that this speaker
  // originated (not learned from a peer), with their next hops: what
  // survives of our announcements, and what an earlier run or an operator
  // added.
  absl::StatusOr<std::vector<HostRoute>> ListAdded();

 private:
  const std::string target_;
  const absl::Duration deadline_;
  std::unique_ptr<apipb::GobgpApi::Stub> stub_;
};

}  // namespace dsrlb::bgp

#endif  // DSRLB_CONTROLPLANE_BGP_GOBGP_CLIENT_H_
