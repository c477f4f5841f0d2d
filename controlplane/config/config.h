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

struct GlobalDefs {
  std::string router_id;
  std::vector<std::string> notification_email;
  std::string notification_email_from;
  std::string smtp_server;  // host or IP
  uint16_t smtp_port = 25;  // "smtp_server HOST PORT"
  absl::Duration smtp_connect_timeout = absl::Seconds(30);
  int vrrp_version = 2;  // default for instances that do not set version
};

enum class CheckerKind {
  kTcp,
  kHttp,
  kSsl,
  kMisc,
  kDsr,  // DSR_CHECK, a dsrlb addition: SYN to VIP:port via the RS's MAC
};

struct HttpUrl {
  std::string path;
  std::optional<int> status_code;  // default: any 2xx
  std::string digest;              // lowercase hex MD5 of the body, or empty
};

struct Checker {
  CheckerKind kind = CheckerKind::kTcp;
  SourceLocation where;
  // Connection (TCP_CHECK, HTTP_GET, SSL_GET): default the real server's.
  // DSR_CHECK: connect_port and bindto only (the target is the VIP).
  std::optional<IpAddress> connect_ip;
  std::optional<uint16_t> connect_port;
  std::optional<IpAddress> bindto;
  absl::Duration connect_timeout = absl::Seconds(5);
  // keepalived: retry (alias nb_get_retry) attempts after a failure before
  // the server is declared down, delay_before_retry between them.
  int retry = 1;
  absl::Duration delay_before_retry = absl::Seconds(1);
  // HTTP_GET / SSL_GET
  std::vector<HttpUrl> urls;
  std::string virtualhost;
  // MISC_CHECK
  std::string misc_path;  // command line, run with /bin/sh -c
  absl::Duration misc_timeout = absl::Seconds(5);
  bool misc_dynamic = false;  // exit code 2..255 sets weight = code - 2
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
  uint32_t quorum = 1;                 // sum of up weights needed for the VIP
  uint32_t hysteresis = 0;
  bool alpha = false;       // servers start down until their first check passes
  bool omega = false;       // run quorum_down when the VS is removed
  std::string quorum_up;    // script
  std::string quorum_down;  // script
  std::vector<RealServer> real_servers;
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

struct Config {
  GlobalDefs global;
  std::vector<VrrpScript> vrrp_scripts;
  std::vector<VrrpInstance> vrrp_instances;
  std::vector<VrrpSyncGroup> vrrp_sync_groups;
  std::vector<VirtualServer> virtual_servers;
  std::vector<std::string> files;  // every file read, includes too
};

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_CONFIG_H_
