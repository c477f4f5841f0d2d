// virtual_server IP PORT { ... }: scheduling, persistence, quorum.
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/server_rules.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// The state one virtual_server block fills while its keywords are parsed.
struct ServerParse {
  VirtualServer* vs;
  bool have_kind = false;
  bool have_quorum = false;
  bool have_hysteresis = false;
  SourceLocation hysteresis_where;
  SourceLocation quorum_where;
  bool have_persistence_timeout = false;
  SourceLocation granularity_where;
  std::string virtualhost;  // the default of its HTTP_GET / SSL_GET checkers
};

// keepalived's persistence when persistence_granularity comes without a
// persistence_timeout (IPVS_SVC_PERSISTENT_TIMEOUT).
constexpr uint32_t kDefaultPersistenceS = 360;

// persistence_granularity 255.255.255.0 (IPv4: a netmask, its ones
// contiguous) or 64 (IPv6: a prefix length), as ipvsadm -M.
absl::Status ParseGranularity(const Node& s, ServerParse& p) {
  RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "persistence_granularity NETMASK"));
  const Token& t = s.args[0];
  p.granularity_where = t.where;
  if (t.text.find('.') == std::string::npos) {
    ASSIGN_OR_RETURN(int64_t bits,
                     IntValue(t,
                              "persistence_granularity (an IPv6 prefix "
                              "length; IPv4 takes a netmask)",
                              1, 128));
    p.vs->persistence_granularity = static_cast<int>(bits);
    p.vs->persistence_granularity_family = 6;
    return absl::OkStatus();
  }
  absl::StatusOr<IpAddress> mask = IpAddress::Parse(t.text);
  if (!mask.ok() || !mask->is_v4()) {
    return ErrorAt(t.where, absl::StrCat("persistence_granularity '", t.text,
                                         "' is not an IPv4 netmask (e.g. "
                                         "255.255.255.0)"));
  }
  uint32_t m = 0;
  for (int i = 0; i < 4; i++) m = m << 8 | mask->bytes[i];
  const int bits = __builtin_popcount(m);
  if (bits == 0 || m != ~uint32_t{0} << (32 - bits)) {
    return ErrorAt(
        t.where,
        absl::StrCat("persistence_granularity ", t.text,
                     bits == 0 ? " would send every client to one real "
                                 "server: use a netmask with at least one bit"
                               : " is not a netmask: its one bits must be "
                                 "contiguous from the left"));
  }
  p.vs->persistence_granularity = bits;
  p.vs->persistence_granularity_family = 4;
  return absl::OkStatus();
}

absl::Status ParseLbAlgo(const Node& s, VirtualServer* vs) {
  RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "lb_algo rr|wrr|mh|sh"));
  for (absl::string_view other : {"lc", "wlc", "lblc", "lblcr", "dh", "sed",
                                  "nq", "fo", "ovf", "twos", "mhs"}) {
    if (EqualsIgnoreCase(s.args[0].text, other)) {
      return ErrorAt(s.args[0].where,
                     absl::StrCat("lb_algo '", s.args[0].text,
                                  "' is not supported by dsrlb: use "
                                  "rr, wrr, mh or sh (all consistent "
                                  "hashing on a weighted Maglev ring)"));
    }
  }
  ASSIGN_OR_RETURN(vs->lb_algo, EnumValue<LbAlgo>(s.args[0], "lb_algo",
                                                  {{"rr", LbAlgo::kRr},
                                                   {"wrr", LbAlgo::kWrr},
                                                   {"mh", LbAlgo::kMh},
                                                   {"sh", LbAlgo::kSh}}));
  return absl::OkStatus();
}

absl::Status ParseLbKind(const Node& s, bool* have_kind) {
  RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "lb_kind DR"));
  const std::string& k = s.args[0].text;
  if (EqualsIgnoreCase(k, "NAT") || EqualsIgnoreCase(k, "TUN")) {
    return ErrorAt(s.args[0].where,
                   absl::StrCat("lb_kind ", k,
                                " is not supported by dsrlb: only DR "
                                "(direct server return) is"));
  }
  if (!EqualsIgnoreCase(k, "DR")) {
    return BadChoice(s.args[0], "lb_kind", "DR");
  }
  *have_kind = true;
  return absl::OkStatus();
}

