// JSON -> TableSpec, without exceptions escaping: every error is a Status.
#include "controlplane/tables/spec_json.h"

#include <netinet/in.h>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace dsrlb::tables {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& where, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", why));
}

template <typename T>
absl::StatusOr<T> GetUint(const json& j, const std::string& key,
                          const std::string& where, T fallback, T max) {
  if (!j.contains(key)) return fallback;
  const json& v = j[key];
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max)
    return Bad(where + "." + key,
               absl::StrCat("expected an integer in [0, ", max, "]"));
  return static_cast<T>(v.get<uint64_t>());
}

absl::StatusOr<std::string> GetString(const json& j, const std::string& key,
                                      const std::string& where,
                                      const std::string& fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) return Bad(where + "." + key, "expected a string");
  return j[key].get<std::string>();
}

absl::StatusOr<IpAddress> GetAddress(const json& j, const std::string& where) {
  ASSIGN_OR_RETURN(std::string text, GetString(j, "address", where, ""));
  auto a = IpAddress::Parse(text);
  if (!a.ok()) return Bad(where + ".address", a.status().message());
  return *a;
}

absl::StatusOr<BackendSpec> ParseBackend(const json& j,
                                         const std::string& where) {
  if (!j.is_object()) return Bad(where, "expected an object");
  BackendSpec b;
  ASSIGN_OR_RETURN(b.address, GetAddress(j, where));
  ASSIGN_OR_RETURN(b.port, GetUint<uint16_t>(j, "port", where, 0, 65535));
  ASSIGN_OR_RETURN(b.weight, GetUint<uint32_t>(j, "weight", where, 1, 65535));
  ASSIGN_OR_RETURN(std::string state, GetString(j, "state", where, "up"));
  if (state == "up")
    b.state = DSRLB_BACKEND_UP;
  else if (state == "draining")
    b.state = DSRLB_BACKEND_DRAINING;
  else if (state == "down")
    b.state = DSRLB_BACKEND_DOWN;
  else
    return Bad(where + ".state", "expected up, draining or down");
  ASSIGN_OR_RETURN(std::string mac,
                   GetString(j, "mac", where, "00:00:00:00:00:00"));
  auto m = ParseMac(mac);
  if (!m.ok()) return Bad(where + ".mac", m.status().message());
  b.mac = *m;
  return b;
}

absl::StatusOr<VipSpec> ParseVip(const json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "expected an object");
  VipSpec v;
  ASSIGN_OR_RETURN(v.address, GetAddress(j, where));
  ASSIGN_OR_RETURN(v.port, GetUint<uint16_t>(j, "port", where, 0, 65535));
  ASSIGN_OR_RETURN(std::string proto, GetString(j, "protocol", where, "tcp"));
  if (proto == "tcp" || proto == "TCP")
    v.proto = IPPROTO_TCP;
  else if (proto == "udp" || proto == "UDP")
    v.proto = IPPROTO_UDP;
  else
    return Bad(where + ".protocol", "expected tcp or udp");
  if (j.contains("active")) {
    if (!j["active"].is_boolean())
      return Bad(where + ".active", "expected true or false");
    v.active = j["active"].get<bool>();
  }
  ASSIGN_OR_RETURN(
      v.persistence_timeout_s,
      GetUint<uint32_t>(j, "persistence_timeout", where, 0, 86400 * 31));
  ASSIGN_OR_RETURN(
      v.persistence_prefix_len,
      GetUint<uint8_t>(j, "persistence_granularity", where, 0, 128));
  ASSIGN_OR_RETURN(v.ring_size,
                   GetUint<uint32_t>(j, "ring_size", where, 0, 0xffffffffu));
  if (j.contains("backends")) {
    if (!j["backends"].is_array())
      return Bad(where + ".backends", "expected an array");
    for (size_t i = 0; i < j["backends"].size(); i++) {
      ASSIGN_OR_RETURN(BackendSpec b,
                       ParseBackend(j["backends"][i],
                                    absl::StrCat(where, ".backends[", i, "]")));
      v.backends.push_back(b);
    }
  }
  return v;
}

}  // namespace

absl::StatusOr<TableSpec> ParseTableSpecJson(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("spec", "not valid JSON");
  if (!j.is_object()) return Bad("spec", "expected an object");
  TableSpec spec;
  ASSIGN_OR_RETURN(
      spec.ring_size,
      GetUint<uint32_t>(j, "ring_size", "spec", kDefaultRingSize, 0xffffffffu));
  ASSIGN_OR_RETURN(spec.hash_seed,
                   GetUint<uint64_t>(j, "hash_seed", "spec", 0, ~0ull));
  ASSIGN_OR_RETURN(std::string mac,
                   GetString(j, "port_mac", "spec", "00:00:00:00:00:00"));
  auto m = ParseMac(mac);
  if (!m.ok()) return Bad("spec.port_mac", m.status().message());
  spec.port_mac = *m;
  if (!j.contains("vips") || !j["vips"].is_array())
    return Bad("spec.vips", "expected an array");
  for (size_t i = 0; i < j["vips"].size(); i++) {
    ASSIGN_OR_RETURN(
        VipSpec v, ParseVip(j["vips"][i], absl::StrCat("spec.vips[", i, "]")));
    spec.vips.push_back(std::move(v));
  }
  return spec;
}

}  // namespace dsrlb::tables
