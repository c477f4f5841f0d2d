// HTTP basic authentication (RFC 7617) for the status page, as HAProxy's
// `stats auth USER:PASS`.
#ifndef DSRLB_CONTROLPLANE_STATS_BASIC_AUTH_H_
#define DSRLB_CONTROLPLANE_STATS_BASIC_AUTH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace dsrlb::stats {

struct Credentials {
  std::string user;  // empty: no authentication
  std::string password;
};

// Whether an Authorization header value ("Basic BASE64(user:password)")
// carries `want`. Always true when `want.user` is empty. The comparison
// takes the same time wherever the strings first differ.
bool BasicAuthAllows(absl::string_view authorization, const Credentials& want);

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_BASIC_AUTH_H_
