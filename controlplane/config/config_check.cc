// DescribeConfig: the summary 'dsrlb-control --check' prints.
#include "controlplane/config/config_check.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controlplane/config/sections.h"

namespace dsrlb::config {
namespace {

std::string Endpoint(const IpAddress& ip, uint16_t port) {
  return ip.is_v4() ? absl::StrCat(ip.ToString(), ":", port)
                    : absl::StrCat("[", ip.ToString(), "]:", port);
}

absl::string_view AlgoName(LbAlgo a) {
  switch (a) {
    case LbAlgo::kRr:
      return "rr";
    case LbAlgo::kWrr:
      return "wrr";
    case LbAlgo::kMh:
      return "mh";
    case LbAlgo::kSh:
      return "sh";
  }
  return "?";
}

std::string Seconds(absl::Duration d) {
  return absl::StrCat(absl::ToDoubleSeconds(d), "s");
}

// "require_reply 0a 0b (2-255 bytes)" for a UDP_CHECK.
std::string DescribeUdp(const Checker& c) {
  std::string out =
      c.udp_payload.empty()
          ? std::string("default payload")
          : absl::StrCat("payload ", c.udp_payload.size(), " bytes");
  if (!c.require_reply) return absl::StrCat(out, ", no reply required");
  absl::StrAppend(&out, ", require_reply");
  for (size_t i = 0; i < c.reply_data.size(); i++) {
    const uint8_t mask = c.reply_mask.empty() ? 0 : c.reply_mask[i];
    const char* hex = "0123456789abcdef";
    absl::StrAppend(
        &out, " ",
        std::string(1, (mask & 0xf0) ? 'x' : hex[c.reply_data[i] >> 4]),
        std::string(1, (mask & 0x0f) ? 'x' : hex[c.reply_data[i] & 15]));
  }
  if (!c.reply_data.empty()) {
    absl::StrAppend(&out, " (", c.min_reply_length, "-", c.max_reply_length,
                    " bytes)");
  }
  return out;
}

std::string DescribeChecker(const Checker& c, const VirtualServer& vs,
                            const RealServer& rs) {
  uint16_t port = c.connect_port.value_or(rs.port);
  const IpAddress ip = c.connect_ip.value_or(rs.address);
  std::string target = Endpoint(ip, port);
  std::string timers = absl::StrCat(
      "timeout ", Seconds(c.connect_timeout), ", retry ", c.retry, " after ",
      c.retry_after_delay_loop ? "delay_loop" : Seconds(c.delay_before_retry));
  if (c.bindto) absl::StrAppend(&timers, ", from ", c.bindto->ToString());
  switch (c.kind) {
    case CheckerKind::kTcp:
      return absl::StrCat("TCP_CHECK ", target, " (", timers, ")");
    case CheckerKind::kHttp:
    case CheckerKind::kSsl: {
      std::vector<std::string> urls;
      for (const HttpUrl& u : c.urls) {
        std::string s = u.path;
        if (!u.status_codes.empty())
          absl::StrAppend(&s, " status ", u.StatusText());
        if (!u.digest.empty()) absl::StrAppend(&s, " digest ", u.digest);
        urls.push_back(s);
      }
      return absl::StrCat(
          c.kind == CheckerKind::kHttp ? "HTTP_GET " : "SSL_GET ", target, " ",
          absl::StrJoin(urls, ", "), " (", timers, ")");
    }
    case CheckerKind::kMisc:
      return absl::StrCat("MISC_CHECK '", c.misc_path, "' (timeout ",
                          Seconds(c.misc_timeout),
                          c.misc_dynamic ? ", dynamic weight" : "", ")");
    case CheckerKind::kPing:
      return absl::StrCat("PING_CHECK ", ip.ToString(), " (", timers, ")");
    case CheckerKind::kUdp:
      return absl::StrCat("UDP_CHECK ", target, " ", DescribeUdp(c), " (",
                          timers, ")");
    case CheckerKind::kSmtp:
      return absl::StrCat("SMTP_CHECK ", target, " HELO ", c.helo_name, " (",
                          timers, ")");
    case CheckerKind::kDns:
      return absl::StrCat("DNS_CHECK ", target, " ", c.dns_type, " ",
                          c.dns_name.empty() ? "." : c.dns_name, " (", timers,
                          ")");
    case CheckerKind::kDsr:
      return absl::StrCat(
          "DSR_CHECK ", Endpoint(vs.address, port), " through ",
          rs.address.ToString(),
          "'s MAC (dsrlb's own: the server must answer for the VIP; ",
          c.bindto ? absl::StrCat("from ", c.bindto->ToString(), ", ") : "",
          timers, ")");
  }
  return "checker";
}

// What goes into the kernel besides the VIPs: counts, as keepalived -t
// reads them.
std::string DescribeRoutesAndRules(const Config& config) {
  std::string out;
  if (!config.static_ipaddress.empty() || !config.static_routes.empty() ||
      !config.static_rules.empty()) {
    absl::StrAppend(&out, "static: ", config.static_ipaddress.size(),
                    " addresses, ", config.static_routes.size(), " routes, ",
                    config.static_rules.size(), " rules\n");
  }
  for (const VrrpInstance& v : config.vrrp_instances) {
    if (v.virtual_routes.empty() && v.virtual_rules.empty()) continue;
    absl::StrAppend(&out, "vrrp_instance ", v.name,
                    " while MASTER: ", v.virtual_routes.size(), " routes, ",
                    v.virtual_rules.size(), " rules\n");
  }
  return out;
}

}  // namespace

std::string DescribeConfig(const Config& config) {
  std::string out;
  if (!config.global.router_id.empty()) {
    absl::StrAppend(&out, "router_id ", config.global.router_id, "\n");
  }
  for (const VirtualServer& vs : config.virtual_servers) {
    absl::StrAppend(&out, "virtual_server ", Endpoint(vs.address, vs.port), " ",
                    vs.protocol == Protocol::kTcp ? "TCP" : "UDP", " ",
                    AlgoName(vs.lb_algo), " DR, delay_loop ",
                    Seconds(vs.delay_loop));
    if (vs.persistence_timeout_s) {
      absl::StrAppend(&out, ", persistence ", vs.persistence_timeout_s, "s");
    }
    if (vs.persistence_granularity != 0) {
      absl::StrAppend(&out, " per /", vs.persistence_granularity);
    }
    if (vs.ha_suspend) absl::StrAppend(&out, ", ha_suspend");
    if (!vs.group.empty()) absl::StrAppend(&out, ", group ", vs.group);
    absl::StrAppend(&out, ", ", vs.real_servers.size(), " real server",
                    vs.real_servers.size() == 1 ? "" : "s", "\n");
    for (const RealServer& rs : vs.real_servers) {
      absl::StrAppend(
          &out, "  real_server ", Endpoint(rs.address, rs.port), " weight ",
          rs.weight, rs.inhibit_on_failure ? " inhibit_on_failure" : "",
          rs.rise != 1 || rs.fall != 1
              ? absl::StrCat(" rise ", rs.rise, " fall ", rs.fall)
              : "",
          rs.checkers.empty() ? " (no checker: always up)" : "", "\n");
      for (const Checker& c : rs.checkers) {
        absl::StrAppend(&out, "    ", DescribeChecker(c, vs, rs), "\n");
      }
    }
  }
  for (const VrrpInstance& v : config.vrrp_instances) {
    std::vector<std::string> vips;
    for (const VirtualIpAddress& vip : v.virtual_ipaddress) {
      vips.push_back(absl::StrCat(vip.address.ToString(), "/", vip.prefix_len,
                                  vip.dev.empty() ? "" : " dev ", vip.dev));
    }
    absl::StrAppend(
        &out, "vrrp_instance ", v.name, " ",
        v.state == VrrpInstance::InitialState::kMaster ? "MASTER" : "BACKUP",
        " on ", v.interface, ", vrid ", v.virtual_router_id, ", priority ",
        v.priority, ", VRRPv", v.version, ", advert ", Seconds(v.advert_int),
        v.auth_type == VrrpAuthType::kPass ? ", auth PASS"
        : v.auth_type == VrrpAuthType::kAh ? ", auth AH"
                                           : "",
        v.nopreempt ? ", nopreempt" : "", "; VIPs ",
        vips.empty() ? "none" : absl::StrJoin(vips, ", "), "\n");
  }
  for (const VrrpSyncGroup& g : config.vrrp_sync_groups) {
    absl::StrAppend(&out, "vrrp_sync_group ", g.name, ": ",
                    absl::StrJoin(g.group, ", "), "\n");
  }
  for (const VrrpScript& s : config.vrrp_scripts) {
    absl::StrAppend(&out, "vrrp_script ", s.name, ": '", s.script, "' every ",
                    Seconds(s.interval), ", weight ", s.weight, "\n");
  }
  absl::StrAppend(&out, DescribeRoutesAndRules(config));
  absl::StrAppend(&out, DescribeBgp(config));
  return out;
}

}  // namespace dsrlb::config
