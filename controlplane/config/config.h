// The configuration model: what a keepalived.conf says, parsed and checked.
// Every other part of the control plane reads these structs; only
// config/parser.cc writes them.
#ifndef DSRLB_CONTROLPLANE_CONFIG_CONFIG_H_
#define DSRLB_CONTROLPLANE_CONFIG_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/ip_address.h"

namespace dsrlb::config {

// Where a thing was written, for error messages and events.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// global_defs { status_page { listen ADDR:PORT  auth USER:PASS  refresh S } }
// (a dsrlb addition): dsrlb-control's HTML status page, CSV and /metrics.
struct StatusPageConfig {
  std::string host = "127.0.0.1";  // `listen PORT` alone: localhost
  int port = 8080;
  std::string user, password;  // empty user: no authentication
  int refresh_s = 5;           // the page's meta refresh; 0 = none
  SourceLocation where;
};

struct GlobalDefs {
  std::string router_id;
  std::vector<std::string> notification_email;
  std::string notification_email_from;
  std::string smtp_server;  // host or IP
  uint16_t smtp_port = 25;  // "smtp_server HOST PORT"
  absl::Duration smtp_connect_timeout = absl::Seconds(30);
  int vrrp_version = 2;  // default for instances that do not set version
  // keepalived's VRRP globals; the parser copies them into every
  // VrrpInstance. vrrp_strict is checked when the file
  // is read (RFC-only VRRP: no unicast, no authentication, ...).
  bool vrrp_skip_check_adv_addr = false;
  bool vrrp_strict = false;
  absl::Duration vrrp_garp_interval = absl::ZeroDuration();  // between GARPs
  absl::Duration vrrp_gna_interval = absl::ZeroDuration();   // between NAs
  // Scripts (notify_*, vrrp_script, MISC_CHECK, quorum_up/down) run as
  // script_uid:script_gid: `script_user USER [GROUP]`, else the user
  // keepalived_script when the host has one (keepalived's default), else
  // unset (the daemon's own user).
  std::string script_user;  // as written, or "keepalived_script"
  std::optional<uint32_t> script_uid;
  std::optional<uint32_t> script_gid;
  // Refuse a script that would run as root from a path a non-root user can
  // change (enable_script_security).
  bool enable_script_security = false;
  std::optional<StatusPageConfig> status_page;
};

enum class CheckerKind {
  kTcp,
  kHttp,
  kSsl,
  kMisc,
  kPing,
  kUdp,
  kSmtp,
  kDns,
  kDsr,  // DSR_CHECK, a dsrlb addition: SYN to VIP:port via the RS's MAC
};

// One word of `status_code`: a code (first == last) or keepalived's inclusive
// range `200-299`.
struct StatusCodeRange {
  int first = 0;
  int last = 0;
  friend bool operator==(const StatusCodeRange&,
                         const StatusCodeRange&) = default;
};

struct HttpUrl {
  std::string path;
  // `status_code 200-299 401`: any listed code passes; empty: any 2xx.
  std::vector<StatusCodeRange> status_codes;
  std::string digest;  // lowercase hex MD5 of the body, or empty
  // This url's own Host header (keepalived 2.2.7's `url { virtualhost }`),
  // over the checker's, the real server's and the virtual server's.
  std::string virtualhost;

