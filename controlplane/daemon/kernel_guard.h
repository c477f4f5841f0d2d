// The kernel guard: while no dataplane forwards (crashed, restarting), the
// VIP's traffic reaches this host's kernel, which would answer connections
// it never saw with RST. An nftables table `inet dsrlb`, owned by
// dsrlb-control, drops that traffic silently (the client retransmits until
// a dataplane forwards again, here or on the new master) and counts it.
// With a live dataplane the traffic never reaches the kernel (XDP takes it
// first), so the rules cost nothing then.
#ifndef DSRLB_CONTROLPLANE_DAEMON_KERNEL_GUARD_H_
#define DSRLB_CONTROLPLANE_DAEMON_KERNEL_GUARD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controlplane/model/keys.h"

namespace dsrlb::api {

inline constexpr char kGuardTable[] = "dsrlb";  // table inet dsrlb

// The nft script that makes the table drop (and count) `keys`' traffic;
// it replaces the rules and keeps the counter.
std::string GuardRuleset(const std::vector<VsKey>& keys);

class KernelGuard {
 public:
  // Installs the rules when `keys` differ from those in place.
  absl::Status Apply(const std::vector<VsKey>& keys);
  // Packets dropped since the table was made.
  absl::StatusOr<uint64_t> Drops() const;
  // Deletes the table (graceful stop, after the handover).
  void Remove();
  bool in_place() const { return in_place_; }

 private:
  bool in_place_ = false;
  std::vector<VsKey> keys_;
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_DAEMON_KERNEL_GUARD_H_
