// RTM_NEWROUTE / RTM_DELROUTE and RTM_NEWRULE / RTM_DELRULE with libmnl.
#include "controlplane/vrrp/netlink_route.h"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "controlplane/vrrp/netlink_addr.h"

namespace dsrlb::vrrp {
namespace {

constexpr size_t kNetlinkBuffer = 8192;

size_t AddressLength(const IpAddress& a) { return a.family == 4 ? 4 : 16; }
uint8_t Af(uint8_t family) { return family == 4 ? AF_INET : AF_INET6; }

// Sends one request and reads its ack: 0, or the errno of the failure.
int Transact(nlmsghdr* nlh) {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr) return errno;
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(nl);
    return err;
  }
  const uint32_t seq = static_cast<uint32_t>(time(nullptr));
  nlh->nlmsg_seq = seq;
  int err = 0;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
    err = errno;
  } else {
    alignas(nlmsghdr) char buf[kNetlinkBuffer];
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    int rc = n < 0 ? -1
                   : mnl_cb_run(buf, static_cast<size_t>(n), seq,
                                mnl_socket_get_portid(nl), nullptr, nullptr);
    if (rc < 0) err = errno;
  }
  mnl_socket_close(nl);
  return err;
}

absl::Status Outcome(int err, bool add, bool harmless,
                     const std::string& what) {
  if (err == 0 || harmless) return absl::OkStatus();
  const std::string msg =
      absl::StrCat(add ? "adding " : "removing ", what, ": ", strerror(err));
  if (err == EPERM) return absl::PermissionDeniedError(msg + " (run as root)");
  return absl::InternalError(msg);
}

std::string Where(const config::SourceLocation& w) {
  return absl::StrCat(w.file, ":", w.line, ": ");
}

// The gateways: one RTA_GATEWAY, or RTA_MULTIPATH with a nexthop each.
void PutGateways(nlmsghdr* nlh, const config::IpRoute& r, int oif) {
  if (r.via.size() == 1) {
    mnl_attr_put(nlh, RTA_GATEWAY, AddressLength(r.via[0]),
                 r.via[0].bytes.data());
    return;
  }
  nlattr* nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
  for (const IpAddress& gw : r.via) {
    auto* nh = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(nlh));
    std::memset(nh, 0, sizeof(*nh));
    nh->rtnh_ifindex = oif;
    nlh->nlmsg_len += MNL_ALIGN(sizeof(rtnexthop));
    mnl_attr_put(nlh, RTA_GATEWAY, AddressLength(gw), gw.bytes.data());
    nh->rtnh_len = static_cast<uint16_t>(
        static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh)) -
        reinterpret_cast<char*>(nh));
  }
  mnl_attr_nest_end(nlh, nest);
}

std::string RouteText(const config::IpRoute& r) {
  std::string s = absl::StrCat(r.blackhole ? "blackhole " : "",
                               r.dest.ToString(), "/", r.prefix_len);
  for (size_t i = 0; i < r.via.size(); ++i)
    absl::StrAppend(&s, i == 0 ? " via " : " or ", r.via[i].ToString());
  if (!r.dev.empty()) absl::StrAppend(&s, " dev ", r.dev);
  if (r.table != RT_TABLE_MAIN) absl::StrAppend(&s, " table ", r.table);
  return s;
}

absl::Status ChangeRoute(bool add, const config::IpRoute& r) {
  int oif = 0;
  if (!r.dev.empty()) {
    absl::StatusOr<int> idx = InterfaceIndex(r.dev);
    if (!idx.ok()) return idx.status();
    oif = *idx;
  }
  alignas(nlmsghdr) char buf[kNetlinkBuffer];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (add) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
  auto* rt =
      static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rt->rtm_family = Af(r.dest.family);
  rt->rtm_dst_len = static_cast<uint8_t>(r.prefix_len);
  rt->rtm_table =
      r.table < 256 ? static_cast<uint8_t>(r.table) : uint8_t{RT_TABLE_UNSPEC};
  // Removal too: only what keepalived or dsrlb added is ever removed.
  rt->rtm_protocol = RTPROT_KEEPALIVED;
  rt->rtm_type = r.blackhole ? RTN_BLACKHOLE : RTN_UNICAST;
  // As `ip route`: a route without a gateway is on the link.
  const uint8_t scope = r.scope ? *r.scope
                        : (r.via.empty() && !r.blackhole)
                            ? uint8_t{RT_SCOPE_LINK}
                            : uint8_t{RT_SCOPE_UNIVERSE};
  rt->rtm_scope = add ? scope : uint8_t{RT_SCOPE_NOWHERE};
  mnl_attr_put(nlh, RTA_DST, AddressLength(r.dest), r.dest.bytes.data());
  mnl_attr_put_u32(nlh, RTA_TABLE, r.table);
  if (oif != 0) mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(oif));
  if (r.src)
    mnl_attr_put(nlh, RTA_PREFSRC, AddressLength(*r.src), r.src->bytes.data());
  if (r.metric) mnl_attr_put_u32(nlh, RTA_PRIORITY, *r.metric);
  if (!r.via.empty()) PutGateways(nlh, r, oif);
  const int err = Transact(nlh);
  const bool harmless = add ? err == EEXIST : (err == ESRCH || err == ENOENT);
  return Outcome(err, add, harmless, "route " + RouteText(r));
}

