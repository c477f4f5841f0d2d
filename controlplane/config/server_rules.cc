#include "controlplane/config/server_rules.h"

#include "absl/strings/str_cat.h"

namespace dsrlb::config {

absl::Status CheckRealServerFamily(const IpAddress& vs, const IpAddress& rs) {
  if (rs.family == vs.family) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("real_server ", rs.ToString(),
                   " is not the same IP family as "
                   "virtual_server ",
                   vs.ToString(), ": direct server return cannot change it"));
}

absl::Status CheckRealServerPort(uint16_t vs_port, uint16_t rs_port) {
  if (rs_port == vs_port) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "real_server port ", rs_port, " differs from virtual_server port ",
      vs_port, ": lb_kind DR cannot map ports; the real server must listen on ",
      vs_port));
}

absl::Status CheckWeight(int64_t weight) {
  if (weight >= 0 && weight <= kMaxWeight) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("'weight' wants an integer from 0 to ", kMaxWeight,
                   ", got '", weight, "'"));
}

absl::Status CheckPersistenceTimeout(int64_t seconds) {
  if (seconds >= 0 && seconds <= kMaxPersistenceTimeoutS)
    return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("'persistence_timeout' wants an integer from 0 to ",
                   kMaxPersistenceTimeoutS, ", got '", seconds, "'"));
}

absl::Status ForField(absl::string_view field, const absl::Status& rule) {
  if (rule.ok()) return rule;
  return absl::Status(rule.code(), absl::StrCat(field, ": ", rule.message()));
}

}  // namespace dsrlb::config
