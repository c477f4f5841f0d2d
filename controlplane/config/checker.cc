// The checker blocks of a real_server: TCP_CHECK, HTTP_GET, SSL_GET,
// MISC_CHECK, PING_CHECK, UDP_CHECK, SMTP_CHECK, DNS_CHECK and dsrlb's
// DSR_CHECK.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// keepalived's `status_code` word: 200, or an inclusive range 200-299.
absl::StatusOr<StatusCodeRange> StatusCodeValue(const Token& t) {
  const size_t dash = t.text.find('-');
  if (dash == std::string::npos) {
    ASSIGN_OR_RETURN(int64_t v, IntValue(t, "status_code", 100, 599));
    return StatusCodeRange{static_cast<int>(v), static_cast<int>(v)};
  }
  Token first = t, last = t;
  first.text = t.text.substr(0, dash);
  last.text = t.text.substr(dash + 1);
  auto lo = IntValue(first, "status_code", 100, 599);
  auto hi = IntValue(last, "status_code", 100, 599);
  if (!lo.ok() || !hi.ok() || *lo > *hi) {
    return ErrorAt(t.where, absl::StrCat("status_code range '", t.text,
                                         "' wants FIRST-LAST, two codes from "
                                         "100 to 599, FIRST <= LAST"));
  }
  return StatusCodeRange{static_cast<int>(*lo), static_cast<int>(*hi)};
}

absl::Status ParseUrl(const Node& n, HttpUrl* url) {
  RETURN_IF_ERROR(ExpectBlock(n));
  bool have_path = false;
  std::vector<Keyword> kw = {
      {"path",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "path /URI"));
         if (s.args[0].text.empty() || s.args[0].text[0] != '/') {
           return ErrorAt(s.args[0].where,
                          absl::StrCat("'path' must start with '/', got '",
                                       s.args[0].text, "'"));
         }
         url->path = s.args[0].text;
         have_path = true;
         return absl::OkStatus();
       }},
      {"status_code",
       [&](const Node& s) {
         RETURN_IF_ERROR(
             ExpectArgs(s, 1, 32, "status_code CODE|FIRST-LAST..."));
         for (const Token& t : s.args) {
           ASSIGN_OR_RETURN(StatusCodeRange r, StatusCodeValue(t));
           url->status_codes.push_back(r);
         }
         return absl::OkStatus();
       }},
      {"digest",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "digest MD5HEX"));
         std::string d = absl::AsciiStrToLower(s.args[0].text);
         bool hex = d.size() == 32;
         for (char c : d) {
           if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)))
             hex = false;
         }
         if (!hex) {
           return ErrorAt(s.args[0].where,
                          absl::StrCat("'digest' wants 32 hex digits (the MD5 "
                                       "of the body, as genhash prints), got '",
                                       s.args[0].text, "'"));
         }
         url->digest = d;
         return absl::OkStatus();
       }},
      {"virtualhost",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "virtualhost HOST"));
         url->virtualhost = s.args[0].text;
         return absl::OkStatus();
       }},
  };
  RETURN_IF_ERROR(
      DispatchBlock(n.children, "url", kw,
                    {"regex", "regex_no_match", "regex_options", "regex_stack",
                     "regex_min_offset", "regex_max_offset"}));
  if (!have_path) {
    return ErrorAt(n.keyword.where, "'url' block needs a 'path'");
  }
  return absl::OkStatus();
}

absl::string_view KindName(CheckerKind kind) {
  switch (kind) {
    case CheckerKind::kTcp:
      return "TCP_CHECK";
    case CheckerKind::kHttp:
      return "HTTP_GET";
    case CheckerKind::kSsl:
      return "SSL_GET";
    case CheckerKind::kMisc:
      return "MISC_CHECK";
    case CheckerKind::kPing:
      return "PING_CHECK";
    case CheckerKind::kUdp:
      return "UDP_CHECK";
    case CheckerKind::kSmtp:
      return "SMTP_CHECK";
    case CheckerKind::kDns:
      return "DNS_CHECK";
    case CheckerKind::kDsr:
      return "DSR_CHECK";
  }
  return "checker";
}

