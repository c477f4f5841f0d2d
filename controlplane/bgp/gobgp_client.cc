// GoBGP's API speaks protobuf Any for NLRI and attributes: IPAddressPrefix,
// OriginAttribute, NextHopAttribute (IPv4) or MpReachNLRIAttribute (IPv6),
// as GoBGP's own CLI builds them.
#include "controlplane/bgp/gobgp_client.h"

#include <grpcpp/grpcpp.h>

#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "attribute.pb.h"

namespace dsrlb::bgp {
namespace {

constexpr uint32_t kOriginIgp = 0;

apipb::Family FamilyOf(uint8_t family) {
  apipb::Family f;
  f.set_afi(family == 4 ? apipb::Family::AFI_IP : apipb::Family::AFI_IP6);
  f.set_safi(apipb::Family::SAFI_UNICAST);
  return f;
}

int HostBits(const IpAddress& a) { return a.is_v4() ? 32 : 128; }

apipb::Path PathOf(const HostRoute& r) {
  apipb::Path p;
  *p.mutable_family() = FamilyOf(r.vip.family);
  apipb::IPAddressPrefix nlri;
  nlri.set_prefix_len(HostBits(r.vip));
  nlri.set_prefix(r.vip.ToString());
  p.mutable_nlri()->PackFrom(nlri);
  apipb::OriginAttribute origin;
  origin.set_origin(kOriginIgp);
  p.add_pattrs()->PackFrom(origin);
  if (r.vip.is_v4()) {
    apipb::NextHopAttribute nh;
    nh.set_next_hop(r.next_hop.ToString());
    p.add_pattrs()->PackFrom(nh);
  } else {
    apipb::MpReachNLRIAttribute mp;
    *mp.mutable_family() = FamilyOf(6);
    mp.add_next_hops(r.next_hop.ToString());
    mp.add_nlris()->PackFrom(nlri);
    p.add_pattrs()->PackFrom(mp);
  }
  return p;
}

absl::Status FromGrpc(const grpc::Status& s, absl::string_view what,
                      const std::string& target) {
  if (s.ok()) return absl::OkStatus();
  const absl::StatusCode code = s.error_code() == grpc::DEADLINE_EXCEEDED ||
                                        s.error_code() == grpc::UNAVAILABLE
                                    ? absl::StatusCode::kUnavailable
                                    : absl::StatusCode::kFailedPrecondition;
  return absl::Status(code, absl::StrCat("speaker ", target, ": ", what, ": ",
                                         s.error_message()));
}

// The next hop of a listed path, from whichever attribute carries it.
std::optional<IpAddress> NextHopOf(const apipb::Path& p) {
  for (const google::protobuf::Any& a : p.pattrs()) {
    apipb::NextHopAttribute nh;
    apipb::MpReachNLRIAttribute mp;
    std::string text;
    if (a.UnpackTo(&nh)) {
      text = nh.next_hop();
    } else if (a.UnpackTo(&mp) && mp.next_hops_size() > 0) {
      text = mp.next_hops(0);
    } else {
      continue;
    }
    auto ip = IpAddress::Parse(text);
    if (ip.ok()) return *ip;
  }
  return std::nullopt;
}

// "192.168.4.15/32" -> the address when it is a host route.
std::optional<IpAddress> HostPrefix(const std::string& prefix) {
  size_t slash = prefix.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = IpAddress::Parse(prefix.substr(0, slash));
  int len = 0;
  if (!ip.ok() || !absl::SimpleAtoi(prefix.substr(slash + 1), &len) ||
      len != HostBits(*ip))
    return std::nullopt;
  return *ip;
}

// A path this speaker originated (AddPath, its CLI, its config) rather
// than learned from a peer: GoBGP 3.10 names no neighbour for it ("<nil>")
// and, against its .proto's word, lists it without its uuid.
bool Local(const apipb::Path& p) {
  auto peer = IpAddress::Parse(p.neighbor_ip());
  return !peer.ok() || *peer == IpAddress{peer->family, {}};
}

}  // namespace

std::string ToString(const HostRoute& r) {
  return absl::StrCat(r.vip.ToString(), "/", HostBits(r.vip), " via ",
                      r.next_hop.ToString());
}

GobgpClient::GobgpClient(const std::string& target, absl::Duration deadline)
    : target_(target), deadline_(deadline) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  stub_ = apipb::GobgpApi::NewStub(grpc::CreateCustomChannel(
      target, grpc::InsecureChannelCredentials(), args));
}

GobgpClient::~GobgpClient() = default;

absl::Status GobgpClient::Announce(const HostRoute& route) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  apipb::AddPathRequest req;
  req.set_table_type(apipb::GLOBAL);
  *req.mutable_path() = PathOf(route);
  apipb::AddPathResponse resp;
  return FromGrpc(stub_->AddPath(&ctx, req, &resp),
                  absl::StrCat("announce ", ToString(route)), target_);
}

absl::Status GobgpClient::Withdraw(const HostRoute& route) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  apipb::DeletePathRequest req;
  req.set_table_type(apipb::GLOBAL);
  *req.mutable_family() = FamilyOf(route.vip.family);
  *req.mutable_path() = PathOf(route);
  google::protobuf::Empty resp;
  return FromGrpc(stub_->DeletePath(&ctx, req, &resp),
                  absl::StrCat("withdraw ", ToString(route)), target_);
}

absl::StatusOr<std::vector<HostRoute>> GobgpClient::ListAdded() {
  std::vector<HostRoute> out;
  for (uint8_t family : {4, 6}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    apipb::ListPathRequest req;
    req.set_table_type(apipb::GLOBAL);
    *req.mutable_family() = FamilyOf(family);
    auto reader = stub_->ListPath(&ctx, req);
    apipb::ListPathResponse resp;
    while (reader->Read(&resp)) {
      std::optional<IpAddress> vip = HostPrefix(resp.destination().prefix());
      if (!vip) continue;
      for (const apipb::Path& p : resp.destination().paths()) {
        std::optional<IpAddress> nh = NextHopOf(p);
        if (Local(p) && nh) out.push_back({*vip, *nh});
      }
    }
    if (absl::Status st = FromGrpc(reader->Finish(), "list routes", target_);
        !st.ok())
      return st;
  }
  return out;
}

}  // namespace dsrlb::bgp
