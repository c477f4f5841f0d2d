// dsrlbctl's text output: ipvsadm -Ln shapes, counters, events, VRRP.
#ifndef DSRLB_CONTROLPLANE_CTL_CTL_FORMAT_H_
#define DSRLB_CONTROLPLANE_CTL_CTL_FORMAT_H_

#include <string>

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
// "TCP 10.0.0.1:80" from an API key.
std::string FormatVsKey(const v1::VirtualServerKey& key);
std::string FormatHostPort(const std::string& address, uint32_t port);

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_CTL_CTL_FORMAT_H_