// Retries: every checker kind has them.
void AddRetryKeywords(Checker* c, std::vector<Keyword>* kw) {
  auto retry = [c](const Node& s) {
    RETURN_IF_ERROR(
        ExpectArgs(s, 1, 1, absl::StrCat(s.keyword.text, " COUNT")));
    ASSIGN_OR_RETURN(int64_t v, IntValue(s.args[0], s.keyword.text, 0, 100));
    c->retry = static_cast<int>(v);
    return absl::OkStatus();
  };
  kw->push_back({"retry", retry, false, "retry"});
  kw->push_back({"nb_get_retry", retry, false, "retry"});
  kw->push_back(
      {"delay_before_retry", [c](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "delay_before_retry SECONDS"));
         ASSIGN_OR_RETURN(c->delay_before_retry,
                          SecondsValue(s.args[0], "delay_before_retry",
                                       absl::ZeroDuration(), absl::Hours(1)));
         c->retry_after_delay_loop = false;
         return absl::OkStatus();
       }});
}

// Where a checker connects (all but MISC_CHECK).
void AddConnectKeywords(Checker* c, std::vector<Keyword>* kw) {
  kw->push_back({"connect_ip", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "connect_ip IP"));
                   ASSIGN_OR_RETURN(c->connect_ip,
                                    IpValue(s.args[0], "connect_ip"));
                   return absl::OkStatus();
                 }});
  kw->push_back({"connect_port", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "connect_port PORT"));
                   ASSIGN_OR_RETURN(
                       int64_t v,
                       IntValue(s.args[0], "connect_port", 1, 65535));
                   c->connect_port = static_cast<uint16_t>(v);
                   return absl::OkStatus();
                 }});
  kw->push_back({"bindto", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "bindto IP"));
                   ASSIGN_OR_RETURN(c->bindto, IpValue(s.args[0], "bindto"));
                   return absl::OkStatus();
                 }});
  kw->push_back(
      {"connect_timeout", [c](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "connect_timeout SECONDS"));
         ASSIGN_OR_RETURN(c->connect_timeout,
                          SecondsValue(s.args[0], "connect_timeout",
                                       absl::Milliseconds(1), absl::Hours(1)));
         return absl::OkStatus();
       }});
}

// DSR_CHECK always connects to the VIP: connect_ip has no meaning there.
void DropConnectIp(std::vector<Keyword>* kw) {
  for (Keyword& k : *kw) {
    if (k.name != "connect_ip") continue;
    k.handle = [](const Node& s) {
      return ErrorAt(s.keyword.where,
                     "'connect_ip' in DSR_CHECK: the check always connects "
                     "to the virtual server's address (use TCP_CHECK for "
                     "another address)");
    };
  }
}

// What an HTTP or SSL checker asks for.
void AddHttpKeywords(Checker* c, std::vector<Keyword>* kw) {
  kw->push_back({"url",
                 [c](const Node& s) {
                   HttpUrl url;
                   RETURN_IF_ERROR(ParseUrl(s, &url));
                   c->urls.push_back(std::move(url));
                   return absl::OkStatus();
                 },
                 true});
  kw->push_back({"virtualhost", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "virtualhost HOST"));
                   c->virtualhost = s.args[0].text;
                   return absl::OkStatus();
                 }});
}

// The script a MISC_CHECK runs.
void AddMiscKeywords(Checker* c, bool* have_misc_path,
                     std::vector<Keyword>* kw) {
  kw->push_back({"misc_path", [c, have_misc_path](const Node& s) {
                   ASSIGN_OR_RETURN(c->misc_path, ScriptValue(s));
                   *have_misc_path = true;
                   return absl::OkStatus();
                 }});
  kw->push_back({"misc_timeout", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "misc_timeout SECONDS"));
                   ASSIGN_OR_RETURN(
                       c->misc_timeout,
                       SecondsValue(s.args[0], "misc_timeout",
                                    absl::Milliseconds(1), absl::Hours(1)));
                   return absl::OkStatus();
                 }});
  kw->push_back({"misc_dynamic", [c](const Node& s) {
                   ASSIGN_OR_RETURN(c->misc_dynamic, FlagValue(s));
                   return absl::OkStatus();
                 }});
}

