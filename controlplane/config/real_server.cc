// real_server IP PORT { ... }: weight, notifications, rise/fall, checkers.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/server_rules.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// The checker blocks; a real server may have any number of each.
void AddCheckerKeywords(RealServer* rs, std::vector<Keyword>* kw) {
  auto checker = [rs](CheckerKind kind) {
    return [rs, kind](const Node& s) {
      return ParseChecker(s, kind, &rs->checkers);
    };
  };
  for (auto [name, kind] : {std::pair{"TCP_CHECK", CheckerKind::kTcp},
                            {"HTTP_GET", CheckerKind::kHttp},
                            {"SSL_GET", CheckerKind::kSsl},
                            {"MISC_CHECK", CheckerKind::kMisc},
                            {"PING_CHECK", CheckerKind::kPing},
                            {"UDP_CHECK", CheckerKind::kUdp},
                            {"SMTP_CHECK", CheckerKind::kSmtp},
                            {"DNS_CHECK", CheckerKind::kDns},
                            {"DSR_CHECK", CheckerKind::kDsr}})  // dsrlb's own
    kw->push_back({name, checker(kind), true});
  kw->push_back({"BFD_CHECK",
                 [](const Node& s) {
                   return NotSupported(
                       s.keyword, "real_server",
                       "it needs keepalived's BFD daemon; check the server "
                       "with PING_CHECK (or TCP_CHECK) instead");
                 },
                 true});
}

}  // namespace

void AddVirtualhostKeyword(std::string* host, std::vector<Keyword>* kw) {
  kw->push_back({"virtualhost", [host](const Node& s) {
                   RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "virtualhost HOST"));
                   *host = s.args[0].text;
                   return absl::OkStatus();
                 }});
}

void DefaultVirtualhost(const std::string& host, RealServer* rs) {
  for (Checker& c : rs->checkers) {
    const bool http =
        c.kind == CheckerKind::kHttp || c.kind == CheckerKind::kSsl;
    if (http && c.virtualhost.empty()) c.virtualhost = host;
  }
}

absl::Status ParseRealServer(const Node& n, RealServer* rs) {
  rs->where = n.keyword.where;
  if (n.args.size() != 2) {
    return ErrorAt(n.keyword.where,
                   "'real_server' wants an address and a port "
                   "(real_server IP PORT { ... })");
  }
  ASSIGN_OR_RETURN(rs->address, IpValue(n.args[0], "real_server"));
  ASSIGN_OR_RETURN(rs->port, PortValue(n.args[1], "real_server port"));
  if (!n.has_block) {
    return ErrorAt(n.keyword.where, "'real_server' needs a { } block");
  }
  auto count = [](int* field, absl::string_view usage) {
    return [field, usage](const Node& s) {
      RETURN_IF_ERROR(ExpectArgs(s, 1, 1, usage));
      ASSIGN_OR_RETURN(int64_t v, IntValue(s.args[0], s.keyword.text, 1, 1000));
      *field = static_cast<int>(v);
      return absl::OkStatus();
    };
  };
  std::vector<Keyword> kw = {
      {"weight",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "weight N"));
         ASSIGN_OR_RETURN(int64_t v,
                          IntValue(s.args[0], "weight", 0, kMaxWeight));
         rs->weight = static_cast<uint32_t>(v);
         return absl::OkStatus();
       }},
      {"inhibit_on_failure",
       [&](const Node& s) {
         ASSIGN_OR_RETURN(rs->inhibit_on_failure, FlagValue(s));
         return absl::OkStatus();
       }},
      {"notify_up",
       [&](const Node& s) {
         ASSIGN_OR_RETURN(rs->notify_up, ScriptValue(s));
         return absl::OkStatus();
       }},
      {"notify_down",
       [&](const Node& s) {
         ASSIGN_OR_RETURN(rs->notify_down, ScriptValue(s));
         return absl::OkStatus();
       }},
      {"rise", count(&rs->rise, "rise COUNT")},
      {"fall", count(&rs->fall, "fall COUNT")},
      {"delay_loop",
       [&](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "delay_loop SECONDS"));
         ASSIGN_OR_RETURN(rs->delay_loop, SecondsValue(s.args[0], "delay_loop",
                                                       absl::Milliseconds(10),
                                                       absl::Hours(24)));
         return absl::OkStatus();
       }},
      {"smtp_alert",
       [&](const Node& s) {
         ASSIGN_OR_RETURN(rs->smtp_alert, FlagValue(s));
         return absl::OkStatus();
       }},
  };
  AddCheckerKeywords(rs, &kw);
  std::string virtualhost;
  AddVirtualhostKeyword(&virtualhost, &kw);
  absl::Status status = DispatchBlock(
      n.children, "real_server", kw,
      {"FILE_CHECK", "uthreshold", "lthreshold", "retry", "delay_before_retry",
       "connect_timeout", "warmup", "alpha", "lvs_method", "lb_kind",
       "notify_up_down", "tunnel_encap"});
  DefaultVirtualhost(virtualhost, rs);
  return status;
}

}  // namespace dsrlb::config
