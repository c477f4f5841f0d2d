// Filter and paging of the status page.
#include "controlplane/stats/page_filter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace dsrlb::stats {
namespace {

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(
      s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string UrlEscape(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '.' || c == ':' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Name(const v1::VirtualServer& vs) {
  const std::string& a = vs.key().address();
  return absl::StrCat(vs.key().protocol() == v1::PROTOCOL_UDP ? "UDP " : "TCP ",
                      a.find(':') != std::string::npos ? "[" + a + "]" : a, ":",
                      vs.key().port());
}

std::string Link(const PageQuery& q, size_t page, const std::string& text) {
  return absl::StrCat("<a href=\"/?vs=", UrlEscape(q.vs), "&amp;page=", page,
                      "\">", text, "</a>");
}

}  // namespace

Snapshot FilterPage(const Snapshot& snapshot, const PageQuery& query,
                    size_t* matched) {
  Snapshot out = snapshot;
  out.servers.clear_virtual_servers();
  const size_t first = (std::max<size_t>(query.page, 1) - 1) * kServersPerPage;
  size_t n = 0;
  for (const v1::VirtualServer& vs : snapshot.servers.virtual_servers()) {
    if (!query.vs.empty() && Name(vs).find(query.vs) == std::string::npos)
      continue;
    if (n >= first && n < first + kServersPerPage)
      *out.servers.add_virtual_servers() = vs;
    n++;
  }
  *matched = n;
  return out;
}

Snapshot FilterAll(const Snapshot& snapshot, const std::string& vs_filter) {
  Snapshot out = snapshot;
  if (vs_filter.empty()) return out;
  out.servers.clear_virtual_servers();
  for (const v1::VirtualServer& vs : snapshot.servers.virtual_servers())
    if (Name(vs).find(vs_filter) != std::string::npos)
      *out.servers.add_virtual_servers() = vs;
  return out;
}

std::string PageNavigation(const PageQuery& query, size_t matched,
                           size_t total) {
  const size_t pages =
      std::max<size_t>(1, (matched + kServersPerPage - 1) / kServersPerPage);
  const size_t page = std::min(std::max<size_t>(query.page, 1), pages);
  const size_t from = matched == 0 ? 0 : (page - 1) * kServersPerPage + 1;
  const size_t to = std::min(matched, page * kServersPerPage);
  std::string h = absl::StrCat(
      "<form method=\"get\" action=\"/\">Virtual servers <input name=\"vs\" "
      "value=\"",
      Escape(query.vs),
      "\" placeholder=\"address, :port or TCP/UDP\"> <input type=\"submit\" "
      "value=\"filter\"> ",
      from, "-", to, " of ", matched,
      matched == total ? "" : absl::StrCat(" matching (", total, " in all)"),
      ", page ", page, " of ", pages, " ");
  if (page > 1) absl::StrAppend(&h, Link(query, page - 1, "&laquo; prev"), " ");
  if (page < pages) absl::StrAppend(&h, Link(query, page + 1, "next &raquo;"));
  h += "</form>\n";
  return h;
}

std::string InsertAfterBody(std::string page, const std::string& html) {
  const std::string tag = "<body>";
  size_t at = page.find(tag);
  if (at == std::string::npos) return html + page;
  page.insert(at + tag.size(), "\n" + html);
  return page;
}

}  // namespace dsrlb::stats