// keepalived's HEX_STR (read_hex_str): blanks separate groups, each pair of
// hex digits is a byte, a lone digit before a blank is a byte of its own
// ("Ab12f 3" = AB 12 0F 03). With `mask`, x/X is a wildcard nibble whose
// bits are set in the mask.
absl::Status HexValue(const Node& s, std::vector<uint8_t>* data,
                      std::vector<uint8_t>* mask) {
  auto nibble = [&](char ch, uint8_t* v, uint8_t* m) {
    *m = 0;
    if (mask != nullptr && (ch == 'x' || ch == 'X')) {
      *v = 0;
      *m = 0x0f;
      return true;
    }
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(ch))) return false;
    *v = static_cast<uint8_t>(
        absl::ascii_isdigit(static_cast<unsigned char>(ch))
            ? ch - '0'
            : absl::ascii_tolower(static_cast<unsigned char>(ch)) - 'a' + 10);
    return true;
  };
  for (const Token& t : s.args) {
    const std::string& x = t.text;
    for (size_t i = 0; i < x.size();) {
      if (x[i] == ' ' || x[i] == '\t') {
        i++;
        continue;
      }
      uint8_t v = 0, m = 0, v2 = 0, m2 = 0;
      bool ok = nibble(x[i++], &v, &m);
      if (ok && i < x.size() && x[i] != ' ' && x[i] != '\t') {
        ok = nibble(x[i++], &v2, &m2);
        v = static_cast<uint8_t>(v << 4 | v2);
        m = static_cast<uint8_t>(m << 4 | m2);
      }
      if (!ok) {
        return ErrorAt(
            t.where,
            absl::StrCat("'", s.keyword.text, "' wants hex digits",
                         mask != nullptr ? " (x for any)" : "",
                         ", in pairs or separated by blanks; got '", x, "'"));
      }
      data->push_back(v);
      if (mask != nullptr) mask->push_back(m);
    }
  }
  if (!s.args.empty() && data->empty()) {
    return ErrorAt(s.args[0].where,
                   absl::StrCat("'", s.keyword.text, "' has no hex digits"));
  }
  if (mask != nullptr &&
      std::all_of(mask->begin(), mask->end(), [](uint8_t m) { return m == 0; }))
    mask->clear();
  return absl::OkStatus();
}

// What a UDP_CHECK sends and expects back.
void AddUdpKeywords(Checker* c, std::vector<Keyword>* kw) {
  kw->push_back({"payload", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1000, "payload HEX"));
                   return HexValue(s, &c->udp_payload, nullptr);
                 }});
  kw->push_back({"require_reply", [c](const Node& s) {
                   RETURN_IF_ERROR(
                       ExpectArgs(s, 0, 1000, "require_reply [HEX]"));
                   c->require_reply = true;
                   return HexValue(s, &c->reply_data, &c->reply_mask);
                 }});
  auto length = [](int* field) {
    return [field](const Node& s) {
      RETURN_IF_ERROR(
          ExpectArgs(s, 1, 1, absl::StrCat(s.keyword.text, " BYTES")));
      ASSIGN_OR_RETURN(int64_t v,
                       IntValue(s.args[0], s.keyword.text, 0, 65535));
      *field = static_cast<int>(v);
      return absl::OkStatus();
    };
  };
  kw->push_back({"min_reply_length", length(&c->min_reply_length)});
  kw->push_back({"max_reply_length", length(&c->max_reply_length)});
}

