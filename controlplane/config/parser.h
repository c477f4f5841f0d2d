// Reads keepalived.conf syntax into the configuration model (config.h).
#ifndef DSRLB_CONTROLPLANE_CONFIG_PARSER_H_
#define DSRLB_CONTROLPLANE_CONFIG_PARSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controlplane/config/config.h"

namespace dsrlb::config {

struct ParseOptions {
  // Compared with "@ID" conditional lines and given as ${_INSTANCE}:
  // keepalived's -i / --config-id, by default the host name up to its
  // first '.'.
  std::string config_id;
  static ParseOptions Default();
};

// Reads `path` and the files it includes (relative to each including file).
// Errors: NotFound / PermissionDenied when `path` cannot be read;
// InvalidArgument "FILE:LINE:COLUMN: what is wrong" for anything in the text.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);
absl::StatusOr<Config> LoadConfigFile(const std::string& path,
                                      const ParseOptions& options);

// Parses `text` as if read from `file_name` (used in errors); its includes
// are relative to the current directory.
absl::StatusOr<Config> ParseConfigText(absl::string_view text,
                                       const std::string& file_name);
absl::StatusOr<Config> ParseConfigText(absl::string_view text,
                                       const std::string& file_name,
                                       const ParseOptions& options);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_PARSER_H_
