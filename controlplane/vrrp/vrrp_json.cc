// JSON ↔ the config model and the status, never throwing (nlohmann is used
// only through type-checked accessors).
#include "controlplane/vrrp/vrrp_json.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace dsrlb::vrrp {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", why));
}

absl::Status GetInt(const json& j, const char* key, const std::string& where, int lo, int hi,
                    int* out) {
  if (!j.contains(key)) return absl::OkStatus();
  const json& v = j[key];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    return Bad(where + "." + key, absl::StrCat("expected an integer in [", lo, ", ", hi, "]"));
  *out = static_cast<int>(v.get<int64_t>());
  return absl::OkStatus();
}

absl::Status GetString(const json& j, const char* key, const std::string& where,
                       std::string* out) {
  if (!j.contains(key)) return absl::OkStatus();
  if (!j[key].is_string()) return Bad(where + "." + key, "expected a string");
  *out = j[key].get<std::string>();
  return absl::OkStatus();
}

absl::Status GetBool(const json& j, const char* key, const std::string& where, bool* out) {
  if (!j.contains(key)) return absl::OkStatus();
  if (!j[key].is_boolean()) return Bad(where + "." + key, "expected true or false");
  *out = j[key].get<bool>();
  return absl::OkStatus();
}

// Seconds as keepalived writes them: 1, 0.1, 0.01.
absl::Status GetSeconds(const json& j, const char* key, const std::string& where,
                        absl::Duration* out) {
  if (!j.contains(key)) return absl::OkStatus();
  const json& v = j[key];
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 86400)
    return Bad(where + "." + key, "expected seconds in [0, 86400]");
  *out = absl::Microseconds(std::llround(v.get<double>() * 1e6));
  return absl::OkStatus();
}

absl::StatusOr<IpAddress> GetIp(const json& v, const std::string& where) {
  if (!v.is_string()) return Bad(where, "expected an address string");
  auto a = IpAddress::Parse(v.get<std::string>());
  if (!a.ok()) return Bad(where, a.status().message());
  return *a;
}

// "192.168.1.100/24 dev eth1 label eth1:1" as in keepalived's virtual_ipaddress block.
absl::StatusOr<config::VirtualIpAddress> ParseVip(const json& v, const std::string& where) {
  if (!v.is_string()) return Bad(where, "expected \"ADDRESS[/PREFIX] [dev IFNAME]\"");
  std::vector<std::string> words =
      absl::StrSplit(v.get<std::string>(), ' ', absl::SkipWhitespace());
  if (words.empty()) return Bad(where, "empty address");
  config::VirtualIpAddress vip;
  std::vector<std::string> ap = absl::StrSplit(words[0], '/');
  auto a = IpAddress::Parse(ap[0]);
  if (!a.ok()) return Bad(where, a.status().message());
  vip.address = *a;
  vip.prefix_len = a->is_v4() ? 32 : 128;
  if (ap.size() == 2) {
    if (!absl::SimpleAtoi(ap[1], &vip.prefix_len) || vip.prefix_len < 0 ||
        vip.prefix_len > (a->is_v4() ? 32 : 128))
      return Bad(where, "bad prefix length '" + ap[1] + "'");
  } else if (ap.size() > 2) {
    return Bad(where, "more than one '/'");
  }
  for (size_t i = 1; i < words.size(); i += 2) {
    if ((words[i] != "dev" && words[i] != "label") || i + 1 >= words.size())
      return Bad(where, "unsupported '" + words[i] + "': only 'dev IFNAME' and 'label NAME' may follow");
    (words[i] == "dev" ? vip.dev : vip.label) = words[i + 1];
  }
  return vip;
}