// keepalived's DNS_CHECK types (check_dns.c), by name.
constexpr absl::string_view kDnsTypes[] = {
    "A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA", "RRSIG", "DNSKEY"};

absl::Status DnsNameValue(const Token& t, std::string* out) {
  const std::string& n = t.text;
  if (n != "." && !n.empty()) {
    for (absl::string_view label :
         absl::StrSplit(absl::StripSuffix(n, "."), '.')) {
      if (label.empty() || label.size() > 63) {
        return ErrorAt(
            t.where,
            absl::StrCat("DNS_CHECK name '", n, "' has a label ",
                         label.empty() ? "that is empty" : "over 63 bytes"));
      }
    }
  }
  if (n.size() > 253) {
    return ErrorAt(t.where, absl::StrCat("DNS_CHECK name is ", n.size(),
                                         " bytes; DNS allows 253"));
  }
  *out = n;
  return absl::OkStatus();
}

void AddDnsKeywords(Checker* c, std::vector<Keyword>* kw) {
  kw->push_back({"type", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "type A|NS|SOA|..."));
                   for (absl::string_view t : kDnsTypes) {
                     if (config::EqualsIgnoreCase(s.args[0].text, t)) {
                       c->dns_type = std::string(t);
                       return absl::OkStatus();
                     }
                   }
                   return BadChoice(s.args[0], "DNS_CHECK type",
                                    absl::StrJoin(kDnsTypes, "|"));
                 }});
  kw->push_back({"name", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "name DOMAIN"));
                   return DnsNameValue(s.args[0], &c->dns_name);
                 }});
}

// keepalived's (deprecated, still honoured) SMTP_CHECK host { } block: where
// one check connects. connect_timeout stays infinite when not written.
absl::Status ParseSmtpHost(const Node& s, std::vector<Checker>* hosts) {
  RETURN_IF_ERROR(ExpectBlock(s));
  Checker h;
  h.where = s.keyword.where;
  h.connect_timeout = absl::InfiniteDuration();
  std::vector<Keyword> kw;
  AddConnectKeywords(&h, &kw);
  RETURN_IF_ERROR(DispatchBlock(s.children, "host", kw,
                                {"bind_port", "bind_if", "fwmark", "warmup"}));
  hosts->push_back(std::move(h));
  return absl::OkStatus();
}

void AddSmtpKeywords(Checker* c, std::vector<Checker>* hosts,
                     std::vector<Keyword>* kw) {
  kw->push_back({"helo_name", [c](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "helo_name NAME"));
                   c->helo_name = s.args[0].text;
                   return absl::OkStatus();
                 }});
  kw->push_back({"host",
                 [hosts](const Node& s) { return ParseSmtpHost(s, hosts); },
                 true});
}

// PING_CHECK takes the connection keywords, but ICMP has no port.
void AddPingKeywords(std::vector<Keyword>* kw) {
  kw->push_back({"connect_port", [](const Node& s) {
                   return NotSupported(s.keyword, "PING_CHECK",
                                       "ICMP echo has no port; remove it");
                 }});
}

// The keywords of one checker kind, beside retry/delay_before_retry.
void AddKindKeywords(Checker* c, bool* have_misc_path,
                     std::vector<Checker>* smtp_hosts,
                     std::vector<Keyword>* kw) {
  switch (c->kind) {
    case CheckerKind::kMisc:
      AddMiscKeywords(c, have_misc_path, kw);
      return;
    case CheckerKind::kHttp:
    case CheckerKind::kSsl:
      AddConnectKeywords(c, kw);
      AddHttpKeywords(c, kw);
      return;
    case CheckerKind::kTcp:
      AddConnectKeywords(c, kw);
      return;
    case CheckerKind::kPing:
      AddConnectKeywords(c, kw);
      AddPingKeywords(kw);  // after: replaces connect_port
      return;
    case CheckerKind::kUdp:
      AddConnectKeywords(c, kw);
      AddUdpKeywords(c, kw);
      return;
    case CheckerKind::kSmtp:
      AddConnectKeywords(c, kw);
      AddSmtpKeywords(c, smtp_hosts, kw);
      return;
    case CheckerKind::kDns:
      AddConnectKeywords(c, kw);
      AddDnsKeywords(c, kw);
      return;
    case CheckerKind::kDsr:
      AddConnectKeywords(c, kw);
      DropConnectIp(kw);
      return;
  }
}

