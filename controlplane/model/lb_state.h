// The running service state: virtual and real servers, weights, drain,
// health, neighbour MACs and VIP activity. The one source the API reads and
// the publisher turns into tables.
#ifndef DSRLB_CONTROLPLANE_MODEL_LB_STATE_H_
#define DSRLB_CONTROLPLANE_MODEL_LB_STATE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/config/config.h"
#include "controlplane/model/capacity.h"
#include "controlplane/model/event_hub.h"
#include "controlplane/model/keys.h"

namespace dsrlb::api {

using Mac = std::array<uint8_t, 6>;

// What a real server's health checks did since dsrlb-control started
// (HAProxy's Chk, Dwn and Dwntme); a reload keeps it.
struct CheckStats {
  uint64_t checks = 0;  // finished attempts, retries included
  uint64_t failures = 0;
  uint64_t down_transitions = 0;   // health up (or unchecked) -> down
  int64_t closed_downtime_ms = 0;  // down spells that ended
  bool last_ok = false;
  int64_t last_duration_us = 0;
};

// One finished check attempt (LbState::RecordCheck).
struct CheckOutcome {
  bool ok = false;
  std::string text;
  absl::Duration duration;
  int64_t unix_ms = 0;  // when it ended
};

struct RealServerState {
  RsKey key;
  uint32_t weight = 1;
  bool inhibit_on_failure = false;
  bool draining = false;
  bool has_checkers = false;
  Health health = Health::kUnchecked;
  std::string last_check_result;
  int64_t last_check_unix_ms = 0;
  int64_t last_change_unix_ms = 0;
  CheckStats checks;
  // MISC_CHECK misc_dynamic: the weight the script's exit code set; it
  // replaces `weight` while set.
  std::optional<uint32_t> check_weight;
  // keepalived's sorry_server: in the table only while the virtual server
  // has lost its quorum (with `inhibit_on_failure`, from
  // sorry_server_inhibit: at weight 0 otherwise). Not counted in the quorum.
  bool sorry = false;

  uint32_t Weight() const { return check_weight.value_or(weight); }
  // Total time down at `now_ms`, the current spell included.
  int64_t DowntimeMs(int64_t now_ms) const;
};

struct VirtualServerState {
  VsKey key;
  config::LbAlgo algo = config::LbAlgo::kWrr;
  uint32_t persistence_timeout_s = 0;
  uint8_t persistence_granularity = 0;  // prefix length; 0 = whole address
  uint32_t quorum = 1;
  uint32_t hysteresis = 0;
  // keepalived's quorum state (model/quorum.h): false once the live weight
  // fell below quorum - hysteresis, true again at quorum + hysteresis.
  bool quorum_up = true;
  uint64_t live_weight = 0;   // the sum the quorum state was decided on
  bool sorry_in_use = false;  // quorum lost and a sorry server configured
  std::string quorum_up_script, quorum_down_script;
  std::vector<RealServerState> real_servers;  // the sorry server last
  // The state version that last changed something of it the table reads
  // (LbState::ChangesSince); bookkeeping, not configuration.
  uint64_t table_version = 0;
};

// A virtual server gained or lost its quorum (keepalived's quorum_up /
// quorum_down), for whoever runs the scripts.
struct QuorumChange {
  VsKey vs;
  bool up = false;
  bool init = false;   // decided when the virtual server was configured
  std::string script;  // quorum_up or quorum_down; may be empty
  std::string reason;  // "Lost quorum 2-0=2 > 1", keepalived's log words
};

// One VRRP instance as the VRRP runtime reports it (seeded from the
// configuration in state INIT until it does).
struct VrrpStatus {
  std::string name;
  std::string state = "INIT";  // INIT, BACKUP, MASTER, FAULT
  uint32_t virtual_router_id = 0;
  uint32_t priority = 0;
  uint32_t effective_priority = 0;
  std::string interface;
  std::string master_address;
  std::vector<std::string> virtual_addresses;
  uint32_t version = 2;
  uint64_t adverts_received = 0, adverts_sent = 0, bad_packets = 0;
  int64_t last_transition_unix_ms = 0;
  std::string fault_reason;       // while FAULT: what failed
  bool tracks_dataplane = false;  // follows the local dataplane's liveness
};

// One VIP's route in BGP mode as the announcer (controlplane/bgp) last
// left it at the speaker, and why.
struct BgpStatus {
  bool announced = false;
  IpAddress next_hop;         // while announced
  std::string reason;         // while not: why
  int64_t since_unix_ms = 0;  // when `announced` or `reason` last changed
  std::string speaker;        // HOST:PORT
  friend bool operator==(const BgpStatus&, const BgpStatus&) = default;
};

struct NeighborState {
  std::optional<Mac> mac;
  std::string reason;  // why the MAC is unknown
};

// A consistent copy of the whole state at one version.
struct StateSnapshot {
  uint64_t version = 0;
  std::vector<VirtualServerState> virtual_servers;  // stable order
  std::map<IpAddress, NeighborState> neighbors;
  std::map<IpAddress, bool> vip_active;  // absent = active
  std::vector<VrrpStatus> vrrp;          // in configuration order
  std::map<IpAddress, BgpStatus> bgp;    // the VIPs in BGP mode
};

// What changed in the state since a version, for the publisher: the
// virtual servers whose table inputs may have changed, without copying the
// others, or the whole state when its shape changed.
struct StateChanges {
  // The whole state in `snapshot` (positions empty): asked since version 0,
  // a version not seen, or one older than the last change of shape (a
  // reload, a virtual or real server added or removed, a neighbour's MAC).
  bool whole = true;
  // Otherwise snapshot.virtual_servers[i] is the state's virtual server at
  // positions[i] (ascending), each touched since; snapshot.neighbors holds
  // their real servers' neighbours, snapshot.vip_active their addresses';
  // no VRRP. snapshot.version is the state's version.
  StateSnapshot snapshot;
  std::vector<size_t> positions;
  size_t virtual_servers = 0;  // in the whole state
};

struct ReloadSummary {
  uint32_t virtual_servers = 0;
  uint32_t real_servers = 0;
};

// Every mutation bumps the version (when it changes something) and wakes
// WaitForChange; readers take snapshots, so no lock is ever held across
// gRPC or table I/O.
class LbState {
 public:
  explicit LbState(EventHub* events) : events_(events) {}

