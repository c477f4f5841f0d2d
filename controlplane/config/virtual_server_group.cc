// virtual_server_group NAME { IP [PORT] | IP-RANGE [PORT] ... } and its use
// by "virtual_server group NAME": each member address and port becomes a
// virtual server with the block's settings and real servers.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// IPv6 ranges need 128-bit arithmetic (__extension__: -Wpedantic).
__extension__ typedef unsigned __int128 U128;

// The table holds 65,535 virtual servers (controlplane/model/capacity.h);
// a group past that could never be published.
constexpr U128 kMaxMembers = 65535;

int Width(const IpAddress& ip) { return ip.is_v4() ? 4 : 16; }

U128 ToNumber(const IpAddress& ip) {
  U128 v = 0;
  for (int i = 0; i < Width(ip); i++) v = v << 8 | ip.bytes[i];
  return v;
}

IpAddress FromNumber(uint8_t family, U128 v) {
  IpAddress ip;
  ip.family = family;
  const int width = family == 4 ? 4 : 16;
  for (int i = width - 1; i >= 0; i--, v >>= 8) ip.bytes[i] = v & 0xff;
  return ip;
}

absl::Status RangeError(const Token& t, absl::string_view why) {
  return ErrorAt(t.where, absl::StrCat("virtual_server_group member '", t.text,
                                       "': ", why));
}

// A/NN: every address of the network; A must have its host bits clear.
absl::Status ParseCidr(const Token& t, size_t slash, VsGroupMember* m) {
  absl::StatusOr<IpAddress> base =
      IpAddress::Parse(absl::string_view(t.text).substr(0, slash));
  int bits = 0;
  if (!base.ok() ||
      !absl::SimpleAtoi(absl::string_view(t.text).substr(slash + 1), &bits)) {
    return RangeError(t, "wants ADDRESS/PREFIX, e.g. 192.168.202.8/29");
  }
  const int width_bits = Width(*base) * 8;
  if (bits < 1 || bits > width_bits) {
    return RangeError(
        t, absl::StrCat("the prefix length must be 1 to ", width_bits));
  }
  const U128 host = bits == 128 ? 0 : (U128{1} << (width_bits - bits)) - 1;
  const U128 first = ToNumber(*base);
  if ((first & host) != 0) {
    return RangeError(t,
                      "the address has bits set past the prefix length: "
                      "write the network's first address");
  }
  m->first = *base;
  m->last = FromNumber(base->family, first | host);
  return absl::OkStatus();
}

// A-B (B a whole address) or A-N (N replaces the last byte of an IPv4
// address, decimal, or the last 16-bit group of an IPv6 one, hex).
absl::Status ParseDashRange(const Token& t, size_t dash, VsGroupMember* m) {
  absl::string_view text = t.text;
  absl::StatusOr<IpAddress> first = IpAddress::Parse(text.substr(0, dash));
  if (!first.ok()) {
    return RangeError(t, "wants ADDRESS-LAST, e.g. 192.168.200.3-10");
  }
  absl::string_view end = text.substr(dash + 1);
  IpAddress last = *first;
  if (end.find(first->is_v4() ? '.' : ':') != absl::string_view::npos) {
    absl::StatusOr<IpAddress> whole = IpAddress::Parse(end);
    if (!whole.ok() || whole->family != first->family) {
      return RangeError(t,
                        "the range's end is not an address of the same "
                        "family");
    }
    last = *whole;
  } else {
    uint32_t n = 0;
    const bool ok = first->is_v4()
                        ? absl::SimpleAtoi(end, &n) && n <= 255
                        : absl::SimpleHexAtoi(end, &n) && n <= 0xffff;
    if (!ok) {
      return RangeError(t, first->is_v4()
                               ? "the range's end is the last byte, 0-255"
                               : "the range's end is the last 16-bit group, "
                                 "hex 0-ffff");
    }
    if (first->is_v4()) {
      last.bytes[3] = static_cast<uint8_t>(n);
    } else {
      last.bytes[14] = static_cast<uint8_t>(n >> 8);
      last.bytes[15] = static_cast<uint8_t>(n);
    }
  }
  if (ToNumber(last) <= ToNumber(*first)) {
    return RangeError(t, "the range's end must be above its start");
  }
  m->first = *first;
  m->last = last;
  return absl::OkStatus();
}

