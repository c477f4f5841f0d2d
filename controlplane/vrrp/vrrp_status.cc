// The status snapshot as JSON: dsrlb-vrrpd's --status-file.
#include "controlplane/vrrp/vrrp_status.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace dsrlb::vrrp {

using nlohmann::json;

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
    for (const auto& v : s.vips)
      vips.push_back(absl::StrCat(v.address.ToString(), "/", v.prefix_len));
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