absl::StatusOr<config::VrrpInstance> ParseInstance(const json& j, const std::string& where,
                                                   int default_version) {
  if (!j.is_object()) return Bad(where, "expected an object");
  config::VrrpInstance c;
  c.version = default_version;
  RETURN_IF_ERROR(GetString(j, "name", where, &c.name));
  if (c.name.empty()) return Bad(where + ".name", "every instance needs a name");
  const std::string w = "vrrp_instance " + c.name;
  std::string state = "BACKUP";
  RETURN_IF_ERROR(GetString(j, "state", w, &state));
  if (state == "MASTER") c.state = config::VrrpInstance::InitialState::kMaster;
  else if (state != "BACKUP") return Bad(w + ".state", "expected MASTER or BACKUP");
  RETURN_IF_ERROR(GetString(j, "interface", w, &c.interface));
  if (c.interface.empty()) return Bad(w + ".interface", "required");
  int vrid = 0, prio = 100;
  RETURN_IF_ERROR(GetInt(j, "virtual_router_id", w, 1, 255, &vrid));
  if (vrid == 0) return Bad(w + ".virtual_router_id", "required (1..255)");
  c.virtual_router_id = static_cast<uint8_t>(vrid);
  RETURN_IF_ERROR(GetInt(j, "priority", w, 1, 255, &prio));
  c.priority = static_cast<uint8_t>(prio);
  RETURN_IF_ERROR(GetSeconds(j, "advert_int", w, &c.advert_int));
  RETURN_IF_ERROR(GetInt(j, "vrrp_version", w, 2, 3, &c.version));
  if (j.contains("authentication")) {
    const json& a = j["authentication"];
    std::string type;
    RETURN_IF_ERROR(GetString(a, "auth_type", w + ".authentication", &type));
    RETURN_IF_ERROR(GetString(a, "auth_pass", w + ".authentication", &c.auth_pass));
    if (type == "PASS") c.auth_type = config::VrrpAuthType::kPass;
    else if (type == "AH") c.auth_type = config::VrrpAuthType::kAh;
    else if (!type.empty()) return Bad(w + ".authentication.auth_type", "expected PASS or AH");
    if (c.auth_pass.size() > 8) return Bad(w + ".authentication.auth_pass", "at most 8 characters");
  }
  if (j.contains("virtual_ipaddress")) {
    if (!j["virtual_ipaddress"].is_array()) return Bad(w + ".virtual_ipaddress", "expected a list");
    for (const json& v : j["virtual_ipaddress"]) {
      ASSIGN_OR_RETURN(auto vip, ParseVip(v, w + ".virtual_ipaddress"));
      c.virtual_ipaddress.push_back(vip);
    }
  }
  RETURN_IF_ERROR(GetBool(j, "nopreempt", w, &c.nopreempt));
  RETURN_IF_ERROR(GetSeconds(j, "preempt_delay", w, &c.preempt_delay));
  if (j.contains("unicast_src_ip")) {
    ASSIGN_OR_RETURN(IpAddress a, GetIp(j["unicast_src_ip"], w + ".unicast_src_ip"));
    c.unicast_src_ip = a;
  }
  if (j.contains("unicast_peer")) {
    if (!j["unicast_peer"].is_array()) return Bad(w + ".unicast_peer", "expected a list");
    for (const json& v : j["unicast_peer"]) {
      ASSIGN_OR_RETURN(IpAddress a, GetIp(v, w + ".unicast_peer"));
      c.unicast_peer.push_back(a);
    }
  }
  RETURN_IF_ERROR(GetSeconds(j, "garp_master_delay", w, &c.garp_master_delay));
  RETURN_IF_ERROR(GetInt(j, "garp_master_repeat", w, 1, 255, &c.garp_master_repeat));
  RETURN_IF_ERROR(GetSeconds(j, "garp_master_refresh", w, &c.garp_master_refresh));
  for (const char* key : {"track_interface", "track_script"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_array()) return Bad(w + "." + key, "expected a list");
    for (const json& t : j[key]) {
      std::string name;
      int weight = 0;
      if (t.is_string()) {
        name = t.get<std::string>();
      } else {
        RETURN_IF_ERROR(GetString(t, "name", w + "." + key, &name));
        RETURN_IF_ERROR(GetInt(t, "weight", w + "." + key, -253, 253, &weight));
      }
      if (name.empty()) return Bad(w + "." + key, "entry without a name");
      if (std::string(key) == "track_interface") c.track_interface.push_back({name, weight});
      else c.track_script.push_back({name, weight});
    }
  }
  RETURN_IF_ERROR(GetString(j, "notify_master", w, &c.notify_master));
  RETURN_IF_ERROR(GetString(j, "notify_backup", w, &c.notify_backup));
  RETURN_IF_ERROR(GetString(j, "notify_fault", w, &c.notify_fault));
  RETURN_IF_ERROR(GetString(j, "notify", w, &c.notify));
  RETURN_IF_ERROR(GetBool(j, "smtp_alert", w, &c.smtp_alert));
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* kKnown[] = {
        "name", "state", "interface", "virtual_router_id", "priority", "advert_int",
        "vrrp_version", "authentication", "virtual_ipaddress", "nopreempt", "preempt_delay",
        "unicast_src_ip", "unicast_peer", "garp_master_delay", "garp_master_repeat",
        "garp_master_refresh", "track_interface", "track_script", "notify_master",
        "notify_backup", "notify_fault", "notify", "smtp_alert"};
    if (std::none_of(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return it.key() == k; }))
      return Bad(w, "unknown keyword '" + it.key() + "'");
  }
  return c;
}

}  // namespace

