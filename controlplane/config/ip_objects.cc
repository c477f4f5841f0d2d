// static_ipaddress, static_routes, static_rules and a vrrp_instance's
// virtual_routes / virtual_rules: the common `ip address|route|rule add`
// forms of keepalived.conf(5), one per line; the rest is refused.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

constexpr char kRouteUsage[] =
    "[src IP] DEST[/PREFIX] [via|gw GW [or GW]...] [dev IF] [metric N] "
    "[table T] [scope S], or blackhole DEST[/PREFIX]";
constexpr char kRuleUsage[] =
    "[from PREFIX|all] [to PREFIX|all] [table T] [priority N]";
constexpr char kAddressUsage[] =
    "ADDRESS[/PREFIX] dev IF [scope S] [label LABEL]";

// What keepalived (iproute2) knows on these lines and dsrlb does not do.
bool KnownUnsupported(absl::string_view section, absl::string_view w) {
  constexpr absl::string_view kAddress =
      " brd broadcast peer home -nodad nodad mngtmpaddr noprefixroute "
      "autojoin track_group preferred_lft no_track ";
  constexpr absl::string_view kRoute =
      " nexthop tos dsfield protocol proto mtu hoplimit advmss rtt rttvar "
      "reordering window cwnd ssthresh lock realms rto_min initcwnd initrwnd "
      "features quickack congctl pref onlink weight append track_group "
      "no_track vrf expires encap unreachable prohibit throw local broadcast "
      "anycast multicast nat unicast fastopen_no_cookie ";
  constexpr absl::string_view kRule =
      " iif oif tos dsfield fwmark realms goto nop uidrange l3mdev ip_proto "
      "sport dport suppress_prefixlength suppress_ifgroup protocol "
      "track_group no_track not blackhole unreachable prohibit unicast nat "
      "map-to ";
  const absl::string_view list = absl::EndsWith(section, "ipaddress") ? kAddress
                                 : absl::EndsWith(section, "routes")  ? kRoute
                                                                      : kRule;
  return !w.empty() && absl::StrContains(list, absl::StrCat(" ", w, " "));
}

// The words of one line, read left to right.
class Cursor {
 public:
  Cursor(const Node& line, absl::string_view section) : section_(section) {
    words_.push_back(line.keyword);
    words_.insert(words_.end(), line.args.begin(), line.args.end());
  }
  bool done() const { return i_ >= words_.size(); }
  const Token& Next() { return words_[i_++]; }
  // The value that follows option `opt`.
  absl::StatusOr<Token> Value(const Token& opt) {
    if (done()) {
      return ErrorAt(opt.where, absl::StrCat("'", opt.text, "' in ", section_,
                                             " is missing its value"));
    }
    return Next();
  }
  // `w` is neither an option nor the value expected here.
  absl::Status Unexpected(const Token& w, absl::string_view usage) const {
    if (KnownUnsupported(section_, w.text)) return NotSupported(w, section_);
    return ErrorAt(w.where, absl::StrCat("unknown option '", w.text, "' in ",
                                         section_, " (", usage, ")"));
  }

 private:
  std::vector<Token> words_;
  size_t i_ = 0;
  absl::string_view section_;
};

struct Prefix {
  IpAddress address;
  int len = 0;
};

bool HasHostBits(const Prefix& p) {
  const int bytes = p.address.is_v4() ? 4 : 16;
  for (int b = 0; b < bytes; ++b) {
    const int keep = std::clamp(p.len - 8 * b, 0, 8);
    const auto mask = static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
    if ((p.address.bytes[b] & ~mask) != 0) return true;
  }
  return false;
}

