// The status page's rows, once for the HTML page and the CSV export: a
// total row per virtual server, then a row per real server, each with the
// same columns (kColumns), as raw values (CSV) and as shown (HTML).
#ifndef DSRLB_CONTROLPLANE_STATS_STATUS_ROWS_H_
#define DSRLB_CONTROLPLANE_STATS_STATUS_ROWS_H_

#include <string>
#include <vector>

#include "controlplane/stats/snapshot.h"

namespace dsrlb::stats {

struct Column {
  const char* csv;   // CSV header and /metrics-like name
  const char* html;  // short table header; null: a CSV-only column
};

// vs, server, status, since_s, vrrp, check_status, check_result,
// check_duration_ms, check_age_s, checks, check_failures, down_transitions,
// downtime_s, weight, effective_weight, ring_slots, ring_share_pct,
// active_conns, inactive_conns, max_conns, conns_total, conn_rate,
// max_conn_rate, packets, packet_rate, bytes, byte_rate, mac, reason, bgp,
// bgp_reason. A BGP-mode virtual server's row has its route's state in
// since_s (since it last changed), bgp ("announced", "withdrawn") and
// bgp_reason; the page shows "BGP announced" or "BGP withdrawn: REASON"
// in the VRRP/BGP column, whose CSV value (vrrp) stays VRRP's alone.
extern const std::vector<Column> kColumns;

struct Cell {
  std::string raw;    // CSV: plain numbers (seconds, ms, counts), no units
  std::string shown;  // HTML text, not yet escaped ("3m00s", "12.0K")
  bool left = false;  // text column
  bool em = false;    // shown in italics: a placeholder, not a value
};

struct StatusRow {
  bool total = false;       // the virtual server's row
  std::string css;          // vs, up, down, drain, nomac
  std::vector<Cell> cells;  // one per kColumns entry
};

// Rows of every virtual server of `s`, in order.
std::vector<StatusRow> StatusRows(const Snapshot& s);

// "PROTO ADDRESS:PORT", "[v6]:PORT", "*" for port 0.
std::string VsName(const v1::VirtualServer& vs);
std::string HostPort(const std::string& addr, uint32_t port);
// 59 -> "59s", 61 -> "1m01s", 3700 -> "1h01m", 90000 -> "1d01h".
std::string DurationText(int64_t seconds);
// 10239 -> "10239", 10240 -> "10.0K", then M and G.
std::string BytesText(uint64_t bytes);
// The VRRP instance whose virtual_ipaddress holds `address`, "" if none.
const v1::VrrpInstance* VrrpFor(const Snapshot& s, const std::string& address);
std::string VrrpText(v1::VrrpState state);
// "BGP announced", "BGP withdrawn: dataplane down: ...".
std::string BgpText(const v1::BgpAnnouncement& bgp);

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_STATUS_ROWS_H_
