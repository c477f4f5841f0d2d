// dsrlbctl's text output: ipvsadm -Ln shapes, counters, events, VRRP.
#ifndef DSRLB_CONTROLPLANE_CTL_CTL_FORMAT_H_
#define DSRLB_CONTROLPLANE_CTL_CTL_FORMAT_H_

#include <string>
#include <vector>

#include "dsrlb.pb.h"

namespace dsrlb::api {

enum class ListMode { kPlain, kStats, kRate };

struct ListOptions {
  ListMode mode = ListMode::kPlain;
  bool details = false;  // MAC, health, table state and reason per server
};

// kRate: dsrlb-control's rates when `before` is null, else the difference
// between two listings taken `seconds` apart.
std::string FormatList(const v1::ListVirtualServersResponse& list,
                       const ListOptions& options,
                       const v1::ListVirtualServersResponse* before = nullptr,
                       double seconds = 1);
std::string FormatEvent(const v1::Event& event);
std::string FormatCounters(const v1::GetCountersResponse& counters);
std::string FormatVrrp(const v1::GetVrrpStateResponse& vrrp);
// `dsrlbctl rings` over several schedulers (names[i] answered lists[i]):
// a legend of the schedulers, then one line per virtual server, "same"
// with the fingerprint when every scheduler has that ring, else "DIFFER"
// with each one's ("-" where it has no such virtual server). The key of
// each virtual server that differs is appended to `differ`.
std::string FormatRings(
    const std::vector<std::string>& names,
    const std::vector<v1::ListVirtualServersResponse>& lists,
    std::vector<std::string>* differ);
// "TCP 10.0.0.1:80" from an API key.
std::string FormatVsKey(const v1::VirtualServerKey& key);
std::string FormatHostPort(const std::string& address, uint32_t port);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_CTL_CTL_FORMAT_H_