// ADDRESS[/LEN] (LEN default: the whole address); a network (`network`)
// must have no bits set past LEN: the kernel refuses such a route or rule.
absl::StatusOr<Prefix> PrefixValue(const Token& t, absl::string_view what,
                                   bool network) {
  const size_t slash = t.text.find('/');
  Token addr = t;
  addr.text = t.text.substr(0, slash);
  Prefix p;
  ASSIGN_OR_RETURN(p.address, IpValue(addr, what));
  const int max = p.address.is_v4() ? 32 : 128;
  p.len = max;
  if (slash != std::string::npos) {
    Token len = t;
    len.text = t.text.substr(slash + 1);
    len.where.column += static_cast<int>(slash) + 1;
    ASSIGN_OR_RETURN(int64_t l,
                     IntValue(len, absl::StrCat(what, " prefix"), 0, max));
    p.len = static_cast<int>(l);
  }
  if (network && HasHostBits(p)) {
    return ErrorAt(
        t.where, absl::StrCat(what, " ", t.text, " has bits set past /", p.len,
                              ": write the network's address"));
  }
  return p;
}

absl::StatusOr<uint32_t> TableValue(const Token& t) {
  if (t.text == "main") return 254;
  if (t.text == "default") return 253;
  if (t.text == "local") return 255;
  if (t.text.empty() || !std::all_of(t.text.begin(), t.text.end(), ::isdigit)) {
    return ErrorAt(t.where, absl::StrCat("table wants a number or main, "
                                         "default, local, got '",
                                         t.text,
                                         "' (dsrlb does not read "
                                         "/etc/iproute2/rt_tables)"));
  }
  ASSIGN_OR_RETURN(int64_t v, IntValue(t, "table", 1, 4294967295LL));
  return static_cast<uint32_t>(v);
}

absl::StatusOr<uint8_t> ScopeValue(const Token& t) {
  const std::pair<absl::string_view, uint8_t> kNames[] = {
      {"global", 0}, {"universe", 0}, {"site", 200},
      {"link", 253}, {"host", 254},   {"nowhere", 255}};
  for (const auto& [name, v] : kNames)
    if (t.text == name) return v;
  if (!t.text.empty() && std::all_of(t.text.begin(), t.text.end(), ::isdigit)) {
    ASSIGN_OR_RETURN(int64_t v, IntValue(t, "scope", 0, 255));
    return static_cast<uint8_t>(v);
  }
  return BadChoice(t, "scope", "global|site|link|host|nowhere|0-255");
}

absl::Status NoBlock(const Node& line, absl::string_view section) {
  if (!line.has_block) return absl::OkStatus();
  return ErrorAt(line.keyword.where,
                 absl::StrCat(section,
                              " lists one entry per line; no { } "
                              "block"));
}

// The route option `w` and its value; false in *known when `w` is none.
absl::Status RouteOption(const Token& w, Cursor& c, IpRoute* r, bool* known) {
  *known = true;
  if (w.text == "via" || w.text == "gw" || w.text == "or") {
    ASSIGN_OR_RETURN(Token v, c.Value(w));
    if (w.text == "or" && r->via.empty()) {
      return ErrorAt(w.where,
                     "'or' adds a gateway to 'via GW': write via first");
    }
    if (w.text != "or" && !r->via.empty()) {
      return ErrorAt(w.where, "a second gateway is written 'or GW'");
    }
    ASSIGN_OR_RETURN(IpAddress gw, IpValue(v, w.text));
    r->via.push_back(gw);
  } else if (w.text == "dev" || w.text == "oif") {
    ASSIGN_OR_RETURN(Token v, c.Value(w));
    r->dev = v.text;
  } else if (w.text == "src") {
    ASSIGN_OR_RETURN(Token v, c.Value(w));
    ASSIGN_OR_RETURN(r->src, IpValue(v, "src"));
  } else if (w.text == "metric" || w.text == "priority" ||
             w.text == "preference") {
    ASSIGN_OR_RETURN(Token v, c.Value(w));
    ASSIGN_OR_RETURN(int64_t m, IntValue(v, w.text, 0, 4294967295LL));
    r->metric = static_cast<uint32_t>(m);
  } else if (w.text == "table") {
    ASSIGN_OR_RETURN(Token v, c.Value(w));
    ASSIGN_OR_RETURN(r->table, TableValue(v));
  } else if (w.text == "scope") {
    ASSIGN_OR_RETURN(Token v, c.Value(w));
    ASSIGN_OR_RETURN(r->scope, ScopeValue(v));
  } else {
    *known = false;
  }
  return absl::OkStatus();
}