absl::Status ParseMember(const Node& s, VsGroupMember* m) {
  const Token& t = s.keyword;
  m->where = t.where;
  if (s.has_block || s.args.size() > 1) {
    return ExpectArgs(s, 0, 1, "IP [PORT], IP-RANGE [PORT]");
  }
  if (size_t slash = t.text.find('/'); slash != std::string::npos) {
    RETURN_IF_ERROR(ParseCidr(t, slash, m));
  } else if (size_t dash = t.text.find('-'); dash != std::string::npos) {
    RETURN_IF_ERROR(ParseDashRange(t, dash, m));
  } else {
    ASSIGN_OR_RETURN(m->first, IpValue(t, "virtual_server_group member"));
    m->last = m->first;
  }
  // keepalived: no port (or 0) is the whole address, as "virtual_server IP 0".
  if (!s.args.empty()) {
    ASSIGN_OR_RETURN(m->port,
                     PortValue(s.args[0], "virtual_server_group member port"));
  }
  if (ToNumber(m->last) - ToNumber(m->first) >= kMaxMembers) {
    return RangeError(
        t, absl::StrCat("more than ", static_cast<uint64_t>(kMaxMembers),
                        " addresses; dsrlb's table holds 65535 "
                        "virtual servers"));
  }
  return absl::OkStatus();
}

std::string Endpoint(const IpAddress& ip, uint16_t port) {
  return ip.is_v4() ? absl::StrCat(ip.ToString(), " ", port)
                    : absl::StrCat("[", ip.ToString(), "] ", port);
}

// No address and port twice in one group (keepalived would make one IPVS
// service of both and remove it when either goes).
absl::Status CheckOverlaps(const VsGroup& g) {
  std::map<std::pair<IpAddress, uint16_t>, int> seen;
  U128 total = 0;
  for (const VsGroupMember& m : g.members) {
    const U128 last = ToNumber(m.last);
    total += last - ToNumber(m.first) + 1;
    if (total > kMaxMembers) {
      return ErrorAt(m.where,
                     absl::StrCat("virtual_server_group ", g.name,
                                  " has more than 65535 addresses; dsrlb's "
                                  "table holds 65535 virtual servers"));
    }
    const U128 first = ToNumber(m.first);
    for (U128 i = 0; i <= last - first; i++) {
      IpAddress ip = FromNumber(m.first.family, first + i);
      auto [it, fresh] = seen.emplace(std::make_pair(ip, m.port), m.where.line);
      if (!fresh) {
        return ErrorAt(m.where, absl::StrCat("virtual_server_group ", g.name,
                                             ": ", Endpoint(ip, m.port),
                                             " is already a member (line ",
                                             it->second, ")"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseVirtualServerGroup(const Node& n, VsGroup* out) {
  out->where = n.keyword.where;
  if (n.args.size() != 1 || !n.has_block) {
    return ErrorAt(n.keyword.where,
                   "'virtual_server_group' wants a name and a { } block "
                   "(virtual_server_group NAME { IP PORT ... })");
  }
  out->name = n.args[0].text;
  for (const Node& s : n.children) {
    if (s.keyword.text == "fwmark") {
      return ErrorAt(s.keyword.where,
                     "'fwmark' in virtual_server_group is not supported by "
                     "dsrlb: a firewall mark is the kernel's (netfilter), and "
                     "dsrlb's dataplane matches address, protocol and port; "
                     "list the addresses (IP PORT, IP-RANGE PORT, IP/PREFIX "
                     "PORT)");
    }
    VsGroupMember m;
    RETURN_IF_ERROR(ParseMember(s, &m));
    out->members.push_back(m);
  }
  if (out->members.empty()) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("virtual_server_group ", out->name,
                                " has no members: list 'IP PORT' lines"));
  }
  return CheckOverlaps(*out);
}

absl::Status ExpandGroups(const std::vector<VsGroup>& groups,
                          std::vector<VirtualServer>* servers) {
  std::map<std::string, const VsGroup*> by_name;
  for (const VsGroup& g : groups) {
    auto [it, fresh] = by_name.emplace(g.name, &g);
    if (!fresh) {
      return ErrorAt(g.where, absl::StrCat("duplicate virtual_server_group ",
                                           g.name, " (first at line ",
                                           it->second->where.line, ")"));
    }
  }
  std::vector<VirtualServer> out;
  for (VirtualServer& vs : *servers) {
    if (vs.group.empty()) {
      out.push_back(std::move(vs));
      continue;
    }
    auto it = by_name.find(vs.group);
    if (it == by_name.end()) {
      return ErrorAt(vs.where, absl::StrCat("virtual_server group ", vs.group,
                                            ": no virtual_server_group named '",
                                            vs.group, "'"));
    }
    size_t index = 0;
    for (const VsGroupMember& m : it->second->members) {
      const U128 first = ToNumber(m.first);
      for (U128 i = 0; i <= ToNumber(m.last) - first; i++) {
        VirtualServer member = vs;
        member.address = FromNumber(m.first.family, first + i);
        member.port = m.port;
        member.group_member = index++;
        RETURN_IF_ERROR(CheckGranularityFamily(member, vs.where));
        member.where = m.where;
        out.push_back(std::move(member));
      }
    }
  }
  *servers = std::move(out);
  return absl::OkStatus();
}

}  // namespace dsrlb::config
