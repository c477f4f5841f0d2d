// The status page's filter and paging (`/?vs=TEXT&page=N`): a table of
// thousands of virtual servers shows one page of those that match.
#ifndef DSRLB_CONTROLPLANE_STATS_PAGE_FILTER_H_
#define DSRLB_CONTROLPLANE_STATS_PAGE_FILTER_H_

#include <cstddef>
#include <string>

#include "controlplane/stats/snapshot.h"

namespace dsrlb::stats {

inline constexpr size_t kServersPerPage = 100;

struct PageQuery {
  std::string vs;   // substring of "PROTO ADDRESS:PORT" (case-sensitive)
  size_t page = 1;  // from 1
};

// `snapshot` with only the page's virtual servers; *matched gets how many
// matched the filter in all.
Snapshot FilterPage(const Snapshot& snapshot, const PageQuery& query,
                    size_t* matched);

// `snapshot` with every virtual server that matches `vs` (no paging).
Snapshot FilterAll(const Snapshot& snapshot, const std::string& vs);

// The form and page links, HTML-escaped, for the top of the page.
std::string PageNavigation(const PageQuery& query, size_t matched,
                           size_t total);

// Inserts `html` right after the page's <body> tag.
std::string InsertAfterBody(std::string page, const std::string& html);

}  // namespace dsrlb::stats

#endif  // DSRLB_CONTROLPLANE_STATS_PAGE_FILTER_H_