// What the words of a route must agree on once all are read.
absl::Status CheckRoute(const Node& line, const IpRoute& r, bool have_dest,
                        bool inet6) {
  const SourceLocation& at = line.keyword.where;
  if (!have_dest) {
    return ErrorAt(
        at, absl::StrCat("route without a destination (", kRouteUsage, ")"));
  }
  const uint8_t fam = r.dest.family;
  if (inet6 && fam != 6) {
    return ErrorAt(at, "'inet6' on a route to an IPv4 destination");
  }
  for (const IpAddress& gw : r.via) {
    if (gw.family != fam) {
      return ErrorAt(at, absl::StrCat("gateway ", gw.ToString(),
                                      " is not of the destination's family"));
    }
  }
  if (r.src && r.src->family != fam) {
    return ErrorAt(at, absl::StrCat("src ", r.src->ToString(),
                                    " is not of the destination's family"));
  }
  if (r.blackhole && (!r.via.empty() || !r.dev.empty())) {
    return ErrorAt(at, "a blackhole route has no gateway and no device");
  }
  if (!r.blackhole && r.via.empty() && r.dev.empty()) {
    return ErrorAt(at, "route needs 'via GW' or 'dev IF' (or is blackhole)");
  }
  return absl::OkStatus();
}

absl::Status ParseRouteLine(const Node& line, absl::string_view section,
                            IpRoute* r) {
  RETURN_IF_ERROR(NoBlock(line, section));
  r->where = line.keyword.where;
  Cursor c(line, section);
  bool have_dest = false, inet6 = false;
  while (!c.done()) {
    const Token& w = c.Next();
    bool known = false;
    RETURN_IF_ERROR(RouteOption(w, c, r, &known));
    if (known) continue;
    if (w.text == "blackhole" || w.text == "inet6") {
      (w.text == "blackhole" ? r->blackhole : inet6) = true;
      continue;
    }
    Token dest = w;
    if (w.text == "to") {
      ASSIGN_OR_RETURN(dest, c.Value(w));
    } else if (have_dest || KnownUnsupported(section, w.text) ||
               (!std::isdigit(static_cast<unsigned char>(w.text[0])) &&
                w.text.find(':') == std::string::npos)) {
      return c.Unexpected(w, kRouteUsage);
    }
    if (have_dest) return ErrorAt(dest.where, "route has two destinations");
    ASSIGN_OR_RETURN(Prefix p, PrefixValue(dest, "destination", true));
    r->dest = p.address;
    r->prefix_len = p.len;
    have_dest = true;
  }
  return CheckRoute(line, *r, have_dest, inet6);
}

// from/to PREFIX|all of a rule.
absl::Status RuleSelector(const Token& w, Cursor& c, IpRule* r) {
  ASSIGN_OR_RETURN(Token v, c.Value(w));
  if (v.text == "all") return absl::OkStatus();
  ASSIGN_OR_RETURN(Prefix p, PrefixValue(v, w.text, true));
  (w.text == "from" ? r->from : r->to) = p.address;
  (w.text == "from" ? r->from_len : r->to_len) = p.len;
  return absl::OkStatus();
}

