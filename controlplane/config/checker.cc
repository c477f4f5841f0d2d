// TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK and DSR_CHECK blocks.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

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
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "status_code CODE"));
         if (s.args[0].text.find('-') != std::string::npos) {
           return ErrorAt(s.args[0].where,
                          "status_code ranges are not supported by dsrlb: "
                          "give one code, or none for any 2xx");
         }
         ASSIGN_OR_RETURN(int64_t v,
                          IntValue(s.args[0], "status_code", 100, 599));
         url->status_code = static_cast<int>(v);
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
  };
  RETURN_IF_ERROR(
      DispatchBlock(n.children, "url", kw,
                    {"regex", "regex_no_match", "regex_options", "regex_stack",
                     "regex_min_offset", "regex_max_offset", "virtualhost"}));
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
         return absl::OkStatus();
       }});
}

// Where a TCP, HTTP or SSL checker connects.
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

}  // namespace

absl::Status ParseChecker(const Node& n, CheckerKind kind, Checker* c) {
  RETURN_IF_ERROR(ExpectBlock(n));
  c->kind = kind;
  c->where = n.keyword.where;
  const absl::string_view section = KindName(kind);
  const bool http = kind == CheckerKind::kHttp || kind == CheckerKind::kSsl;
  const bool misc = kind == CheckerKind::kMisc;
  bool have_misc_path = false;
  std::vector<Keyword> kw;
  AddRetryKeywords(c, &kw);
  if (!misc) AddConnectKeywords(c, &kw);
  if (kind == CheckerKind::kDsr) DropConnectIp(&kw);
  if (http) AddHttpKeywords(c, &kw);
  if (misc) AddMiscKeywords(c, &have_misc_path, &kw);
  RETURN_IF_ERROR(DispatchBlock(
      n.children, section, kw,
      {"bind_port", "bind_interface", "fwmark", "warmup", "alpha",
       "log_all_failures", "user", "enable_sni", "tls_compliant",
       "fast_recovery", "http_protocol", "ssl_version", "nb_sock_retry"}));
  if (http && c->urls.empty()) {
    return ErrorAt(
        n.keyword.where,
        absl::StrCat(section, " needs at least one 'url { path ... }'"));
  }
  if (misc && !have_misc_path) {
    return ErrorAt(n.keyword.where, "MISC_CHECK needs a 'misc_path'");
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::config
