// 'include' handling: glob, paths relative to the including file, loops.
#include "controlplane/config/include_expander.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "controlplane/config/lexer.h"

namespace dsrlb::config {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return path;
  return buf;
}

bool HasGlobChars(absl::string_view s) {
  return s.find_first_of("*?[") != absl::string_view::npos;
}

class Expander {
 public:
  explicit Expander(const std::string& config_id) : pre_(config_id) {}

  absl::Status Expand(absl::string_view text, const std::string& file_name,
                      const std::string& base_dir, int depth) {
    size_t first = out_.tokens.size();
    RETURN_IF_ERROR(pre_.Process(
        text, file_name, [&](const SourceLine& line) -> absl::Status {
          return Line(line, file_name, base_dir, depth);
        }));
    // An included file's first statement ends the one before the include.
    if (out_.tokens.size() > first) out_.tokens[first].starts_line = true;
    return absl::OkStatus();
  }

  // One line: its tokens, or the files an "include PATTERN" line names.
  absl::Status Line(const SourceLine& line, const std::string& file_name,
                    const std::string& base_dir, int depth) {
    ASSIGN_OR_RETURN(std::vector<Token> tokens,
                     TokenizeLines({line}, file_name));
    if (tokens.empty()) return absl::OkStatus();
    const Token& tok = tokens[0];
    if (tok.kind != Token::Kind::kWord || tok.quoted || tok.text != "include") {
      for (Token& t : tokens) out_.tokens.push_back(std::move(t));
      return absl::OkStatus();
    }
    bool words = true;
    for (const Token& t : tokens) words &= t.kind == Token::Kind::kWord;
    if (tokens.size() != 2 || !words) {
      return ErrorAt(tok.where,
                     "'include' takes exactly one file name or glob pattern");
    }
    return Include(tok, tokens[1], base_dir, depth);
  }

  absl::Status Include(const Token& include, const Token& pattern_tok,
                       const std::string& base_dir, int depth) {
    if (depth >= kMaxIncludeDepth) {
      return ErrorAt(include.where,
                     absl::StrCat("'include' nested deeper than ",
                                  kMaxIncludeDepth, " files"));
    }
    std::string pattern = pattern_tok.text;
    if (pattern.empty()) {
      return ErrorAt(pattern_tok.where, "'include' needs a file name");
    }
    if (pattern[0] != '/' && !base_dir.empty()) {
      pattern = absl::StrCat(base_dir, "/", pattern);
    }
    std::vector<std::string> matches;
    glob_t g{};
    int rc = glob(pattern.c_str(), GLOB_ERR, nullptr, &g);
    if (rc == 0) {
      for (size_t k = 0; k < g.gl_pathc; ++k) matches.push_back(g.gl_pathv[k]);
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      return ErrorAt(pattern_tok.where,
                     absl::StrCat("'include ", pattern_tok.text,
                                  "': cannot read the directory of ", pattern));
    }
    // An empty conf.d is normal; a named file that is not there is a typo.
    if (matches.empty() && !HasGlobChars(pattern_tok.text)) {
      return ErrorAt(pattern_tok.where,
                     absl::StrCat("'include ", pattern_tok.text, "': ", pattern,
                                  " does not exist"));
    }
    for (const std::string& path : matches) {
      std::string real = RealPath(path);
      for (size_t k = 0; k < stack_.size(); ++k) {
        if (stack_[k] != real) continue;
        std::vector<std::string> chain(stack_.begin() + k, stack_.end());
        chain.push_back(real);
        return ErrorAt(
            include.where,
            absl::StrCat("include loop: ", absl::StrJoin(chain, " -> ")));
      }
      absl::StatusOr<std::string> text = ReadConfigFile(path);
      if (!text.ok()) {
        return ErrorAt(pattern_tok.where,
                       absl::StrCat("'include ", pattern_tok.text,
                                    "': ", text.status().message()));
      }
      out_.files.push_back(path);
      stack_.push_back(real);
      RETURN_IF_ERROR(Expand(*text, path, DirName(path), depth + 1));
      stack_.pop_back();
    }
    return absl::OkStatus();
  }

  std::vector<std::string> stack_;  // real paths of the files being read
  ExpandedTokens out_;
  Preprocessor pre_;  // its $PARAMETERS hold across included files
};

}  // namespace

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string why = absl::StrCat("cannot open ", path, ": ", strerror(err));
    if (err == EACCES) return absl::PermissionDeniedError(why);
    return absl::NotFoundError(why);
  }
  // Devices and FIFOs could block or never end.
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxConfigFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is larger than ", kMaxConfigFileBytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  }
  // One byte more than stat said, to notice a file that grew.
  std::string text(static_cast<size_t>(st.st_size) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is larger than ", kMaxConfigFileBytes, " bytes"));
  }
  return text;
}

absl::StatusOr<ExpandedTokens> ExpandIncludes(absl::string_view text,
                                              const std::string& file_name,
                                              const std::string& base_dir,
                                              const std::string& config_id) {
  Expander e(config_id);
  e.out_.files.push_back(file_name);
  // The top text is on the stack only if it is a real file, so that a file
  // including its includer is caught at once.
  char buf[PATH_MAX];
  if (realpath(file_name.c_str(), buf) != nullptr) e.stack_.push_back(buf);
  RETURN_IF_ERROR(e.Expand(text, file_name, base_dir, 0));
  return std::move(e.out_);
}

}  // namespace dsrlb::config
