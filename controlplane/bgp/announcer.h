// Keeps a GoBGP speaker's host routes equal to BGP mode's decisions: adds
// what is missing, deletes what is no longer wanted, and on each verify
// re-reads the speaker's RIB first, so a restarted gobgpd (which forgot
// every route) gets them back and a route left from an earlier run of
// dsrlb-control is withdrawn.
#ifndef DSRLB_CONTROLPLANE_BGP_ANNOUNCER_H_
#define DSRLB_CONTROLPLANE_BGP_ANNOUNCER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "controlplane/bgp/gobgp_client.h"
#include "controlplane/bgp/route_policy.h"

namespace dsrlb::bgp {

class Announcer {
 public:
  using Log = std::function<void(const std::string&)>;
  // `own_next_hops`: a host route the speaker has with one of these next
  // hops is taken for ours (left from an earlier run) even when no
  // decision names its VIP.
  Announcer(std::unique_ptr<GobgpClient> client,
            std::set<IpAddress> own_next_hops, Log log);

  // Brings the speaker to `decisions` (VIPs absent from it are withdrawn).
  // With `verify`, first lists what the speaker has instead of trusting
  // what was sent. While the speaker is unreachable only verifying calls
  // try it.
  void Sync(const std::map<IpAddress, RouteDecision>& decisions, bool verify);
  // Withdraws every route announced (a graceful stop).
  void WithdrawAll(const std::string& why);

  // VIP -> next hop, as last sent to (or read from) the speaker.
  const std::map<IpAddress, IpAddress>& announced() const { return announced_; }
  bool speaker_up() const { return speaker_up_; }
  const std::string& target() const { return client_->target(); }
  const std::set<IpAddress>& own_next_hops() const { return own_next_hops_; }

 private:
  bool Verify(const std::map<IpAddress, RouteDecision>& decisions);
  void SpeakerFailed(const absl::Status& st);
  void Withdraw(const IpAddress& vip, const std::string& why);

  std::unique_ptr<GobgpClient> client_;
  const std::set<IpAddress> own_next_hops_;
  const Log log_;
  std::map<IpAddress, IpAddress> announced_;
  bool speaker_up_ = true;
  // The reason each VIP is not announced, as last logged.
  std::map<IpAddress, std::string> not_announced_;
};

}  // namespace dsrlb::bgp

#endif  // DSRLB_CONTROLPLANE_BGP_ANNOUNCER_H_