// sorry_server IP [PORT]: no port means the virtual server's (keepalived).
absl::Status ParseSorryServer(const Node& s, VirtualServer* vs) {
  RETURN_IF_ERROR(ExpectArgs(s, 1, 2, "sorry_server IP [PORT]"));
  SorryServer sorry;
  sorry.where = s.keyword.where;
  ASSIGN_OR_RETURN(sorry.address, IpValue(s.args[0], "sorry_server"));
  sorry.port = vs->port;
  if (s.args.size() == 2) {
    ASSIGN_OR_RETURN(uint16_t port, PortValue(s.args[1], "sorry_server port"));
    // keepalived reads port 0 as "no port".
    if (port != 0 && port != vs->port) {
      return ErrorAt(
          s.args[1].where,
          absl::StrCat("sorry_server port ", port,
                       " differs from virtual_server port ", vs->port,
                       ": lb_kind DR cannot map ports; the sorry server must "
                       "listen on ",
                       vs->port, " (or leave the port out)"));
    }
  }
  if (absl::Status st = CheckRealServerFamily(vs->address, sorry.address);
      !st.ok()) {
    return ErrorAt(s.args[0].where,
                   absl::StrCat("sorry_server ", sorry.address.ToString(),
                                " is not the same IP family as virtual_server ",
                                vs->address.ToString(),
                                ": direct server return cannot change it"));
  }
  vs->sorry_server = std::move(sorry);
  return absl::OkStatus();
}

// How connections are spread: algorithm, forwarding kind, persistence,
// protocol (with keepalived's own spellings lvs_sched and lvs_method).
std::vector<Keyword> SchedulingKeywords(ServerParse& p) {
  return {
      {"delay_loop",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "delay_loop SECONDS"));
         ASSIGN_OR_RETURN(
             p.vs->delay_loop,
             SecondsValue(s.args[0], "delay_loop", absl::Milliseconds(10),
                          absl::Hours(24)));
         return absl::OkStatus();
       }},
      {"persistence_timeout",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "persistence_timeout SECONDS"));
         ASSIGN_OR_RETURN(int64_t v, IntValue(s.args[0], "persistence_timeout",
                                              0, kMaxPersistenceTimeoutS));
         p.vs->persistence_timeout_s = static_cast<uint32_t>(v);
         p.have_persistence_timeout = true;
         return absl::OkStatus();
       }},
      {"persistence_granularity",
       [&p](const Node& s) { return ParseGranularity(s, p); }},
      {"ha_suspend",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(p.vs->ha_suspend, FlagValue(s));
         return absl::OkStatus();
       }},
      {"protocol",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "protocol TCP|UDP"));
         if (EqualsIgnoreCase(s.args[0].text, "SCTP")) {
           return ErrorAt(s.args[0].where,
                          "protocol SCTP is not supported by dsrlb: use TCP "
                          "or UDP");
         }
         ASSIGN_OR_RETURN(p.vs->protocol,
                          EnumValue<Protocol>(s.args[0], "protocol",
                                              {{"TCP", Protocol::kTcp},
                                               {"UDP", Protocol::kUdp}}));
         return absl::OkStatus();
       }},
      {"lb_algo", [&p](const Node& s) { return ParseLbAlgo(s, p.vs); }, false,
       "lb_algo"},
      {"lvs_sched", [&p](const Node& s) { return ParseLbAlgo(s, p.vs); }, false,
       "lb_algo"},
      {"lb_kind", [&p](const Node& s) { return ParseLbKind(s, &p.have_kind); },
       false, "lb_kind"},
      {"lvs_method",
       [&p](const Node& s) { return ParseLbKind(s, &p.have_kind); }, false,
       "lb_kind"},
  };
}

