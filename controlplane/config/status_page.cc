// global_defs { status_page { listen ADDR:PORT  auth USER:PASS  refresh S } }:
// where dsrlb-control serves its status page, who may read it, how often
// it reloads itself.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/ip_address.h"
#include "common/status_macros.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// "PORT", "ADDR:PORT" or "[ADDR6]:PORT".
absl::Status ParseListen(const Token& t, StatusPageConfig* out) {
  const std::string& v = t.text;
  std::string host = out->host, port = v;
  const size_t colon = v.rfind(':');
  if (colon != std::string::npos) {
    host = v.substr(0, colon);
    port = v.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (!IpAddress::Parse(host).ok())
      return ErrorAt(t.where, absl::StrCat("status_page listen: '", host,
                                           "' is not an IPv4 or IPv6 address"
                                           " (want ADDR:PORT or PORT)"));
  }
  int p = 0;
  if (!absl::SimpleAtoi(port, &p) || p < 0 || p > 65535)
    return ErrorAt(t.where, absl::StrCat("status_page listen: '", port,
                                         "' is not a port (0-65535)"));
  out->host = host;
  out->port = p;
  return absl::OkStatus();
}

absl::Status ParseAuth(const Token& t, StatusPageConfig* out) {
  const size_t colon = t.text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == t.text.size())
    return ErrorAt(t.where,
                   "status_page auth: want USER:PASSWORD, both non-empty");
  out->user = t.text.substr(0, colon);
  out->password = t.text.substr(colon + 1);
  return absl::OkStatus();
}

std::vector<Keyword> Keywords(StatusPageConfig* c) {
  return {
      {"listen",
       [c](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "listen ADDR:PORT"));
         return ParseListen(s.args[0], c);
       }},
      {"auth",
       [c](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "auth USER:PASSWORD"));
         return ParseAuth(s.args[0], c);
       }},
      {"refresh",
       [c](const Node& s) {
         RETURN_IF_ERROR(ExpectArgs(s, 1, 1, "refresh SECONDS"));
         ASSIGN_OR_RETURN(int64_t r,
                          IntValue(s.args[0], "status_page refresh", 0, 3600));
         c->refresh_s = static_cast<int>(r);
         return absl::OkStatus();
       }},
  };
}

}  // namespace

Keyword StatusPageKeyword(GlobalDefs* g) {
  return {"status_page", [g](const Node& s) {
            RETURN_IF_ERROR(ExpectBlock(s));
            StatusPageConfig c;
            c.where = s.keyword.where;
            RETURN_IF_ERROR(
                DispatchBlock(s.children, "status_page", Keywords(&c), {}));
            g->status_page = std::move(c);
            return absl::OkStatus();
          }};
}

}  // namespace dsrlb::config