  // Replaces the servers with the configuration's. An address in some
  // vrrp_instance's virtual_ipaddress is inactive until VRRP reports it
  // active (SetVipActive); other VIPs are active. Servers present before
  // and after (same virtual and real server key) keep their health (a drain
  // is the operator's: the daemon's OperatorState lays it over); surviving
  // virtual servers keep their order, new ones are appended, so per-VIP
  // counters keep their meaning. ResourceExhausted (state unchanged) when it
  // exceeds the limits.
  absl::StatusOr<ReloadSummary> ApplyConfig(const config::Config& config)
      ABSL_LOCKS_EXCLUDED(mu_);

  // What the table can hold: more is refused (ResourceExhausted) by every
  // call that would add, instead of accepted and never published. The
  // default holds no more than the table format does.
  using Limits = Capacity;
  void SetLimits(const Limits& limits) ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<VirtualServerState> AddVirtualServer(
      const VsKey& key, config::LbAlgo algo, uint32_t persistence_timeout_s)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<VirtualServerState> RemoveVirtualServer(const VsKey& key)
      ABSL_LOCKS_EXCLUDED(mu_);
  // ipvsadm -E: a new scheduler and/or persistence; nullopt keeps it.
  absl::StatusOr<VirtualServerState> EditVirtualServer(
      const VsKey& key, std::optional<config::LbAlgo> algo,
      std::optional<uint32_t> persistence_timeout_s) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<RealServerState> AddRealServer(const VsKey& vs,
                                                const RsKey& rs,
                                                uint32_t weight)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<RealServerState> RemoveRealServer(const VsKey& vs,
                                                   const RsKey& rs)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<RealServerState> SetWeight(const VsKey& vs, const RsKey& rs,
                                            uint32_t weight)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<RealServerState> SetDrain(const VsKey& vs, const RsKey& rs,
                                           bool drain) ABSL_LOCKS_EXCLUDED(mu_);

