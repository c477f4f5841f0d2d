// Reading the values of one statement: counts, integers, seconds, addresses.
#ifndef DSRLB_CONTROLPLANE_CONFIG_VALUES_H_
#define DSRLB_CONTROLPLANE_CONFIG_VALUES_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/ip_address.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {

// The statement has between min and max values and no block; `usage`
// ("delay_loop SECONDS") is shown when it does not.
absl::Status ExpectArgs(const Node& n, size_t min, size_t max,
                        absl::string_view usage);
// The statement is "keyword {" with no values.
absl::Status ExpectBlock(const Node& n);

// Integer in [min, max], decimal only.
absl::StatusOr<int64_t> IntValue(const Token& t, absl::string_view what,
                                 int64_t min, int64_t max);
// Seconds as "N" or "N.FFF" (at most 6 decimals), in [min, max]; when
// `step` is not zero the value must be a whole multiple of it.
absl::StatusOr<absl::Duration> SecondsValue(const Token& t,
                                            absl::string_view what,
                                            absl::Duration min,
                                            absl::Duration max,
                                            absl::Duration step = {});
absl::StatusOr<IpAddress> IpValue(const Token& t, absl::string_view what);
absl::StatusOr<uint16_t> PortValue(const Token& t, absl::string_view what);
// Optional on|off|yes|no|true|false after a flag keyword (bare = true).
absl::StatusOr<bool> FlagValue(const Node& n);
// A script command line: its values joined by single blanks (a quoted value
// is kept whole, so "notify_up \"/bin/x a\"" and "notify_up /bin/x a" match).
absl::StatusOr<std::string> ScriptValue(const Node& n);

// Case-insensitive choice; error lists the accepted names.
template <typename E>
absl::StatusOr<E> EnumValue(
    const Token& t, absl::string_view what,
    std::initializer_list<std::pair<absl::string_view, E>> choices);

absl::Status BadChoice(const Token& t, absl::string_view what,
                       absl::string_view accepted);
bool EqualsIgnoreCase(absl::string_view a, absl::string_view b);

template <typename E>
absl::StatusOr<E> EnumValue(
    const Token& t, absl::string_view what,
    std::initializer_list<std::pair<absl::string_view, E>> choices) {
  std::string accepted;
  for (const auto& [name, value] : choices) {
    if (config::EqualsIgnoreCase(t.text, name)) return value;
    if (!accepted.empty()) accepted += "|";
    accepted += std::string(name);
  }
  return BadChoice(t, what, accepted);
}

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_VALUES_H_