  bool AcceptsStatus(long code) const {
    if (status_codes.empty()) return code >= 200 && code <= 299;
    for (const StatusCodeRange& r : status_codes)
      if (code >= r.first && code <= r.last) return true;
    return false;
  }
  // As written: "200-299 401"; "2xx" when none was.
  std::string StatusText() const {
    if (status_codes.empty()) return "2xx";
    std::string s;
    for (const StatusCodeRange& r : status_codes) {
      if (!s.empty()) s += ' ';
      s += std::to_string(r.first);
      if (r.last != r.first) s += "-" + std::to_string(r.last);
    }
    return s;
  }
};

struct Checker {
  CheckerKind kind = CheckerKind::kTcp;
  SourceLocation where;
  // Connection (all but MISC_CHECK): default the real server's address and
  // port (PING_CHECK has no port).
  // DSR_CHECK: connect_port and bindto only (the target is the VIP).
  std::optional<IpAddress> connect_ip;
  std::optional<uint16_t> connect_port;
  std::optional<IpAddress> bindto;
  absl::Duration connect_timeout = absl::Seconds(5);
  // keepalived: retry (alias nb_get_retry) attempts after a failure before
  // the server is declared down, delay_before_retry between them.
  int retry = 1;
  absl::Duration delay_before_retry = absl::Seconds(1);
  // DNS_CHECK without delay_before_retry: retries wait delay_loop.
  bool retry_after_delay_loop = false;
  // HTTP_GET / SSL_GET
  std::vector<HttpUrl> urls;
  std::string virtualhost;
  // MISC_CHECK
  std::string misc_path;  // command line, run with /bin/sh -c
  absl::Duration misc_timeout = absl::Seconds(5);
  bool misc_dynamic = false;  // exit code 2..255 sets weight = code - 2
  // UDP_CHECK: what is sent (empty: keepalived's 32-byte filler) and what
  // a reply must look like when require_reply is set. reply_mask has the
  // bits to ignore (the 'X' nibbles of keepalived's hex string).
  std::vector<uint8_t> udp_payload;
  bool require_reply = false;
  std::vector<uint8_t> reply_data;
  std::vector<uint8_t> reply_mask;
  int min_reply_length = 0;
  int max_reply_length = 255;
  // SMTP_CHECK
  std::string helo_name = "smtpchecker.keepalived.org";
  // DNS_CHECK: query type (A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG, DNSKEY)
  // and name ("" and "." are the root).
  std::string dns_type = "SOA";
  std::string dns_name;
};

struct RealServer {
  IpAddress address;
  uint16_t port = 0;
  SourceLocation where;
  uint32_t weight = 1;
  bool inhibit_on_failure = false;  // weight 0 instead of removal on failure
  std::vector<Checker> checkers;    // all must pass
  // HAProxy-style: consecutive successes to come up, failures to go down.
  // Defaults 1 and 1 (keepalived's behaviour: retry handles flapping).
  int rise = 1;
  int fall = 1;
  std::optional<absl::Duration> delay_loop;  // overrides the virtual server's
  std::string notify_up;                     // script run on up
  std::string notify_down;                   // script run on down
  bool smtp_alert = true;  // mail on state change when global smtp is set
};

// keepalived's sorry_server: takes every new connection while the virtual
// server has lost its quorum (DR: the same port as the virtual server).
struct SorryServer {
  IpAddress address;
  uint16_t port = 0;
  SourceLocation where;
  bool inhibit = false;  // sorry_server_inhibit: weight 0, not removed
};

enum class LbAlgo { kRr, kWrr, kMh, kSh };
enum class Protocol { kTcp, kUdp };

struct VirtualServer {
  IpAddress address;
  uint16_t port = 0;  // 0 = all ports ("virtual_server IP 0")
  SourceLocation where;
  absl::Duration delay_loop = absl::Seconds(60);
  LbAlgo lb_algo = LbAlgo::kWrr;
  Protocol protocol = Protocol::kTcp;
  uint32_t persistence_timeout_s = 0;  // 0 = off
  // keepalived: the live real servers' weights must add up to quorum; lost
  // below quorum - hysteresis, gained again at quorum + hysteresis.
  uint32_t quorum = 1;
  uint32_t hysteresis = 0;
  bool alpha = false;  // servers start down until their first check passes
  bool omega = false;  // on shutdown: notify_down of live servers, quorum_down
  std::string quorum_up;    // script, run when the quorum is gained
  std::string quorum_down;  // script, run when the quorum is lost
  std::optional<SorryServer> sorry_server;
  std::vector<RealServer> real_servers;
  // persistence_granularity (ipvsadm -M): clients whose addresses share
  // this many leading bits stick to one real server together; 0 = not
  // written (each client address on its own). Family 4 when written as a
  // netmask, 6 as a prefix length.
  int persistence_granularity = 0;
  uint8_t persistence_granularity_family = 0;
  // ha_suspend: no health checks while this host does not hold the VIP
  // (VRRP backup); they resume when it does.
  bool ha_suspend = false;
  // "virtual_server group NAME": the virtual_server_group this one was
  // expanded from (one VirtualServer per member address and port, all with
  // the block's settings and real servers), and its place in the group.
  std::string group;
  size_t group_member = 0;
};

enum class VrrpAuthType { kNone, kPass, kAh };

struct TrackScript {
  std::string name;
  // 0 = fault on failure; else priority += weight. The vrrp_script's weight
  // unless the track_script line gives its own.
  int weight = 0;
};

struct TrackInterface {
  std::string name;
  int weight = 0;
};

struct VirtualIpAddress {
  IpAddress address;
  int prefix_len = 32;  // /32 or /128 unless written
  std::string dev;      // "dev eth1"; default: the instance's interface
  std::string label;    // "label eth0:1": the address label, or empty
  SourceLocation where;
};

// keepalived.conf(5) "Static routes/addresses/rules", as `ip address add`,
// `ip route add` and `ip rule add` take them (ip_objects.cc).
// static_ipaddress: on the interface from start to stop, whatever the VRRP
// state.
struct StaticAddress {
  IpAddress address;
  int prefix_len = 32;  // /32 or /128 unless written
  std::string dev;      // required
  std::string label;    // IPv4 address label, or empty
  uint8_t scope = 0;    // RT_SCOPE_*: 0 global, 200 site, 253 link, 254 host
  SourceLocation where;
};

// A route of static_routes (kept from start to stop) or virtual_routes (added
// when the instance becomes MASTER, removed when it leaves MASTER).
struct IpRoute {
  IpAddress dest;  // the network (host bits clear)
  int prefix_len = 32;
  std::vector<IpAddress> via;  // gateways: one, or several ("or": multipath)
  std::string dev;             // empty: the kernel picks it from the gateway
  std::optional<IpAddress> src;
  std::optional<uint32_t> metric;
  uint32_t table = 254;  // RT_TABLE_MAIN
  bool blackhole = false;
  // Unset: link without a gateway, global with one (as `ip route`).
  std::optional<uint8_t> scope;
  SourceLocation where;
};

// A policy rule of static_rules / virtual_rules: from/to PREFIX lookup TABLE.
struct IpRule {
  uint8_t family = 4;  // IPv4 unless an address says IPv6 (keepalived's rule)
  std::optional<IpAddress> from;
  int from_len = 0;
  std::optional<IpAddress> to;
  int to_len = 0;
  uint32_t table = 254;  // RT_TABLE_MAIN
  // Unset in the file: 16384, 16383, ... in file order (keepalived's rule).
  std::optional<uint32_t> priority;
  SourceLocation where;
};

struct VrrpInstance {
  std::string name;
  SourceLocation where;
  enum class InitialState { kBackup, kMaster } state = InitialState::kBackup;
  std::string interface;
  uint8_t virtual_router_id = 0;
  uint8_t priority = 100;
  absl::Duration advert_int = absl::Seconds(1);
  int version = 2;  // vrrp_version in global_defs or instance
  VrrpAuthType auth_type = VrrpAuthType::kNone;
  std::string auth_pass;  // at most 8 bytes on the wire
  std::vector<VirtualIpAddress> virtual_ipaddress;
  bool nopreempt = false;
  absl::Duration preempt_delay = absl::ZeroDuration();
  std::optional<IpAddress> unicast_src_ip;
  std::vector<IpAddress> unicast_peer;
  absl::Duration garp_master_delay = absl::Seconds(5);
  int garp_master_repeat = 5;
  absl::Duration garp_master_refresh = absl::ZeroDuration();  // 0 = off
  std::vector<TrackInterface> track_interface;
  std::vector<TrackScript> track_script;
  std::string notify_master, notify_backup, notify_fault, notify;
  bool smtp_alert = false;
  // From global_defs (vrrp_skip_check_adv_addr, vrrp_garp_interval,
  // vrrp_gna_interval): skip the address-list check of adverts from the
  // master already known; spacing of the GARPs / NAs sent in one batch.
  bool skip_check_adv_addr = false;
  // vrrp_strict: a master does not answer a lower-priority advert.
  bool strict_mode = false;
  absl::Duration garp_interval = absl::ZeroDuration();
  absl::Duration gna_interval = absl::ZeroDuration();
  // Added on becoming MASTER, removed on leaving it.
  std::vector<IpRoute> virtual_routes;
  std::vector<IpRule> virtual_rules;
};

struct VrrpScript {
  std::string name;
  std::string script;
  absl::Duration interval = absl::Seconds(1);
  absl::Duration timeout = absl::Seconds(1);
  int weight = 0;
  int rise = 1;
  int fall = 1;
  SourceLocation where;  // last, so positional initializers stay valid
};

struct VrrpSyncGroup {
  std::string name;
  std::vector<std::string> group;  // instance names
  std::string notify_master, notify_backup, notify_fault, notify;
  bool smtp_alert = false;
  SourceLocation where;  // last, so positional initializers stay valid
};

// dsrlb's own `bgp` block (keepalived has none): BGP mode. The address of
// every virtual server that no vrrp_instance lists is announced as a host
// route (/32, /128) through a GoBGP speaker's gRPC API while this host can
// serve it (controlplane/bgp/README.md).
struct Bgp {
  std::string speaker;                 // HOST:PORT of gobgpd's gRPC API
  std::optional<IpAddress> next_hop;   // for IPv4 VIPs
  std::optional<IpAddress> next_hop6;  // for IPv6 VIPs
  SourceLocation where;
};

struct Config {
  GlobalDefs global;
  std::vector<VrrpScript> vrrp_scripts;
  std::vector<VrrpInstance> vrrp_instances;
  std::vector<VrrpSyncGroup> vrrp_sync_groups;
  std::vector<VirtualServer> virtual_servers;
  // Installed when VRRP starts, removed when it stops (keepalived's rule).
  std::vector<StaticAddress> static_ipaddress;
  std::vector<IpRoute> static_routes;
  std::vector<IpRule> static_rules;
  std::vector<std::string> files;  // every file read, includes too
  std::optional<Bgp> bgp;          // a `bgp` block was written
};

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_CONFIG_H_
