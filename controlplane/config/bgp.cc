// bgp { speaker HOST:PORT  next_hop IPv4  next_hop6 IPv6 }: dsrlb's own
// block for BGP mode, and the checks it needs across the file.
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/bgp_mode.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

constexpr absl::string_view kSpeakerUsage =
    "speaker HOST:PORT (gobgpd's gRPC API, e.g. 127.0.0.1:50051 or "
    "[::1]:50051)";

// HOST:PORT or [IPv6]:PORT; the host is a name or an address.
absl::Status CheckSpeaker(const Token& t) {
  absl::string_view s = t.text;
  size_t colon = s.rfind(':');
  absl::string_view host = colon == absl::string_view::npos
                               ? absl::string_view()
                               : s.substr(0, colon);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']' ||
        !IpAddress::Parse(host.substr(1, host.size() - 2)).ok())
      host = {};
  } else if (host.find(':') != absl::string_view::npos) {
    host = {};  // an IPv6 address needs its brackets
  }
  uint32_t port = 0;
  if (host.empty() || !absl::SimpleAtoi(s.substr(colon + 1), &port) ||
      port == 0 || port > 65535)
    return ErrorAt(
        t.where, absl::StrCat("speaker '", t.text, "' is not HOST:PORT: write ",
                              kSpeakerUsage));
  return absl::OkStatus();
}

absl::Status NextHop(const Node& st, uint8_t family,
                     std::optional<IpAddress>* out) {
  const bool v4 = family == 4;
  RETURN_IF_ERROR(ExpectArgs(
      st, 1, 1, absl::StrCat(st.keyword.text, v4 ? " IPv4" : " IPv6")));
  ASSIGN_OR_RETURN(IpAddress a, IpValue(st.args[0], st.keyword.text));
  if (a.family != family)
    return ErrorAt(st.args[0].where,
                   absl::StrCat(st.keyword.text, " ", st.args[0].text,
                                v4 ? " is not IPv4 (IPv6 VIPs take next_hop6)"
                                   : " is not IPv6 (IPv4 VIPs take next_hop)"));
  *out = a;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseBgp(const Node& n, Bgp* out) {
  out->where = n.keyword.where;
  if (!n.args.empty() || !n.has_block)
    return ErrorAt(n.keyword.where,
                   "'bgp' wants a block and no value (bgp { speaker "
                   "HOST:PORT next_hop IP })");
  std::vector<Keyword> kw = {
      {"speaker",
       [out](const Node& st) {
         RETURN_IF_ERROR(ExpectArgs(st, 1, 1, kSpeakerUsage));
         RETURN_IF_ERROR(CheckSpeaker(st.args[0]));
         out->speaker = st.args[0].text;
         return absl::OkStatus();
       }},
      {"next_hop",
       [out](const Node& st) { return NextHop(st, 4, &out->next_hop); }},
      {"next_hop6",
       [out](const Node& st) { return NextHop(st, 6, &out->next_hop6); }},
  };
  RETURN_IF_ERROR(DispatchBlock(n.children, "bgp", kw, {}));
  if (out->speaker.empty())
    return ErrorAt(n.keyword.where,
                   absl::StrCat("bgp needs '", kSpeakerUsage, "'"));
  return absl::OkStatus();
}

std::set<IpAddress> VrrpAddresses(const Config& config) {
  std::set<IpAddress> out;
  for (const VrrpInstance& v : config.vrrp_instances)
    for (const VirtualIpAddress& a : v.virtual_ipaddress) out.insert(a.address);
  return out;
}

absl::Status ValidateBgp(const Config& config) {
  if (!config.bgp.has_value()) return absl::OkStatus();
  const Bgp& bgp = *config.bgp;
  const std::set<IpAddress> vrrp = VrrpAddresses(config);
  for (const VirtualServer& vs : config.virtual_servers) {
    if (vrrp.count(vs.address) != 0) continue;
    const bool v4 = vs.address.is_v4();
    if (v4 ? bgp.next_hop.has_value() : bgp.next_hop6.has_value()) continue;
    return ErrorAt(
        vs.where,
        absl::StrCat("virtual_server ", vs.address.ToString(),
                     " is in BGP mode (no vrrp_instance lists it) but the bgp "
                     "block at ",
                     bgp.where.file, ":", bgp.where.line, " has no ",
                     v4 ? "'next_hop IPv4'" : "'next_hop6 IPv6'"));
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::config

namespace dsrlb::config {

std::string DescribeBgp(const Config& config) {
  if (!config.bgp.has_value()) return "";
  const Bgp& bgp = *config.bgp;
  const std::set<IpAddress> vrrp = VrrpAddresses(config);
  size_t announced = 0;
  for (const VirtualServer& vs : config.virtual_servers)
    announced += vrrp.count(vs.address) == 0 ? 1 : 0;
  std::string hops;
  if (bgp.next_hop) hops = bgp.next_hop->ToString();
  if (bgp.next_hop6)
    absl::StrAppend(&hops, hops.empty() ? "" : " / ",
                    bgp.next_hop6->ToString());
  return absl::StrCat("bgp: speaker ", bgp.speaker, ", next hop ",
                      hops.empty() ? "none" : hops, "; ", announced,
                      " virtual server(s) in BGP mode\n");
}

}  // namespace dsrlb::config
