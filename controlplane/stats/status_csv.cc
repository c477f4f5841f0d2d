// The status page's rows as CSV (`/;csv`), as HAProxy exports its stats.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "controlplane/stats/status_page.h"
#include "controlplane/stats/status_rows.h"

namespace dsrlb::stats {
namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes
// doubled.
std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\"", "\"\""}}), "\"");
}

}  // namespace

std::string RenderCsv(const Snapshot& now) {
  std::string out = "# ";
  for (size_t i = 0; i < kColumns.size(); i++)
    absl::StrAppend(&out, i ? "," : "", kColumns[i].csv);
  out += "\n";
  for (const StatusRow& row : StatusRows(now)) {
    for (size_t i = 0; i < row.cells.size(); i++)
      absl::StrAppend(&out, i ? "," : "", CsvField(row.cells[i].raw));
    out += "\n";
  }
  return out;
}

}  // namespace dsrlb::stats