absl::StatusOr<config::Config> ParseVrrpConfigJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Bad("config", "not a JSON object");
  config::Config c;
  int version = 2;
  if (j.contains("global_defs")) {
    const json& g = j["global_defs"];
    RETURN_IF_ERROR(GetString(g, "router_id", "global_defs", &c.global.router_id));
    RETURN_IF_ERROR(GetString(g, "smtp_server", "global_defs", &c.global.smtp_server));
    int port = c.global.smtp_port;
    RETURN_IF_ERROR(GetInt(g, "smtp_port", "global_defs", 1, 65535, &port));
    c.global.smtp_port = static_cast<uint16_t>(port);
    RETURN_IF_ERROR(GetSeconds(g, "smtp_connect_timeout", "global_defs",
                               &c.global.smtp_connect_timeout));
    RETURN_IF_ERROR(GetString(g, "notification_email_from", "global_defs",
                              &c.global.notification_email_from));
    if (g.contains("notification_email")) {
      if (!g["notification_email"].is_array())
        return Bad("global_defs.notification_email", "expected a list of addresses");
      for (const json& e : g["notification_email"]) {
        if (!e.is_string()) return Bad("global_defs.notification_email", "expected strings");
        c.global.notification_email.push_back(e.get<std::string>());
      }
    }
    RETURN_IF_ERROR(GetInt(g, "vrrp_version", "global_defs", 2, 3, &version));
    c.global.vrrp_version = version;
  }
  if (j.contains("vrrp_script")) {
    for (const json& s : j["vrrp_script"]) {
      config::VrrpScript sc;
      RETURN_IF_ERROR(GetString(s, "name", "vrrp_script", &sc.name));
      const std::string w = "vrrp_script " + sc.name;
      RETURN_IF_ERROR(GetString(s, "script", w, &sc.script));
      RETURN_IF_ERROR(GetSeconds(s, "interval", w, &sc.interval));
      RETURN_IF_ERROR(GetSeconds(s, "timeout", w, &sc.timeout));
      RETURN_IF_ERROR(GetInt(s, "weight", w, -253, 253, &sc.weight));
      RETURN_IF_ERROR(GetInt(s, "rise", w, 1, 1000, &sc.rise));
      RETURN_IF_ERROR(GetInt(s, "fall", w, 1, 1000, &sc.fall));
      if (sc.name.empty() || sc.script.empty()) return Bad(w, "needs name and script");
      c.vrrp_scripts.push_back(sc);
    }
  }
  if (j.contains("vrrp_instance")) {
    if (!j["vrrp_instance"].is_array()) return Bad("vrrp_instance", "expected a list");
    for (const json& i : j["vrrp_instance"]) {
      ASSIGN_OR_RETURN(auto inst, ParseInstance(i, "vrrp_instance", version));
      c.vrrp_instances.push_back(std::move(inst));
    }
  }
  if (j.contains("vrrp_sync_group")) {
    for (const json& g : j["vrrp_sync_group"]) {
      config::VrrpSyncGroup sg;
      RETURN_IF_ERROR(GetString(g, "name", "vrrp_sync_group", &sg.name));
      const std::string w = "vrrp_sync_group " + sg.name;
      if (!g.contains("group") || !g["group"].is_array()) return Bad(w + ".group", "expected a list");
      for (const json& m : g["group"]) {
        if (!m.is_string()) return Bad(w + ".group", "expected instance names");
        sg.group.push_back(m.get<std::string>());
      }
      RETURN_IF_ERROR(GetString(g, "notify_master", w, &sg.notify_master));
      RETURN_IF_ERROR(GetString(g, "notify_backup", w, &sg.notify_backup));
      RETURN_IF_ERROR(GetString(g, "notify_fault", w, &sg.notify_fault));
      RETURN_IF_ERROR(GetString(g, "notify", w, &sg.notify));
      RETURN_IF_ERROR(GetBool(g, "smtp_alert", w, &sg.smtp_alert));
      c.vrrp_sync_groups.push_back(sg);
    }
  }
  return c;
}

std::string StatusToJson(const std::vector<InstanceStatus>& status) {
  json out = json::array();
  for (const InstanceStatus& s : status) {
    json j;
    j["name"] = s.name;
    j["interface"] = s.interface;
    j["sync_group"] = s.sync_group;
    j["vrid"] = s.vrid;
    j["version"] = s.version;
    j["state"] = StateName(s.state);
    j["priority"] = s.priority;
    j["effective_priority"] = s.effective_priority;
    j["master"] = s.master_addr.family ? s.master_addr.ToString() : "";
    j["source"] = s.source_addr.ToString();
    j["advert_int_ms"] = absl::ToInt64Milliseconds(s.advert_int);
    j["master_adver_int_ms"] = absl::ToInt64Milliseconds(s.master_adver_int);
    j["vips_active"] = s.vips_active;
    json vips = json::array();
    for (const auto& v : s.vips) vips.push_back(absl::StrCat(v.address.ToString(), "/", v.prefix_len));
    j["vips"] = vips;
    json tr = json::array();
    for (const Transition& t : s.transitions)
      tr.push_back({{"at_unix_ns", absl::ToUnixNanos(t.wall_time)},
                    {"from", StateName(t.from)},
                    {"to", StateName(t.to)},
                    {"reason", t.reason}});
    j["transitions"] = tr;
    const InstanceCounters& c = s.counters;
    json cj = {{"adverts_sent", c.adverts_sent},
               {"adverts_received", c.adverts_received},
               {"priority_zero_sent", c.priority_zero_sent},
               {"priority_zero_received", c.priority_zero_received},
               {"became_master", c.became_master},
               {"send_errors", c.send_errors},
               {"address_errors", c.address_errors}};
    json drops = json::object();
    for (size_t i = 0; i < kDropReasonCount; i++)
      drops[DropReasonName(static_cast<DropReason>(i))] = c.drops[i];
    cj["drops"] = drops;
    j["counters"] = cj;
    out.push_back(j);
  }
  // replace: a name that is not UTF-8 must not throw.
  return out.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace dsrlb::vrrp
