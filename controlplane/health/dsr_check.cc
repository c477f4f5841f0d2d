// DSR_CHECK: raw frames out and in through one AF_PACKET socket on the
// interface the kernel routes the real server by; the kernel's neighbour
// table gives the real server's MAC.
#include "controlplane/health/dsr_check.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/health/socket_address.h"
#include "controlplane/neighbor/neighbor.h"

namespace dsrlb::health {
namespace {

// How often the neighbour table is looked at while the MAC is unknown.
constexpr absl::Duration kMacPoll = absl::Milliseconds(50);
// After the SYN-ACK, how long an ARP reply for the VIP may still come. The
// request went out before the SYN, and a server answers ARP as it receives
// it, so the reply is normally already in.
constexpr absl::Duration kArpGrace = absl::Milliseconds(50);

absl::Status Errno(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(errno)));
}

std::string Lower(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(tolower(s[0]));
  return s;
}

std::string MacText(const MacAddress& mac) { return MacToString(mac.data()); }

uint32_t RandomSeq() {
  uint32_t v = 0;
  if (getrandom(&v, sizeof(v), 0) != sizeof(v)) v = 0x5eed1234;
  return v;
}

// Binds a TCP socket to (src, port 0): the kernel hands out a free local
// port and no local connection can take it while the probe uses it.
absl::StatusOr<std::pair<int, uint16_t>> ReservePort(const IpAddress& src) {
  const SocketAddress a = ToSocketAddress(src, 0);
  int fd = socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  SocketAddress bound;
  bound.len = sizeof(bound.storage);
  if (bind(fd, a.get(), a.len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound.storage),
                  &bound.len) != 0) {
    absl::Status st = Errno(absl::StrCat("bind to ", src.ToString()));
    close(fd);
    return st;
  }
  uint16_t port =
      a.family() == AF_INET
          ? reinterpret_cast<const sockaddr_in*>(&bound.storage)->sin_port
          : reinterpret_cast<const sockaddr_in6*>(&bound.storage)->sin6_port;
  return std::make_pair(fd, ntohs(port));
}

}  // namespace

DsrCheck::DsrCheck(EventLoop* loop, DsrTarget target)
    : loop_(loop),
      target_(target),
      direct_(loop, target.real_server, target.port, target.bindto,
              target.timeout) {}

DsrCheck::~DsrCheck() { Cancel(); }

void DsrCheck::Cancel() {
  direct_.Cancel();
  for (EventLoop::TimerId* t :
       {&deadline_, &mac_timer_, &fail_timer_, &arp_grace_}) {
    if (*t != 0) loop_->Cancel(*t);
    *t = 0;
  }
  if (packet_fd_ >= 0) {
    loop_->UnwatchFd(packet_fd_);
    close(packet_fd_);
    packet_fd_ = -1;
  }
  if (port_fd_ >= 0) close(port_fd_);
  port_fd_ = -1;
  done_ = nullptr;
}

void DsrCheck::Start(Done done) {
  Cancel();
  done_ = std::move(done);
  probe_ = DsrProbe{};
  solicited_ = syn_sent_ = arp_answered_ = false;
  neighbour_state_ = "none";
  outcome_ = Outcome::kPending;
  direct_result_.reset();
  if (absl::Status st = Prepare(); !st.ok()) {
    Fail(absl::StrCat("DSR path to VIP ", HostPort(target_.vip, target_.port),
                      " through ", target_.real_server.ToString(), ": ",
                      st.message()));
    return;
  }
  direct_.Start([this](CheckResult r) { OnDirect(std::move(r)); });
  deadline_ = loop_->RunAfter(target_.timeout, [this] {
    deadline_ = 0;
    OnDeadline();
  });
  LookForMac();
}

absl::Status DsrCheck::Prepare() {
  const IpAddress& rs = target_.real_server;
  ASSIGN_OR_RETURN(api::Route route, api::RouteTo(rs));
  if (route.local)
    return absl::FailedPreconditionError("it is an address of this host");
  if (route.gateway.has_value())
    return absl::FailedPreconditionError(absl::StrCat(
        "not on-link (routed via ", route.gateway->ToString(),
        "): direct server return needs it on this host's segment"));
  ifindex_ = route.ifindex;
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(ifindex_), name) == nullptr)
    return Errno("interface of the route");
  ASSIGN_OR_RETURN(probe_.src_mac, api::InterfaceMac(name));
  if (target_.bindto.has_value()) route.source = target_.bindto;
  if (!route.source.has_value())
    return absl::FailedPreconditionError(
        "no source address: set bindto in DSR_CHECK");
  probe_.src = *route.source;
  probe_.vip = target_.vip;
  probe_.vip_port = target_.port;
  probe_.seq = RandomSeq();
  ASSIGN_OR_RETURN(auto reserved, ReservePort(probe_.src));
  port_fd_ = reserved.first;
  probe_.src_port = reserved.second;
  return OpenPacketSocket();
}

