// The HTML status page, in the spirit of HAProxy's stats page.
#ifndef DSRLB_CONTROLPLANE_STATS_STATUS_PAGE_H_
#define DSRLB_CONTROLPLANE_STATS_STATUS_PAGE_H_

#include <string>

#include "controlplane/stats/snapshot.h"

namespace dsrlb::stats {

// Per VIP and real server: status, last check, weight, ring share, packets,
// bytes, rates (against `previous`, if given), last change / downtime; VRRP
// instances; dataplane counters and drops. Self-contained (no scripts, no
// external assets); refreshes itself every `refresh_s` seconds (0 = never).
std::string RenderStatusPage(const Snapshot& now, const Snapshot* previous,
                             int refresh_s = 5);

// Escapes &, <, >, " and ' for HTML text and attributes.
std::string HtmlEscape(absl::string_view text);

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_STATUS_PAGE_H_
