// rtnetlink address changes with libmnl; ioctls for interface facts.
#include "controlplane/vrrp/netlink_addr.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"

namespace dsrlb::vrrp {
namespace {

// MNL_SOCKET_BUFFER_SIZE is a runtime value (the page size); 8 KiB is enough
// for one ack and for a burst of link notifications.
constexpr size_t kNetlinkBuffer = 8192;

absl::Status ChangeAddress(uint16_t type, int ifindex, const IpAddress& a,
                           int prefix_len, const std::string& label,
                           uint8_t scope) {
  if (a.family != 4 && a.family != 6)
    return absl::InvalidArgumentError("address family unset");
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr)
    return absl::UnavailableError(
        absl::StrCat("netlink socket: ", strerror(errno)));
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    mnl_socket_close(nl);
    return absl::UnavailableError(
        absl::StrCat("netlink bind: ", strerror(errno)));
  }
  alignas(nlmsghdr) char buf[kNetlinkBuffer];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (type == RTM_NEWADDR) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
  const uint32_t seq = static_cast<uint32_t>(time(nullptr));
  nlh->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(
      mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = a.family == 4 ? AF_INET : AF_INET6;
  ifa->ifa_prefixlen = static_cast<uint8_t>(prefix_len);
  ifa->ifa_flags = a.family == 6 ? IFA_F_NODAD : 0;
  ifa->ifa_scope = scope;
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  const size_t len = a.family == 4 ? 4 : 16;
  mnl_attr_put(nlh, IFA_LOCAL, len, a.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, len, a.bytes.data());
  if (!label.empty() && a.family == 4 && type == RTM_NEWADDR)
    mnl_attr_put_strz(nlh, IFA_LABEL, label.c_str());
  const uint32_t portid = mnl_socket_get_portid(nl);
  absl::Status status;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
    status =
        absl::UnavailableError(absl::StrCat("netlink send: ", strerror(errno)));
  } else {
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    int rc = n < 0 ? -1
                   : mnl_cb_run(buf, static_cast<size_t>(n), seq, portid,
                                nullptr, nullptr);
    if (rc < 0) {
      const int err = errno;
      const bool harmless =
          (type == RTM_NEWADDR && err == EEXIST) ||
          (type == RTM_DELADDR && (err == EADDRNOTAVAIL || err == ENODEV));
      if (!harmless) {
        const std::string what = absl::StrCat(
            type == RTM_NEWADDR ? "adding " : "removing ", a.ToString(), "/",
            prefix_len, " on ifindex ", ifindex, ": ", strerror(err));
        status = err == EPERM
                     ? absl::PermissionDeniedError(what + " (run as root)")
                     : absl::InternalError(what);
      }
    }
  }
  mnl_socket_close(nl);
  return status;
}

}  // namespace

absl::Status AddAddress(int ifindex, const IpAddress& a, int prefix_len,
                        const std::string& label, uint8_t scope) {
  return ChangeAddress(RTM_NEWADDR, ifindex, a, prefix_len, label, scope);
}
absl::Status DelAddress(int ifindex, const IpAddress& a, int prefix_len) {
  return ChangeAddress(RTM_DELADDR, ifindex, a, prefix_len, "", 0);
}

absl::StatusOr<int> InterfaceIndex(const std::string& name) {
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0)
    return absl::NotFoundError(
        absl::StrCat("interface '", name, "' does not exist"));
  return static_cast<int>(idx);
}

absl::StatusOr<std::array<uint8_t, 6>> InterfaceMac(const std::string& name) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(strerror(errno));
  ifreq ifr{};
  strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
  close(fd);
  if (rc != 0)
    return absl::NotFoundError(
        absl::StrCat("MAC of '", name, "': ", strerror(errno)));
  std::array<uint8_t, 6> mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  return mac;
}

bool InterfaceRunning(const std::string& name) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq ifr{};
  strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
  close(fd);
  return rc == 0 && (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

std::vector<IpAddress> InterfaceAddresses(const std::string& name, int family,
                                          bool link_local_only) {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || name != i->ifa_name) continue;
    IpAddress a;
    if (family == 4 && i->ifa_addr->sa_family == AF_INET) {
      a.family = 4;
      std::memcpy(a.bytes.data(),
                  &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (family == 6 && i->ifa_addr->sa_family == AF_INET6) {
      const in6_addr& v6 =
          reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr;
      if (link_local_only && !IN6_IS_ADDR_LINKLOCAL(&v6)) continue;
      a.family = 6;
      std::memcpy(a.bytes.data(), &v6, 16);
    } else {
      continue;
    }
    out.push_back(a);
  }
  freeifaddrs(list);
  return out;
}

absl::StatusOr<LinkMonitor> LinkMonitor::Open() {
  mnl_socket* nl =
      mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (nl == nullptr)
    return absl::UnavailableError(
        absl::StrCat("netlink socket: ", strerror(errno)));
  if (mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
    mnl_socket_close(nl);
    return absl::UnavailableError(
        absl::StrCat("netlink bind RTMGRP_LINK: ", strerror(errno)));
  }
  return LinkMonitor(nl);
}

LinkMonitor::~LinkMonitor() {
  if (nl_ != nullptr) mnl_socket_close(nl_);
}

int LinkMonitor::fd() const { return mnl_socket_get_fd(nl_); }

void LinkMonitor::Drain() {
  constexpr size_t kNetlinkBuffer = 8192;
  alignas(nlmsghdr) char buf[kNetlinkBuffer];
  while (mnl_socket_recvfrom(nl_, buf, sizeof(buf)) > 0) {
  }
}

}  // namespace dsrlb::vrrp
