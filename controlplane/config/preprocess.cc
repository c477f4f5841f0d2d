// Conditional lines and $PARAMETERS (keepalived.conf(5), ADVANCED
// CONFIGURATION), line by line, before tokenizing.
#include "controlplane/config/preprocess.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {
namespace {

// A definition that refers to itself would grow without end.
constexpr int kMaxRounds = 1000;
constexpr size_t kMaxLineBytes = 1 << 16;

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string RightTrim(std::string s) {
  while (!s.empty() && IsBlank(s.back())) s.pop_back();
  return s;
}
std::string Trim(const std::string& s) {
  size_t lead = s.find_first_not_of(" \t\r");
  return lead == std::string::npos ? "" : RightTrim(s.substr(lead));
}

// The lexer's comment rule: '#' or '!' starting a word, outside quotes.
std::string Decomment(const std::string& s) {
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') quoted = !quoted;
    if (quoted || (c != '#' && c != '!')) continue;
    if (i == 0 || IsBlank(s[i - 1]) || s[i - 1] == '{' || s[i - 1] == '}') {
      return RightTrim(s.substr(0, i));
    }
  }
  return RightTrim(s);
}

std::string DirOf(const std::string& file) {
  size_t slash = file.rfind('/');
  std::string dir = slash == std::string::npos ? "."
                    : slash == 0               ? "/"
                                               : file.substr(0, slash);
  char buf[PATH_MAX];
  return realpath(dir.c_str(), buf) != nullptr ? std::string(buf) : dir;
}

}  // namespace

std::string DefaultConfigId() {
  utsname u{};
  if (uname(&u) != 0) return "";
  std::string node = u.nodename;
  return node.substr(0, node.find('.'));
}

const Preprocessor::Definition* Preprocessor::Find(absl::string_view name) {
  auto it = defs_.find(name);
  if (it != defs_.end()) return &it->second;
  if (name == "_PWD" || name == "_INSTANCE") {
    builtin_.lines = {name == "_PWD" ? pwd_ : config_id_};
    return &builtin_;
  }
  return nullptr;
}

bool Preprocessor::Define(const std::string& s, size_t lead) {
  size_t i = lead + 1;
  if (i >= s.size() || !IsNameStart(s[i])) return false;
  while (i < s.size() && IsNameChar(s[i])) ++i;
  if (i >= s.size() || s[i] != '=') return false;
  Definition& d = defs_[s.substr(lead + 1, i - lead - 1)];
  d = Definition{};
  std::string value = Trim(s.substr(i + 1));
  if (!value.empty() && value.back() == '\\') {
    value = RightTrim(value.substr(0, value.size() - 1));
    d.multiline = true;
    if (!value.empty()) d.lines.push_back(value);
    collecting_ = &d;
  } else {
    d.lines.push_back(value);
  }
  return true;
}

// One more line of a multi-line definition; false once it has ended.
bool Preprocessor::Collect(const std::string& line) {
  bool more = !line.empty() && line.back() == '\\';
  std::string text = more ? RightTrim(line.substr(0, line.size() - 1)) : line;
  if (!text.empty()) collecting_->lines.push_back(text);
  if (more) return true;
  if (collecting_->lines.empty()) collecting_->multiline = false;
  collecting_ = nullptr;
  return false;
}

absl::StatusOr<bool> Preprocessor::Substitute(const SourceLine& cur,
                                              std::string* s,
                                              std::vector<std::string>* more) {
  bool changed = false;
  int replaced = 0;
  size_t pos = 0;
  while ((pos = s->find('$', pos)) != std::string::npos) {
    const bool braces = pos + 1 < s->size() && (*s)[pos + 1] == '{';
    const size_t start = pos + 1 + (braces ? 1 : 0);
    size_t end = start;
    if (end < s->size() && IsNameStart((*s)[end])) {
      while (end < s->size() && IsNameChar((*s)[end])) ++end;
    }
    std::string name = s->substr(start, end - start);
    if (name == "_RANDOM" || name == "_HASH" || name == "_BANG") {
      if (!defs_.contains(name)) {
        return ErrorAt(
            {file_name_, cur.line, static_cast<int>(pos) + 1},
            absl::StrCat("${", name, "} is not supported by dsrlb: define $",
                         name, "=VALUE yourself"));
      }
    }
    bool ends_right = braces ? end < s->size() && (*s)[end] == '}'
                             : end == s->size() ||
                                   absl::string_view(" \t,)").find((*s)[end]) !=
                                       absl::string_view::npos;
    const Definition* d = name.empty() || !ends_right ? nullptr : Find(name);
    size_t ref_end = end + (braces ? 1 : 0);
    if (d == nullptr || (d->multiline && ref_end != s->size())) {
      ++pos;  // undefined, or a multi-line value not alone: left as written
      continue;
    }
    if (++replaced > kMaxRounds || s->size() > kMaxLineBytes) {
      return ErrorAt({file_name_, cur.line, static_cast<int>(pos) + 1},
                     absl::StrCat("replacing $", name,
                                  " does not end: a parameter whose value "
                                  "uses itself?"));
    }
    changed = true;
    std::string first = d->lines.empty() ? "" : d->lines[0];
    if (d->multiline) {
      more->assign(d->lines.size() > 1 ? d->lines.begin() + 1 : d->lines.end(),
                   d->lines.end());
      *s = s->substr(0, pos) + first;
      return true;
    }
    s->replace(pos, ref_end - pos, first);  // rescanned: values may use more
  }
  return changed;
}

