// RTM_GETNEIGH over libmnl; solicitation through the kernel's own resolver.
#include "controlplane/neighbor/neighbor.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"

namespace dsrlb::api {
namespace {

constexpr uint16_t kDiscardPort = 9;

struct DumpContext {
  int ifindex = 0;
  std::vector<NeighborEntry>* out = nullptr;
};

int OnAttr(const nlattr* attr, void* data) {
  const nlattr** tb = static_cast<const nlattr**>(data);
  int type = mnl_attr_get_type(attr);
  if (mnl_attr_type_valid(attr, NDA_MAX) < 0) return MNL_CB_OK;
  tb[type] = attr;
  return MNL_CB_OK;
}

int OnNeigh(const nlmsghdr* nlh, void* data) {
  auto* ctx = static_cast<DumpContext*>(data);
  const auto* ndm = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ctx->ifindex != 0 && ndm->ndm_ifindex != ctx->ifindex) return MNL_CB_OK;
  if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
    return MNL_CB_OK;
  const nlattr* tb[NDA_MAX + 1] = {};
  mnl_attr_parse(nlh, sizeof(*ndm), OnAttr, tb);
  if (tb[NDA_DST] == nullptr) return MNL_CB_OK;
  NeighborEntry e;
  size_t len = ndm->ndm_family == AF_INET ? 4 : 16;
  if (mnl_attr_get_payload_len(tb[NDA_DST]) != len) return MNL_CB_OK;
  e.address.family = ndm->ndm_family == AF_INET ? 4 : 6;
  std::memcpy(e.address.bytes.data(), mnl_attr_get_payload(tb[NDA_DST]), len);
  e.ifindex = ndm->ndm_ifindex;
  e.nud_state = ndm->ndm_state;
  if (tb[NDA_LLADDR] != nullptr &&
      mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
    e.has_mac = true;
    std::memcpy(e.mac.data(), mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
  }
  ctx->out->push_back(e);
  return MNL_CB_OK;
}

absl::Status Errno(const char* what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

int OnRouteAttr(const nlattr* attr, void* data) {
  const nlattr** tb = static_cast<const nlattr**>(data);
  if (mnl_attr_type_valid(attr, RTA_MAX) < 0) return MNL_CB_OK;
  tb[mnl_attr_get_type(attr)] = attr;
  return MNL_CB_OK;
}

std::optional<IpAddress> AttrAddress(const nlattr* attr, uint8_t family) {
  const size_t len = family == AF_INET ? 4 : 16;
  if (attr == nullptr || mnl_attr_get_payload_len(attr) != len)
    return std::nullopt;
  IpAddress a;
  a.family = family == AF_INET ? 4 : 6;
  std::memcpy(a.bytes.data(), mnl_attr_get_payload(attr), len);
  return a;
}

int OnRoute(const nlmsghdr* nlh, void* data) {
  auto* route = static_cast<Route*>(data);
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  const nlattr* tb[RTA_MAX + 1] = {};
  mnl_attr_parse(nlh, sizeof(*rtm), OnRouteAttr, tb);
  route->local = rtm->rtm_type == RTN_LOCAL;
  if (tb[RTA_OIF] != nullptr)
    route->ifindex = static_cast<int>(mnl_attr_get_u32(tb[RTA_OIF]));
  route->source = AttrAddress(tb[RTA_PREFSRC], rtm->rtm_family);
  route->gateway = AttrAddress(tb[RTA_GATEWAY], rtm->rtm_family);
  return MNL_CB_OK;
}

}  // namespace

absl::StatusOr<std::vector<NeighborEntry>> DumpNeighbors(int ifindex) {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr) return Errno("netlink socket");
  std::vector<NeighborEntry> out;
  absl::Status status;
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    status = Errno("netlink bind");
  } else {
    // MNL_SOCKET_BUFFER_SIZE is a sysconf() call: a fixed page-multiple
    // instead.
    alignas(nlmsghdr) static thread_local char buf[32768];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETNEIGH;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    uint32_t seq = static_cast<uint32_t>(time(nullptr));
    nlh->nlmsg_seq = seq;
    auto* ndm =
        static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
    ndm->ndm_family = AF_UNSPEC;
    uint32_t portid = mnl_socket_get_portid(nl);
    DumpContext ctx{ifindex, &out};
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
      status = Errno("netlink send");
    } else {
      int ret;
      while ((ret = static_cast<int>(
                  mnl_socket_recvfrom(nl, buf, sizeof(buf)))) > 0) {
        ret = mnl_cb_run(buf, static_cast<size_t>(ret), seq, portid, OnNeigh,
                         &ctx);
        if (ret <= MNL_CB_STOP) break;
      }
      if (ret == -1) status = Errno("netlink neighbour dump");
    }
  }
  mnl_socket_close(nl);
  if (!status.ok()) return status;
  return out;
}