std::string RuleText(const config::IpRule& r) {
  std::string s;
  if (r.from)
    absl::StrAppend(&s, "from ", r.from->ToString(), "/", r.from_len, " ");
  if (r.to) absl::StrAppend(&s, "to ", r.to->ToString(), "/", r.to_len, " ");
  absl::StrAppend(&s, "table ", r.table);
  if (r.priority) absl::StrAppend(&s, " priority ", *r.priority);
  return s;
}

absl::Status ChangeRule(bool add, const config::IpRule& r) {
  alignas(nlmsghdr) char buf[kNetlinkBuffer];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (add) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
  auto* fr = static_cast<fib_rule_hdr*>(
      mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
  fr->family = Af(r.family);
  fr->action = FR_ACT_TO_TBL;
  fr->table =
      r.table < 256 ? static_cast<uint8_t>(r.table) : uint8_t{RT_TABLE_UNSPEC};
  if (r.from) {
    fr->src_len = static_cast<uint8_t>(r.from_len);
    mnl_attr_put(nlh, FRA_SRC, AddressLength(*r.from), r.from->bytes.data());
  }
  if (r.to) {
    fr->dst_len = static_cast<uint8_t>(r.to_len);
    mnl_attr_put(nlh, FRA_DST, AddressLength(*r.to), r.to->bytes.data());
  }
  mnl_attr_put_u32(nlh, FRA_TABLE, r.table);
  if (r.priority) mnl_attr_put_u32(nlh, FRA_PRIORITY, *r.priority);
  mnl_attr_put_u8(nlh, FRA_PROTOCOL, RTPROT_KEEPALIVED);
  const int err = Transact(nlh);
  const bool harmless = add ? err == EEXIST : err == ENOENT;
  return Outcome(err, add, harmless, "rule " + RuleText(r));
}

}  // namespace

absl::Status AddRoute(const config::IpRoute& r) { return ChangeRoute(true, r); }
absl::Status DelRoute(const config::IpRoute& r) {
  return ChangeRoute(false, r);
}
absl::Status AddRule(const config::IpRule& r) { return ChangeRule(true, r); }
absl::Status DelRule(const config::IpRule& r) { return ChangeRule(false, r); }

std::vector<std::string> ApplyRoutes(const std::vector<config::IpRoute>& all,
                                     bool add) {
  std::vector<std::string> failed;
  for (const config::IpRoute& r : all) {
    absl::Status s = add ? AddRoute(r) : DelRoute(r);
    if (!s.ok()) failed.push_back(Where(r.where) + std::string(s.message()));
  }
  return failed;
}

std::vector<std::string> ApplyRules(const std::vector<config::IpRule>& all,
                                    bool add) {
  std::vector<std::string> failed;
  for (const config::IpRule& r : all) {
    absl::Status s = add ? AddRule(r) : DelRule(r);
    if (!s.ok()) failed.push_back(Where(r.where) + std::string(s.message()));
  }
  return failed;
}

std::vector<std::string> ApplyStaticAddresses(
    const std::vector<config::StaticAddress>& all, bool add) {
  std::vector<std::string> failed;
  for (const config::StaticAddress& a : all) {
    absl::StatusOr<int> idx = InterfaceIndex(a.dev);
    absl::Status s =
        !idx.ok() ? idx.status()
        : add     ? AddAddress(*idx, a.address, a.prefix_len, a.label, a.scope)
                  : DelAddress(*idx, a.address, a.prefix_len);
    if (!s.ok()) failed.push_back(Where(a.where) + std::string(s.message()));
  }
  return failed;
}

}  // namespace dsrlb::vrrp
