// Keeps the XDP program's VIP map in step with the published table, so only
// traffic for active VIPs leaves the kernel for the dataplane.
#ifndef DSRLB_DATAPLANE_XDP_VIP_MAP_H_
#define DSRLB_DATAPLANE_XDP_VIP_MAP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::dataplane {

// The XDP program attached to an interface: its id and name, or id 0.
struct AttachedXdp {
  uint32_t prog_id = 0;
  std::string name;
};
absl::StatusOr<AttachedXdp> QueryAttachedXdp(int ifindex);
// Detaches program `prog_id` from the interface if it is still attached.
absl::Status DetachXdp(int ifindex, uint32_t prog_id);

class XdpVipMap {
 public:
  // Finds the VIP map of the program attached to `ifindex` (the one
  // net_af_xdp loaded from our object).
  static absl::StatusOr<XdpVipMap> Open(int ifindex);
  XdpVipMap(XdpVipMap&& o) noexcept : fd_(o.fd_), prog_id_(o.prog_id_) {
    o.fd_ = -1;
  }
  XdpVipMap& operator=(XdpVipMap&&) = delete;
  ~XdpVipMap();

  // Makes the map hold exactly the active VIPs of `table` (none if null).
  // Returns the number of keys now in the map.
  absl::StatusOr<uint32_t> Sync(const shm::SlotView* table);
  uint32_t prog_id() const { return prog_id_; }

 private:
  XdpVipMap(int fd, uint32_t prog_id) : fd_(fd), prog_id_(prog_id) {}
  int fd_;
  uint32_t prog_id_;
};

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_XDP_VIP_MAP_H_