  // Seam for the health monitor: one result of a check of (vs, rs), with
  // misc_dynamic's weight when a script set one (nullopt: the configured).
  absl::Status SetHealth(const VsKey& vs, const RsKey& rs, bool up,
                         const std::string& reason,
                         std::optional<uint32_t> check_weight = std::nullopt)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Seam for the health monitor: every finished attempt, also those that
  // change nothing (last check, counts). Not a change of the state: the
  // version stays and no table is built. NotFound for an unknown server.
  absl::Status RecordCheck(const VsKey& vs, const RsKey& rs,
                           const CheckOutcome& outcome)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Told of every quorum change, in order, while the state's lock is held:
  // it must not call back into the state (post the work elsewhere).
  using QuorumListener = std::function<void(const QuorumChange&)>;
  void SetQuorumListener(QuorumListener listener) ABSL_LOCKS_EXCLUDED(mu_);
  // Seam for VRRP: whether this host forwards for `address` (master). An
  // address never set is active, as LVS is without keepalived's VRRP.
  void SetVipActive(const IpAddress& address, bool active)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Seam for VRRP: an instance's status; a change of `state` is an event.
  // NotFound for an instance the configuration does not name.
  absl::Status SetVrrpStatus(const VrrpStatus& status,
                             const std::string& reason)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Seam for BGP mode: every BGP-mode VIP's route as the announcer last
  // left it (replaces the previous set). Like RecordCheck not a change of
  // the state: the version stays, so the BGP part that reports it is not
  // woken by its own report, and no table is built.
  void SetBgpStatus(std::map<IpAddress, BgpStatus> status)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Seam for the neighbour resolver.
  void SetNeighbor(const IpAddress& address, NeighborState neighbor)
      ABSL_LOCKS_EXCLUDED(mu_);

  StateSnapshot Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  // What changed since version `since` (a snapshot's version): its cost
  // follows the virtual servers changed, not the state, unless the shape
  // changed since (then the whole state, as Snapshot()).
  StateChanges ChangesSince(uint64_t since) const ABSL_LOCKS_EXCLUDED(mu_);
  // The virtual servers' keys, in order, without copying their servers.
  std::vector<VsKey> VirtualServerKeys() const ABSL_LOCKS_EXCLUDED(mu_);
  // Snapshot().vip_active alone, without copying the servers.
  std::map<IpAddress, bool> VipActivity() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t Version() const ABSL_LOCKS_EXCLUDED(mu_);
  // Real-server addresses the resolver must find MACs for.
  std::vector<IpAddress> RealServerAddresses() const ABSL_LOCKS_EXCLUDED(mu_);
  // Returns the version once it differs from `seen`, or after `timeout`.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  VirtualServerState* FindVs(const VsKey& key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RealServerState*> FindRs(const VsKey& vs, const RsKey& rs)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A change of the state's shape, or of anything not said more precisely:
  // the publisher reads the whole state next (ChangesSince).
  void Changed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    version_++;
    shape_version_ = version_;
  }
  // A change of what the table reads of `vs` alone (weight, health, drain,
  // scheduler, quorum, activity).
  void ChangedVs(VirtualServerState* vs) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    version_++;
    if (vs != nullptr) vs->table_version = version_;
  }
  // A change the table does not read (VRRP status, a neighbour's reason).
  void ChangedOutsideTable() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { version_++; }
  // ChangesSince's partial answer (the shape unchanged since `since`).
  StateChanges TouchedSince(uint64_t since) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The real-server count of every virtual server, in order.
  std::vector<size_t> Shape() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An operator's change to a real server, for watchers.
  void RsEvent(const VsKey& vs, const RealServerState& rs, std::string reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyVrrpConfig(const config::Config& config)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // keepalived's update_quorum_state after a change to `vs`'s servers.
  void UpdateQuorum(VirtualServerState* vs, bool init)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EventHub* const events_;
  mutable absl::Mutex mu_;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 1;
  // The version of the last Changed(): ChangesSince before it is whole.
  uint64_t shape_version_ ABSL_GUARDED_BY(mu_) = 1;
  Limits limits_ ABSL_GUARDED_BY(mu_);
  std::vector<VirtualServerState> vs_ ABSL_GUARDED_BY(mu_);
  std::map<IpAddress, NeighborState> neighbors_ ABSL_GUARDED_BY(mu_);
  std::map<IpAddress, bool> vip_active_ ABSL_GUARDED_BY(mu_);
  std::set<IpAddress> vrrp_vips_ ABSL_GUARDED_BY(mu_);
  std::vector<VrrpStatus> vrrp_ ABSL_GUARDED_BY(mu_);
  std::map<IpAddress, BgpStatus> bgp_ ABSL_GUARDED_BY(mu_);
  QuorumListener quorum_listener_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_LB_STATE_H_