// The real servers and what happens when too few of them are up.
std::vector<Keyword> QuorumKeywords(ServerParse& p) {
  return {
      {"quorum",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "quorum WEIGHT"));
         ASSIGN_OR_RETURN(int64_t v,
                          IntValue(s.args[0], "quorum", 1, 0xffffffffLL));
         p.vs->quorum = static_cast<uint32_t>(v);
         p.have_quorum = true;
         p.quorum_where = s.args[0].where;
         return absl::OkStatus();
       }},
      {"hysteresis",
       [&p](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "hysteresis WEIGHT"));
         ASSIGN_OR_RETURN(int64_t v,
                          IntValue(s.args[0], "hysteresis", 0, 0xffffffffLL));
         p.vs->hysteresis = static_cast<uint32_t>(v);
         p.have_hysteresis = true;
         p.hysteresis_where = s.args[0].where;
         return absl::OkStatus();
       }},
      {"alpha",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(p.vs->alpha, FlagValue(s));
         return absl::OkStatus();
       }},
      {"omega",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(p.vs->omega, FlagValue(s));
         return absl::OkStatus();
       }},
      {"quorum_up",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(p.vs->quorum_up, ScriptValue(s));
         return absl::OkStatus();
       }},
      {"quorum_down",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(p.vs->quorum_down, ScriptValue(s));
         return absl::OkStatus();
       }},
      {"sorry_server",
       [&p](const Node& s) { return ParseSorryServer(s, p.vs); }},
      {"sorry_server_inhibit",
       [&p](const Node& s) {
         ASSIGN_OR_RETURN(bool on, FlagValue(s));
         if (!p.vs->sorry_server.has_value()) {
           return ErrorAt(s.keyword.where,
                          "'sorry_server_inhibit' needs a 'sorry_server' "
                          "line before it (keepalived ignores it otherwise)");
         }
         p.vs->sorry_server->inhibit = on;
         return absl::OkStatus();
       }},
      {"real_server",
       [&p](const Node& s) {
         RealServer rs;
         RETURN_IF_ERROR(ParseRealServer(s, &rs));
         p.vs->real_servers.push_back(std::move(rs));
         return absl::OkStatus();
       },
       true},
  };
}

// Every keyword of the block, and those keepalived knows but dsrlb does not.
absl::Status DispatchServerBlock(const Node& n, ServerParse& p) {
  std::vector<Keyword> kw = SchedulingKeywords(p);
  std::vector<Keyword> quorum = QuorumKeywords(p);
  kw.insert(kw.end(), std::make_move_iterator(quorum.begin()),
            std::make_move_iterator(quorum.end()));
  AddVirtualhostKeyword(&p.virtualhost, &kw);
  return DispatchBlock(n.children, "virtual_server", kw,
                       {"sorry_server_lvs_method",
                        "persistence_engine",
                        "ops",
                        "one_packet_scheduling",
                        "retry",
                        "delay_before_retry",
                        "warmup",
                        "connect_timeout",
                        "inhibit_on_failure",
                        "smtp_alert",
                        "quorum_up_down",
                        "lb_algo_flags",
                        "lvs_flags",
                        "hashed",
                        "flag-1",
                        "flag-2",
                        "flag-3",
                        "sh-port",
                        "sh-fallback",
                        "mh-port",
                        "mh-fallback",
                        "ip_family",
                        "notify_up",
                        "notify_down"});
}

// keepalived lowers a quorum above the real servers' total weight to that
// total with a warning; dsrlb says so instead of running with another value.
absl::Status CheckQuorumReachable(const ServerParse& p) {
  if (!p.have_quorum) return absl::OkStatus();
  uint64_t total = 0;
  for (const RealServer& rs : p.vs->real_servers) total += rs.weight;
  if (p.vs->quorum <= total) return absl::OkStatus();
  return ErrorAt(
      p.quorum_where,
      absl::StrCat("quorum ", p.vs->quorum, " exceeds the total weight ", total,
                   " of the real servers: the virtual server could "
                   "never have quorum (keepalived lowers it to ",
                   total, ")"));
}