// What a block needs beyond its keywords.
absl::Status CheckComplete(const Node& n, const Checker& c,
                           bool have_misc_path) {
  const absl::string_view section = KindName(c.kind);
  const bool http = c.kind == CheckerKind::kHttp || c.kind == CheckerKind::kSsl;
  if (http && c.urls.empty()) {
    return ErrorAt(
        n.keyword.where,
        absl::StrCat(section, " needs at least one 'url { path ... }'"));
  }
  if (c.kind == CheckerKind::kMisc && !have_misc_path) {
    return ErrorAt(n.keyword.where, "MISC_CHECK needs a 'misc_path'");
  }
  if (c.kind == CheckerKind::kUdp && c.min_reply_length > c.max_reply_length) {
    return ErrorAt(
        n.keyword.where,
        absl::StrCat("UDP_CHECK min_reply_length ", c.min_reply_length,
                     " is above max_reply_length ", c.max_reply_length,
                     ": the check could never pass"));
  }
  if (c.connect_ip.has_value() && c.bindto.has_value() &&
      c.connect_ip->is_v4() != c.bindto->is_v4()) {
    return ErrorAt(
        n.keyword.where,
        absl::StrCat(section, " connect_ip ", c.connect_ip->ToString(),
                     " and bindto ", c.bindto->ToString(),
                     " are of different IP families"));
  }
  return absl::OkStatus();
}

}  // namespace

// An SMTP_CHECK with host blocks is one check per host: the block's settings
// over the SMTP_CHECK's (keepalived checks only the hosts then, and every
// one must pass, as every checker of a real server must).
std::vector<Checker> PerHost(const Checker& c,
                             const std::vector<Checker>& hosts) {
  std::vector<Checker> out;
  for (const Checker& h : hosts) {
    Checker one = c;
    one.where = h.where;
    if (h.connect_ip) one.connect_ip = h.connect_ip;
    if (h.connect_port) one.connect_port = h.connect_port;
    if (h.bindto) one.bindto = h.bindto;
    if (h.connect_timeout != absl::InfiniteDuration())
      one.connect_timeout = h.connect_timeout;
    out.push_back(std::move(one));
  }
  return out;
}

absl::Status ParseChecker(const Node& n, CheckerKind kind,
                          std::vector<Checker>* out) {
  RETURN_IF_ERROR(ExpectBlock(n));
  Checker checker;
  Checker* c = &checker;
  c->kind = kind;
  c->where = n.keyword.where;
  if (kind == CheckerKind::kDns) {
    // keepalived.conf(5): DNS_CHECK retries 3 times, delay_loop apart.
    c->retry = 3;
    c->retry_after_delay_loop = true;
  }
  bool have_misc_path = false;
  std::vector<Checker> hosts;
  std::vector<Keyword> kw;
  AddRetryKeywords(c, &kw);
  AddKindKeywords(c, &have_misc_path, &hosts, &kw);
  RETURN_IF_ERROR(DispatchBlock(
      n.children, KindName(kind), kw,
      {"bind_port", "bind_interface", "bind_if", "fwmark", "warmup", "alpha",
       "log_all_failures", "user", "enable_sni", "tls_compliant",
       "fast_recovery", "http_protocol", "ssl_version", "nb_sock_retry"}));
  std::vector<Checker> all =
      hosts.empty() ? std::vector<Checker>{checker} : PerHost(checker, hosts);
  for (Checker& one : all) {
    RETURN_IF_ERROR(CheckComplete(n, one, have_misc_path));
    out->push_back(std::move(one));
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::config
