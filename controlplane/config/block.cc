// Keyword dispatch with duplicate, unknown and unsupported keyword errors.
#include "controlplane/config/block.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::config {

absl::Status NotSupported(const Token& t, absl::string_view section,
                          absl::string_view why) {
  return ErrorAt(t.where, absl::StrCat("'", t.text, "' in ", section,
                                       " is not supported by dsrlb",
                                       why.empty() ? "" : ": ", why));
}

void ErrorList::Add(const absl::Status& status) {
  if (status.ok()) return;
  if (first_.ok()) first_ = status;
  ++count_;
  if (count_ <= kMaxErrors) {
    absl::StrAppend(&text_, text_.empty() ? "" : "\n", status.message());
  }
}

absl::Status ErrorList::status() const {
  if (count_ <= 1) return first_;
  std::string text = text_;
  if (count_ > kMaxErrors) {
    absl::StrAppend(&text, "\n(", count_ - kMaxErrors, " more errors)");
  }
  return absl::Status(first_.code(), text);
}

namespace {

absl::Status DispatchOne(const Node& child, absl::string_view section,
                         const std::vector<Keyword>& keywords,
                         std::initializer_list<absl::string_view> unsupported,
                         std::map<absl::string_view, SourceLocation>* seen) {
  const Token& kw = child.keyword;
  const Keyword* found = nullptr;
  for (const Keyword& k : keywords) {
    if (k.name == kw.text) found = &k;
  }
  if (found == nullptr) {
    for (absl::string_view u : unsupported) {
      if (u == kw.text) return NotSupported(kw, section);
    }
    return ErrorAt(
        kw.where, absl::StrCat("unknown keyword '", kw.text, "' in ", section));
  }
  if (!found->repeatable) {
    absl::string_view key =
        found->same_as.empty() ? found->name : found->same_as;
    auto [it, inserted] = seen->emplace(key, kw.where);
    if (!inserted) {
      return ErrorAt(kw.where, absl::StrCat("'", kw.text, "' given twice in ",
                                            section, " (first at line ",
                                            it->second.line, "): keep one"));
    }
  }
  return found->handle(child);
}

}  // namespace

absl::Status DispatchBlock(
    const std::vector<Node>& children, absl::string_view section,
    const std::vector<Keyword>& keywords,
    std::initializer_list<absl::string_view> unsupported) {
  std::map<absl::string_view, SourceLocation> seen;
  ErrorList errors;
  for (const Node& child : children) {
    errors.Add(DispatchOne(child, section, keywords, unsupported, &seen));
  }
  return errors.status();
}

}  // namespace dsrlb::config