// persistence_granularity groups clients for persistence: it needs some
// (keepalived's 360 s when no persistence_timeout is written), and a plain
// virtual server's family (a group's members are checked when expanded).
absl::Status CheckGranularity(const ServerParse& p) {
  VirtualServer& vs = *p.vs;
  if (vs.persistence_granularity == 0) return absl::OkStatus();
  if (!p.have_persistence_timeout) {
    vs.persistence_timeout_s = kDefaultPersistenceS;
  } else if (vs.persistence_timeout_s == 0) {
    return ErrorAt(p.granularity_where,
                   "persistence_granularity needs persistence, which "
                   "'persistence_timeout 0' turns off");
  }
  if (!vs.group.empty()) return absl::OkStatus();
  return CheckGranularityFamily(vs, p.granularity_where);
}

// What a complete virtual server must have once every keyword was read.
absl::Status CheckServerComplete(const Node& n, const ServerParse& p) {
  if (!p.have_kind) {
    return ErrorAt(n.keyword.where,
                   "virtual_server has no 'lb_kind': keepalived would default "
                   "to NAT, which dsrlb does not support; add 'lb_kind DR'");
  }
  RETURN_IF_ERROR(CheckGranularity(p));
  if (p.have_hysteresis && p.vs->hysteresis >= p.vs->quorum) {
    return ErrorAt(
        p.hysteresis_where,
        absl::StrCat("hysteresis ", p.vs->hysteresis, " must be below quorum ",
                     p.vs->quorum, p.have_quorum ? "" : " (the default)"));
  }
  RETURN_IF_ERROR(CheckQuorumReachable(p));
  if (p.vs->sorry_server.has_value()) {
    for (const RealServer& rs : p.vs->real_servers) {
      if (rs.address == p.vs->sorry_server->address &&
          rs.port == p.vs->sorry_server->port) {
        return ErrorAt(
            p.vs->sorry_server->where,
            absl::StrCat("sorry_server ", rs.address.ToString(),
                         " is also a real_server of this virtual_server (",
                         rs.where.file, ":", rs.where.line,
                         "): a sorry server stands in for the real servers, "
                         "name another host"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckGranularityFamily(const VirtualServer& vs,
                                    const SourceLocation& where) {
  const uint8_t family = vs.persistence_granularity_family;
  if (family == 0 || family == vs.address.family) return absl::OkStatus();
  return ErrorAt(
      where,
      absl::StrCat("persistence_granularity ",
                   family == 4 ? "is an IPv4 netmask, but " : "",
                   family == 6 ? "is an IPv6 prefix length, but " : "",
                   "virtual_server ", vs.address.ToString(), " is IPv",
                   static_cast<int>(vs.address.family),
                   family == 4 ? ": write a prefix length (1-128)"
                               : ": write a netmask such as 255.255.255.0"));
}

absl::Status ParseVirtualServer(const Node& n, VirtualServer* vs) {
  vs->where = n.keyword.where;
  if (!n.args.empty() && n.args[0].text == "fwmark") {
    return ErrorAt(n.args[0].where,
                   "'virtual_server fwmark' is not supported by dsrlb: a "
                   "firewall mark is the kernel's (netfilter), and dsrlb's "
                   "dataplane matches address, protocol and port; write "
                   "'virtual_server IP PORT' or a virtual_server_group of "
                   "addresses");
  }
  if (n.args.size() != 2) {
    return ErrorAt(n.keyword.where,
                   "'virtual_server' wants an address and a port "
                   "(virtual_server IP PORT { ... }) or a group "
                   "(virtual_server group NAME { ... })");
  }
  if (n.args[0].text == "group") {
    // The members' addresses and ports come when the groups are known
    // (ExpandGroups, after the whole file).
    vs->group = n.args[1].text;
  } else {
    ASSIGN_OR_RETURN(vs->address, IpValue(n.args[0], "virtual_server"));
    ASSIGN_OR_RETURN(vs->port, PortValue(n.args[1], "virtual_server port"));
  }
  if (!n.has_block) {
    return ErrorAt(n.keyword.where, "'virtual_server' needs a { } block");
  }
  ServerParse p{vs};
  RETURN_IF_ERROR(DispatchServerBlock(n, p));
  for (RealServer& rs : vs->real_servers)
    DefaultVirtualhost(p.virtualhost, &rs);
  return CheckServerComplete(n, p);
}

}  // namespace dsrlb::config