absl::Status Preprocessor::ProcessLine(SourceLine cur,
                                       std::deque<SourceLine>* queue,
                                       Emit emit) {
  std::string& s = cur.text;
  for (int round = 0;; ++round) {
    if (round > kMaxRounds) {
      return ErrorAt({file_name_, cur.line, 1},
                     "parameter substitution does not end on this line");
    }
    size_t lead = s.find_first_not_of(" \t\r");
    if (lead == std::string::npos) return absl::OkStatus();
    SourceLocation at{file_name_, cur.line, static_cast<int>(lead) + 1};
    if (s[lead] == '@') {
      size_t end = s.find_first_of(" \t", lead);
      bool negate = lead + 1 < s.size() && s[lead + 1] == '^';
      size_t id_start = lead + 1 + (negate ? 1 : 0);
      if (end == std::string::npos) end = s.size();
      if (end <= id_start) {
        return ErrorAt(at,
                       "'@' needs a config id: '@ID statement' or "
                       "'@^ID statement'");
      }
      if (s.find_first_not_of(" \t\r", end) == std::string::npos) {
        return ErrorAt(
            at, absl::StrCat("conditional line '", s.substr(lead, end - lead),
                             "' has no statement after its id"));
      }
      std::string id = s.substr(id_start, end - id_start);
      if ((id == config_id_) == negate) return absl::OkStatus();
      s.replace(lead, end - lead, std::string(end - lead, ' '));
      continue;
    }
    if (s[lead] == '$' && Define(s, lead)) return absl::OkStatus();
    if (s.compare(lead, 4, "~SEQ") == 0 || s.compare(lead, 4, "~LST") == 0) {
      return ErrorAt(at, absl::StrCat("'", s.substr(lead, 4),
                                      "' lines are not supported by dsrlb: "
                                      "write the lines out"));
    }
    if (s.find('$') == std::string::npos) break;
    std::vector<std::string> more;
    ASSIGN_OR_RETURN(bool changed, Substitute(cur, &s, &more));
    for (auto it = more.rbegin(); it != more.rend(); ++it) {
      queue->push_front({*it, cur.line});
    }
    if (!changed) break;
  }
  return emit(cur);
}

absl::Status Preprocessor::Process(absl::string_view text,
                                   const std::string& file_name, Emit emit) {
  // An include's Process runs inside `emit`; this file's names come back.
  const std::string outer_file = std::move(file_name_);
  const std::string outer_pwd = std::move(pwd_);
  file_name_ = file_name;
  pwd_ = DirOf(file_name);
  std::deque<SourceLine> queue;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    queue.push_back({std::string(line), ++number});
  }
  absl::Status status;
  while (!queue.empty() && status.ok()) {
    SourceLine cur = std::move(queue.front());
    queue.pop_front();
    // keepalived: a blank line ends a multi-line definition, a comment line
    // inside one is skipped.
    const bool blank = Trim(cur.text).empty();
    cur.text = Decomment(cur.text);
    if (collecting_ != nullptr) {
      if (blank || !Trim(cur.text).empty()) Collect(Trim(cur.text));
      continue;
    }
    status = ProcessLine(std::move(cur), &queue, emit);
    file_name_ = file_name;
    pwd_ = DirOf(file_name);
  }
  collecting_ = nullptr;
  file_name_ = outer_file;
  pwd_ = outer_pwd;
  return status;
}

}  // namespace dsrlb::config
