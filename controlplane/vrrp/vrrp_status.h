// What the VRRP runtime shows the rest of the control plane: per-instance
// state, priorities, master, counters and recent transitions.
#ifndef DSRLB_CONTROLPLANE_VRRP_VRRP_STATUS_H_
#define DSRLB_CONTROLPLANE_VRRP_VRRP_STATUS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/ip_address.h"
#include "controlplane/config/config.h"
#include "controlplane/vrrp/vrrp_packet.h"
#include "controlplane/vrrp/vrrp_state_machine.h"

namespace dsrlb::vrrp {

struct Transition {
  std::string instance;
  absl::Time wall_time;  // absl::Now() when it happened
  State from = State::kInit;
  State to = State::kInit;
  std::string reason;
};

struct InstanceCounters {
  uint64_t adverts_sent = 0;
  uint64_t adverts_received = 0;  // that passed every check
  uint64_t priority_zero_sent = 0;
  uint64_t priority_zero_received = 0;
  uint64_t became_master = 0;
  uint64_t send_errors = 0;
  uint64_t address_errors = 0;  // netlink add/remove failures
  std::array<uint64_t, kDropReasonCount> drops{};  // by DropReason
};

struct InstanceStatus {
  std::string name;
  std::string interface;
  std::string sync_group;  // empty when none
  uint8_t vrid = 0;
  int version = 2;
  State state = State::kInit;
  uint8_t priority = 0;            // configured
  uint8_t effective_priority = 0;  // after tracking
  IpAddress master_addr;           // unset while unknown
  IpAddress source_addr;           // ours
  absl::Duration advert_int;
  absl::Duration master_adver_int;
  std::vector<config::VirtualIpAddress> vips;
  bool vips_active = false;
  bool tracks_dataplane = false;        // its VIPs are forwarded by this host
  std::string fault_reason;             // set while in FAULT: what failed
  std::vector<Transition> transitions;  // oldest first, the last 32
  InstanceCounters counters;
};

// Every instance's status as JSON (dsrlb-vrrpd's --status-file); never throws.
std::string StatusToJson(const std::vector<InstanceStatus>& status);

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_VRRP_STATUS_H_