bool IsUsable(const NeighborEntry& e) {
  return e.has_mac && (e.nud_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY |
                                      NUD_PROBE | NUD_PERMANENT)) != 0;
}

std::string NudName(uint16_t s) {
  if (s & NUD_INCOMPLETE) return "INCOMPLETE";
  if (s & NUD_REACHABLE) return "REACHABLE";
  if (s & NUD_STALE) return "STALE";
  if (s & NUD_DELAY) return "DELAY";
  if (s & NUD_PROBE) return "PROBE";
  if (s & NUD_FAILED) return "FAILED";
  if (s & NUD_NOARP) return "NOARP";
  if (s & NUD_PERMANENT) return "PERMANENT";
  return absl::StrCat("0x", absl::Hex(s));
}

absl::Status Solicit(const IpAddress& address, const std::string& interface) {
  int fd = socket(address.is_v4() ? AF_INET : AF_INET6,
                  SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("solicit socket");
  if (!interface.empty()) {
    // Best effort: without CAP_NET_RAW the route decides the interface.
    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
               static_cast<socklen_t>(interface.size()));
  }
  static const char kPayload[] = "dsrlb neighbour solicitation";
  ssize_t sent;
  if (address.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(kDiscardPort);
    std::memcpy(&sin.sin_addr, address.bytes.data(), 4);
    sent = sendto(fd, kPayload, sizeof(kPayload), 0,
                  reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(kDiscardPort);
    std::memcpy(&sin6.sin6_addr, address.bytes.data(), 16);
    sent = sendto(fd, kPayload, sizeof(kPayload), 0,
                  reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6));
  }
  absl::Status st = sent < 0 ? Errno("solicit send") : absl::OkStatus();
  close(fd);
  return st;
}

absl::StatusOr<Route> RouteTo(const IpAddress& address) {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr) return Errno("netlink socket");
  Route route;
  absl::Status status;
  alignas(nlmsghdr) char buf[8192];
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    status = Errno("netlink bind");
  } else {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    const uint32_t seq = static_cast<uint32_t>(time(nullptr));
    nlh->nlmsg_seq = seq;
    auto* rtm =
        static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = address.is_v4() ? AF_INET : AF_INET6;
    rtm->rtm_dst_len = address.is_v4() ? 32 : 128;
    mnl_attr_put(nlh, RTA_DST, address.is_v4() ? 4 : 16, address.bytes.data());
    const uint32_t portid = mnl_socket_get_portid(nl);
    ssize_t n = -1;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ||
        (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) < 0 ||
        mnl_cb_run(buf, static_cast<size_t>(n), seq, portid, OnRoute, &route) <
            0) {
      status = absl::UnavailableError(absl::StrCat(
          "no route to ", address.ToString(), ": ", std::strerror(errno)));
    }
  }
  mnl_socket_close(nl);
  if (!status.ok()) return status;
  return route;
}

absl::StatusOr<int> InterfaceIndex(const std::string& name) {
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0)
    return absl::NotFoundError(
        absl::StrCat("--interface ", name, ": no such interface"));
  return static_cast<int>(idx);
}

absl::StatusOr<Mac> InterfaceMac(const std::string& name) {
  if (name.size() >= IFNAMSIZ)
    return absl::InvalidArgumentError(
        absl::StrCat("--interface ", name, ": name too long"));
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
  int err = errno;
  close(fd);
  if (rc < 0)
    return absl::NotFoundError(
        absl::StrCat("--interface ", name, ": ", std::strerror(err)));
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
    return absl::InvalidArgumentError(
        absl::StrCat("--interface ", name, ": not an Ethernet interface"));
  Mac mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  return mac;
}

}  // namespace dsrlb::api
