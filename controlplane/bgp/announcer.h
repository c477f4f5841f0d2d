// Keeps a GoBGP speaker's host routes equal to BGP mode's decisions: adds
// what is missing, deletes what is no longer wanted, and on each verify
// re-reads the speaker's RIB first, so a restarted gobgpd (which forgot
// every route) gets them back and a route left from an earlier run of
// dsrlb-control is withdrawn. It also keeps, per VIP, what it last left at
// the speaker and why (status()), for the API and the status page.
#ifndef DSRLB_CONTROLPLANE_BGP_ANNOUNCER_H_
#define DSRLB_CONTROLPLANE_BGP_ANNOUNCER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "controlplane/bgp/gobgp_client.h"
#include "controlplane/bgp/route_policy.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::bgp {

class Announcer {
 public:
  using Log = std::function<void(const std::string&)>;
  using Clock = std::function<absl::Time()>;
  // `own_next_hops`: a host route the speaker has with one of these next
  // hops is taken for ours (left from an earlier run) even when no
  // decision names its VIP. `clock` dates the status's changes.
  Announcer(std::unique_ptr<GobgpClient> client,
            std::set<IpAddress> own_next_hops, Log log,
            Clock clock = &absl::Now);

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
  // Per VIP of the last Sync's decisions: announced (with its next hop) or
  // not, and why not: the decision's reason, the speaker unreachable, or
  // WithdrawAll's reason. `since_unix_ms` moves only when `announced` or
  // `reason` changes.
  const std::map<IpAddress, api::BgpStatus>& status() const { return status_; }

 private:
  void SyncRoutes(const std::map<IpAddress, RouteDecision>& decisions,
                  bool verify);
  // status_ after a Sync, from what the speaker has (announced_) and why.
  void Report(const std::map<IpAddress, RouteDecision>& decisions);
  void SetStatus(const IpAddress& vip, bool announced, const IpAddress& hop,
                 const std::string& reason,
                 std::map<IpAddress, api::BgpStatus>* out) const;
  bool Verify(const std::map<IpAddress, RouteDecision>& decisions);
  void SpeakerFailed(const absl::Status& st);
  void Withdraw(const IpAddress& vip, const std::string& why);

  std::unique_ptr<GobgpClient> client_;
  const std::set<IpAddress> own_next_hops_;
  const Log log_;
  const Clock clock_;
  std::map<IpAddress, IpAddress> announced_;
  bool speaker_up_ = true;
  // The reason each VIP is not announced, as last logged.
  std::map<IpAddress, std::string> not_announced_;
  std::string speaker_why_;  // while !speaker_up_
  std::map<IpAddress, api::BgpStatus> status_;
};

}  // namespace dsrlb::bgp

#endif  // DSRLB_CONTROLPLANE_BGP_ANNOUNCER_H_
