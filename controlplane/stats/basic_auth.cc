// Checks an Authorization: Basic header.
#include "controlplane/stats/basic_auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dsrlb::stats {
namespace {

bool SameText(absl::string_view a, absl::string_view b) {
  unsigned diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); i++)
    diff |= static_cast<unsigned char>(a[i]) ^
            static_cast<unsigned char>(i < b.size() ? b[i] : 0);
  return diff == 0;
}

}  // namespace

bool BasicAuthAllows(absl::string_view authorization, const Credentials& want) {
  if (want.user.empty()) return true;
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "basic ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme))
    return false;
  std::string decoded;
  if (!absl::Base64Unescape(
          absl::StripAsciiWhitespace(authorization.substr(kScheme.size())),
          &decoded))
    return false;
  return SameText(decoded, absl::StrCat(want.user, ":", want.password));
}

}  // namespace dsrlb::stats