absl::Status DsrCheck::OpenPacketSocket() {
  // Protocol 0 receives nothing until bind(), which comes after the filter:
  // no unrelated frame is queued in between.
  packet_fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (packet_fd_ < 0)
    return Errno("AF_PACKET socket (DSR_CHECK needs CAP_NET_RAW)");
  std::vector<sock_filter> code = ReplyFilter(probe_);
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  if (setsockopt(packet_fd_, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
                 sizeof(prog)) != 0)
    return Errno("attach socket filter");
  int one = 1;  // our own SYN is no answer (best effort: Linux >= 4.20)
  setsockopt(packet_fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex_;
  if (bind(packet_fd_, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0)
    return Errno("bind AF_PACKET socket");
  return loop_->WatchFd(packet_fd_, EPOLLIN, [this](uint32_t) { OnFrames(); });
}

void DsrCheck::LookForMac() {
  mac_timer_ = 0;
  absl::StatusOr<std::vector<api::NeighborEntry>> entries =
      api::DumpNeighbors(ifindex_);
  if (!entries.ok()) return Fail(std::string(entries.status().message()));
  for (const api::NeighborEntry& e : *entries) {
    if (e.address != target_.real_server) continue;
    if (api::IsUsable(e)) {
      probe_.dst_mac = e.mac;
      return SendSyn();
    }
    neighbour_state_ = api::NudName(e.nud_state);
  }
  if (!solicited_) {
    char name[IF_NAMESIZE] = {};
    if_indextoname(static_cast<unsigned>(ifindex_), name);
    // The plain connect resolves it too; this covers a bindto elsewhere.
    (void)api::Solicit(target_.real_server, name);
    solicited_ = true;
  }
  mac_timer_ = loop_->RunAfter(kMacPoll, [this] { LookForMac(); });
}

void DsrCheck::SendSyn() {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, probe_.dst_mac.data(), 6);
  if (probe_.vip.is_v4()) {
    std::vector<uint8_t> arp = BuildArpRequest(probe_);
    sendto(packet_fd_, arp.data(), arp.size(), 0,
           reinterpret_cast<sockaddr*>(&to), sizeof(to));
  }
  std::vector<uint8_t> frame = BuildTcpFrame(probe_, probe_.seq, 0, kTcpSyn);
  if (sendto(packet_fd_, frame.data(), frame.size(), 0,
             reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0) {
    return Fail(absl::StrCat("DSR SYN to VIP ",
                             HostPort(target_.vip, target_.port), ": ",
                             Lower(strerror(errno))));
  }
  syn_sent_ = true;
}

void DsrCheck::OnFrames() {
  uint8_t buf[2048];
  for (;;) {
    sockaddr_ll from{};
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(packet_fd_, buf, sizeof(buf), 0,
                         reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;  // EAGAIN: drained
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    const DsrReply reply = ParseReply(probe_, absl::MakeConstSpan(buf, n));
    // The first TCP or ICMP answer decides (a retransmitted SYN-ACK while
    // waiting for ARP changes nothing); an ARP reply counts at any time.
    if (reply != DsrReply::kArpForVip && outcome_ != Outcome::kPending)
      continue;
    switch (reply) {
      case DsrReply::kUnrelated:
        continue;
      case DsrReply::kSynAck: {
        // End the half-open connection on the server.
        std::vector<uint8_t> rst =
            BuildTcpFrame(probe_, probe_.seq + 1, 0, kTcpRst);
        sockaddr_ll to = from;
        to.sll_halen = 6;
        std::memcpy(to.sll_addr, probe_.dst_mac.data(), 6);
        sendto(packet_fd_, rst.data(), rst.size(), 0,
               reinterpret_cast<sockaddr*>(&to), sizeof(to));
        outcome_ = Outcome::kSynAck;
        if (arp_answered_ || !probe_.vip.is_v4()) return ConcludeSynAck();
        arp_grace_ = loop_->RunAfter(kArpGrace, [this] {
          arp_grace_ = 0;
          ConcludeSynAck();
        });
        continue;
      }
      case DsrReply::kArpForVip:
        arp_answered_ = true;
        if (outcome_ == Outcome::kSynAck) return ConcludeSynAck();
        continue;
      case DsrReply::kReset:
        outcome_ = Outcome::kReset;
        return Conclude();
      case DsrReply::kUnreachable:
        outcome_ = Outcome::kUnreachable;
        return Conclude();
    }
  }
}

void DsrCheck::OnDirect(CheckResult result) {
  direct_result_ = std::move(result);
  if (outcome_ != Outcome::kPending) Conclude();
}

void DsrCheck::OnDeadline() {
  if (outcome_ == Outcome::kSynAck) return ConcludeSynAck();
  if (outcome_ == Outcome::kPending && !syn_sent_) outcome_ = Outcome::kNoMac;
  if (!direct_result_.has_value()) {
    direct_result_ = CheckResult{};
    direct_result_->text = absl::StrCat(
        "TCP connect to ", HostPort(target_.real_server, target_.port),
        ": timed out after ", absl::FormatDuration(target_.timeout));
  }
  Finish(false, FailureText());
}

void DsrCheck::ConcludeSynAck() {
  if (arp_answered_) return Finish(false, ArpText());
  Finish(true,
         absl::StrCat("DSR SYN to VIP ", HostPort(target_.vip, target_.port),
                      " through ", target_.real_server.ToString(), " (",
                      MacText(probe_.dst_mac), "): SYN-ACK"));
}

void DsrCheck::Conclude() {
  // A SYN-ACK waits for the ARP window, not for the plain connect; a
  // failure is explained by the plain connect: wait for that.
  if (outcome_ == Outcome::kSynAck) return;
  if (direct_result_.has_value()) Finish(false, FailureText());
}

std::string DsrCheck::ArpText() const {
  return absl::StrCat(target_.real_server.ToString(), " answers ARP for VIP ",
                      target_.vip.ToString(), " with its MAC ",
                      MacText(probe_.dst_mac),
                      ": set arp_ignore=1 and arp_announce=2 on it, or it "
                      "draws the VIP's traffic away from the scheduler");
}

std::string DsrCheck::FailureText() const {
  const std::string vip = HostPort(target_.vip, target_.port);
  const std::string rs = HostPort(target_.real_server, target_.port);
  const std::string mac = MacText(probe_.dst_mac);
  const bool direct_ok = direct_result_.has_value() && direct_result_->ok;
  if (arp_answered_) return ArpText();
  if (outcome_ == Outcome::kNoMac) {
    return absl::StrCat("DSR path to VIP ", vip, " through ",
                        target_.real_server.ToString(),
                        ": MAC unknown (neighbour ", neighbour_state_, "); ",
                        direct_result_->text);
  }
  if (outcome_ == Outcome::kReset && direct_ok) {
    return absl::StrCat(rs, " answers on its own address but refuses VIP ", vip,
                        " (RST through its MAC ", mac,
                        "): does the service listen on the VIP or 0.0.0.0?");
  }
  const std::string what =
      outcome_ == Outcome::kReset ? "refused (RST)"
      : outcome_ == Outcome::kUnreachable
          ? "ICMP destination unreachable"
          : absl::StrCat("no SYN-ACK within ",
                         absl::FormatDuration(target_.timeout));
  if (direct_ok) {
    return absl::StrCat(rs, " answers on its own address but not for VIP ", vip,
                        " (", what, " through its MAC ", mac,
                        "): is the VIP on its lo?");
  }
  return absl::StrCat("DSR SYN to VIP ", vip, " through ",
                      target_.real_server.ToString(), " (", mac, "): ", what,
                      "; ", direct_result_->text);
}

void DsrCheck::Fail(std::string text) {
  // Reported through the loop, never from inside Start().
  Done keep = std::move(done_);
  Cancel();
  done_ = std::move(keep);
  fail_timer_ = loop_->RunAfter(absl::ZeroDuration(), [this, text] {
    fail_timer_ = 0;
    Finish(false, text);
  });
}

void DsrCheck::Finish(bool ok, std::string text) {
  Done done = std::move(done_);
  Cancel();
  Report(std::move(done), ok, std::move(text));
}

}  // namespace dsrlb::health
