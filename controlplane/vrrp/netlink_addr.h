// Adds and removes the virtual addresses on a kernel interface over rtnetlink
// (libmnl), and reads interface index, MAC and link state.
#ifndef DSRLB_CONTROLPLANE_VRRP_NETLINK_ADDR_H_
#define DSRLB_CONTROLPLANE_VRRP_NETLINK_ADDR_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ip_address.h"

struct mnl_socket;  // libmnl

namespace dsrlb::vrrp {

// Idempotent: adding an address that is there, or removing one that is not,
// succeeds. IPv6 addresses are added without duplicate address detection
// (a VIP must answer at once; the VRRP election is the DAD).
// `label` (IPv4 only, e.g. "eth0:1") names the address as keepalived's
// "label" does; empty for none. `scope`: RT_SCOPE_* (static_ipaddress).
absl::Status AddAddress(int ifindex, const IpAddress& address, int prefix_len,
                        const std::string& label = "", uint8_t scope = 0);
absl::Status DelAddress(int ifindex, const IpAddress& address, int prefix_len);

absl::StatusOr<int> InterfaceIndex(const std::string& name);
absl::StatusOr<std::array<uint8_t, 6>> InterfaceMac(const std::string& name);
// Administratively up and carrier present (IFF_UP and IFF_RUNNING).
bool InterfaceRunning(const std::string& name);
// Addresses on the interface: IPv4 ones, or IPv6 link-local ones.
std::vector<IpAddress> InterfaceAddresses(const std::string& name, int family,
                                          bool link_local_only);

// A netlink socket subscribed to link changes; its fd goes into the event
// loop and Drain() is called when it is readable.
class LinkMonitor {
 public:
  static absl::StatusOr<LinkMonitor> Open();
  LinkMonitor(LinkMonitor&& o) noexcept : nl_(o.nl_) { o.nl_ = nullptr; }
  LinkMonitor& operator=(LinkMonitor&&) = delete;
  ~LinkMonitor();
  int fd() const;
  void Drain();  // reads and discards pending notifications

 private:
  explicit LinkMonitor(::mnl_socket* nl) : nl_(nl) {}
  ::mnl_socket* nl_;
};

}  // namespace dsrlb::vrrp

#endif  // DSRLB_CONTROLPLANE_VRRP_NETLINK_ADDR_H_
