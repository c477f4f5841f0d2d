// Strict value readers: a malformed value is an error, never a default.
#include "controlplane/config/values.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace dsrlb::config {

bool EqualsIgnoreCase(absl::string_view a, absl::string_view b) {
  return absl::EqualsIgnoreCase(a, b);
}

absl::Status BadChoice(const Token& t, absl::string_view what,
                       absl::string_view accepted) {
  return ErrorAt(t.where, absl::StrCat("'", what, "' wants one of ", accepted,
                                       ", got '", t.text, "'"));
}

absl::Status ExpectArgs(const Node& n, size_t min, size_t max,
                        absl::string_view usage) {
  if (n.has_block) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("'", n.keyword.text, "' takes no { } block (",
                                usage, ")"));
  }
  if (n.args.size() < min) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("'", n.keyword.text, "' is missing its value (",
                                usage, ")"));
  }
  if (n.args.size() > max) {
    return ErrorAt(n.args[max].where,
                   absl::StrCat("'", n.keyword.text, "': unexpected '",
                                n.args[max].text, "' (", usage, ")"));
  }
  return absl::OkStatus();
}

absl::Status ExpectBlock(const Node& n) {
  if (!n.args.empty()) {
    return ErrorAt(n.args[0].where,
                   absl::StrCat("'", n.keyword.text, "': unexpected '",
                                n.args[0].text, "' before '{'"));
  }
  if (!n.has_block) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("'", n.keyword.text, "' needs a { } block"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> IntValue(const Token& t, absl::string_view what,
                                 int64_t min, int64_t max) {
  absl::string_view s = t.text;
  bool neg = absl::ConsumePrefix(&s, "-");
  int64_t v = 0;
  bool ok = !s.empty() && s.size() <= 12;
  for (char c : s) {
    if (c < '0' || c > '9') ok = false;
    if (ok) v = v * 10 + (c - '0');
  }
  if (neg) v = -v;
  if (!ok || v < min || v > max) {
    return ErrorAt(t.where,
                   absl::StrCat("'", what, "' wants an integer from ", min,
                                " to ", max, ", got '", t.text, "'"));
  }
  return v;
}

absl::StatusOr<absl::Duration> SecondsValue(const Token& t,
                                            absl::string_view what,
                                            absl::Duration min,
                                            absl::Duration max,
                                            absl::Duration step) {
  absl::string_view s = t.text;
  size_t dot = s.find('.');
  absl::string_view whole = s.substr(0, dot);
  absl::string_view frac =
      dot == absl::string_view::npos ? absl::string_view() : s.substr(dot + 1);
  bool ok = !whole.empty() && whole.size() <= 9 && frac.size() <= 6 &&
            (dot == absl::string_view::npos || !frac.empty());
  int64_t secs = 0, micros = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') ok = false;
    if (ok) secs = secs * 10 + (c - '0');
  }
  int64_t scale = 100000;
  for (char c : frac) {
    if (c < '0' || c > '9') ok = false;
    if (ok) micros += (c - '0') * scale;
    scale /= 10;
  }
  absl::Duration d = absl::Seconds(secs) + absl::Microseconds(micros);
  auto range = [&] {
    return absl::StrCat("'", what, "' wants seconds from ",
                        absl::FormatDuration(min), " to ",
                        absl::FormatDuration(max), ", got '", t.text, "'");
  };
  if (!ok || d < min || d > max) return ErrorAt(t.where, range());
  if (step != absl::ZeroDuration()) {
    absl::Duration rem;
    absl::IDivDuration(d, step, &rem);
    if (rem != absl::ZeroDuration()) {
      return ErrorAt(
          t.where,
          absl::StrCat("'", what, "' must be a multiple of ",
                       absl::FormatDuration(step), ", got '", t.text, "'"));
    }
  }
  return d;
}

absl::StatusOr<IpAddress> IpValue(const Token& t, absl::string_view what) {
  absl::StatusOr<IpAddress> ip = IpAddress::Parse(t.text);
  if (!ip.ok()) {
    return ErrorAt(
        t.where,
        absl::StrCat("'", what, "' wants an IPv4 or IPv6 address, got '",
                     t.text, "'"));
  }
  return *ip;
}

absl::StatusOr<uint16_t> PortValue(const Token& t, absl::string_view what) {
  absl::StatusOr<int64_t> v = IntValue(t, what, 0, 65535);
  if (!v.ok()) return v.status();
  return static_cast<uint16_t>(*v);
}

absl::StatusOr<bool> FlagValue(const Node& n) {
  if (n.has_block || n.args.size() > 1) {
    return ExpectArgs(n, 0, 1, absl::StrCat(n.keyword.text, " [on|off]"));
  }
  if (n.args.empty()) return true;
  return EnumValue<bool>(n.args[0], n.keyword.text,
                         {{"on", true},
                          {"off", false},
                          {"yes", true},
                          {"no", false},
                          {"true", true},
                          {"false", false}});
}

absl::StatusOr<std::string> ScriptValue(const Node& n) {
  if (n.has_block || n.args.empty()) {
    return ExpectArgs(n, 1, 1000, absl::StrCat(n.keyword.text, " COMMAND"));
  }
  std::string out;
  for (const Token& t : n.args) {
    if (!out.empty()) out += ' ';
    out += t.text;
  }
  if (out.empty()) {
    return ErrorAt(n.args[0].where,
                   absl::StrCat("'", n.keyword.text, "' has an empty command"));
  }
  return out;
}

}  // namespace dsrlb::config
