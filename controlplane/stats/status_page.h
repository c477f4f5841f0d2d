// The HTML status page, in the spirit of HAProxy's stats page.
#ifndef DSRLB_CONTROLPLANE_STATS_STATUS_PAGE_H_
#define DSRLB_CONTROLPLANE_STATS_STATUS_PAGE_H_

#include <string>

#include "controlplane/stats/snapshot.h"

namespace dsrlb::stats {

// Per VIP and real server the rows of status_rows.h (status and since when,
// last check, counts, downtime, weights, ring share, connections, rates,
// packets, bytes); VRRP instances; the dataplane's lcores; its counters and
// drops. Self-contained (no scripts, no external assets); refreshes itself
// every `refresh_s` seconds (0 = never).
std::string RenderStatusPage(const Snapshot& now, int refresh_s = 5);

// The same rows as CSV (RFC 4180 quoting), HAProxy's way: the first line
// is the header, starting "# ".
std::string RenderCsv(const Snapshot& now);

// Escapes &, <, >, " and ' for HTML text and attributes.
std::string HtmlEscape(absl::string_view text);

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_STATUS_PAGE_H_