absl::Status ParseRuleLine(const Node& line, absl::string_view section,
                           IpRule* r) {
  RETURN_IF_ERROR(NoBlock(line, section));
  r->where = line.keyword.where;
  Cursor c(line, section);
  bool inet6 = false;
  while (!c.done()) {
    const Token& w = c.Next();
    if (w.text == "from" || w.text == "to") {
      RETURN_IF_ERROR(RuleSelector(w, c, r));
    } else if (w.text == "table" || w.text == "lookup") {
      ASSIGN_OR_RETURN(Token v, c.Value(w));
      ASSIGN_OR_RETURN(r->table, TableValue(v));
    } else if (w.text == "priority" || w.text == "preference" ||
               w.text == "pref" || w.text == "order") {
      ASSIGN_OR_RETURN(Token v, c.Value(w));
      ASSIGN_OR_RETURN(int64_t n, IntValue(v, w.text, 0, 4294967295LL));
      r->priority = static_cast<uint32_t>(n);
    } else if (w.text == "inet6") {
      inet6 = true;
    } else {
      return c.Unexpected(w, kRuleUsage);
    }
  }
  r->family = static_cast<uint8_t>(inet6     ? 6
                                   : r->from ? r->from->family
                                   : r->to   ? r->to->family
                                             : 4);
  for (const auto* a : {&r->from, &r->to}) {
    if (a->has_value() && (*a)->family != r->family) {
      return ErrorAt(line.keyword.where,
                     "a rule's from and to (and inet6) must be of one family");
    }
  }
  return absl::OkStatus();
}

absl::Status ParseAddressLine(const Node& line, absl::string_view section,
                              StaticAddress* a) {
  RETURN_IF_ERROR(NoBlock(line, section));
  a->where = line.keyword.where;
  Cursor c(line, section);
  ASSIGN_OR_RETURN(Prefix p, PrefixValue(c.Next(), section, false));
  a->address = p.address;
  a->prefix_len = p.len;
  while (!c.done()) {
    const Token& w = c.Next();
    if (w.text == "dev" || w.text == "label") {
      ASSIGN_OR_RETURN(Token v, c.Value(w));
      (w.text == "dev" ? a->dev : a->label) = v.text;
    } else if (w.text == "scope") {
      ASSIGN_OR_RETURN(Token v, c.Value(w));
      ASSIGN_OR_RETURN(a->scope, ScopeValue(v));
    } else {
      return c.Unexpected(w, kAddressUsage);
    }
  }
  if (a->dev.empty()) {
    return ErrorAt(line.keyword.where,
                   absl::StrCat(section,
                                " needs 'dev IF' (keepalived would use its "
                                "default_interface, eth0)"));
  }
  if (!a->label.empty() && !a->address.is_v4()) {
    return ErrorAt(line.keyword.where, "'label' is for IPv4 addresses");
  }
  return absl::OkStatus();
}

// Each line of block `n` through `parse`, collecting every line's error.
template <typename T, typename F>
absl::Status ParseLines(const Node& n, std::vector<T>* out, F parse) {
  RETURN_IF_ERROR(ExpectBlock(n));
  ErrorList errors;
  for (const Node& line : n.children) {
    T item;
    absl::Status s = parse(line, n.keyword.text, &item);
    if (s.ok()) {
      out->push_back(std::move(item));
    } else {
      errors.Add(s);
    }
  }
  return errors.status();
}

}  // namespace

absl::Status ParseStaticAddresses(const Node& n,
                                  std::vector<StaticAddress>* out) {
  return ParseLines(n, out, ParseAddressLine);
}

absl::Status ParseRoutes(const Node& n, std::vector<IpRoute>* out) {
  return ParseLines(n, out, ParseRouteLine);
}

absl::Status ParseRules(const Node& n, std::vector<IpRule>* out,
                        uint32_t* next_priority) {
  const size_t first = out->size();
  absl::Status status = ParseLines(n, out, ParseRuleLine);
  for (size_t i = first; i < out->size(); ++i) {
    if (!(*out)[i].priority) (*out)[i].priority = (*next_priority)--;
  }
  return status;
}

}  // namespace dsrlb::config
