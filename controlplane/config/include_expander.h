// Reads a config file and splices in the files its 'include' lines name.
#ifndef DSRLB_CONTROLPLANE_CONFIG_INCLUDE_EXPANDER_H_
#define DSRLB_CONTROLPLANE_CONFIG_INCLUDE_EXPANDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {

struct ExpandedTokens {
  std::vector<Token> tokens;
  std::vector<std::string> files;  // every file read, in reading order
};

// Tokenizes `text` (named `file_name` in errors) and replaces each line
// "include PATTERN" by the tokens of the files the glob PATTERN matches, in
// sorted order. A relative PATTERN is taken relative to `base_dir` for the
// top text ("" = the current directory) and relative to the including file's
// directory for nested includes. A file that includes itself, directly or
// through others, is an error, as is nesting deeper than kMaxIncludeDepth.
// Conditional lines and $PARAMETERS (preprocess.h) are applied to each file
// first, with `config_id` for "@ID" lines.
absl::StatusOr<ExpandedTokens> ExpandIncludes(absl::string_view text,
                                              const std::string& file_name,
                                              const std::string& base_dir,
                                              const std::string& config_id);

// Reads a whole file; NotFound / PermissionDenied / InvalidArgument (too big).
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

inline constexpr int kMaxIncludeDepth = 16;
inline constexpr size_t kMaxConfigFileBytes = 16u << 20;

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_INCLUDE_EXPANDER_H_
