// keepalived's conditional lines (@ID, @^ID) and $PARAMETERS, applied to
// each file's lines before they are split into tokens.
#ifndef DSRLB_CONTROLPLANE_CONFIG_PREPROCESS_H_
#define DSRLB_CONTROLPLANE_CONFIG_PREPROCESS_H_

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dsrlb::config {

// One line of configuration and the line of its file it came from (the
// line that used a multi-line $PARAMETER, for each line of its value).
struct SourceLine {
  std::string text;
  int line = 0;
};

// The first part of the host name (uname), keepalived's default config id.
std::string DefaultConfigId();

// keepalived.conf(5) "ADVANCED CONFIGURATION":
// - "@ID statement" keeps the statement only when ID is the config id;
//   "@^ID statement" only when it is not.
// - "$NAME=VALUE" (no blank before '='; NAME of A-Za-z0-9_, not starting
//   with a digit) defines a parameter; a VALUE ending in '\' continues on
//   the next lines (a multi-line definition, used alone on its line).
// - "$NAME" followed by a blank, ',', ')' or the line end, and "${NAME}"
//   anywhere, are replaced by the value when NAME is defined (undefined ones
//   stay as written, so "$1" in a script is untouched); replacement is
//   repeated on the result, and definitions hold from their line on, across
//   included files. ${_PWD} (the current file's directory) and ${_INSTANCE}
//   (the config id) are predefined.
// Comments are removed first. Columns stay exact unless a line was changed
// by a replacement.
class Preprocessor {
 public:
  using Emit = absl::FunctionRef<absl::Status(const SourceLine&)>;

  explicit Preprocessor(std::string config_id)
      : config_id_(std::move(config_id)) {}

  // Calls `emit` with each resulting line in order. `emit` may call Process
  // again for an included file: definitions made there hold afterwards.
  absl::Status Process(absl::string_view text, const std::string& file_name,
                       Emit emit);

 private:
  struct Definition {
    std::vector<std::string> lines;
    bool multiline = false;
  };
  absl::Status ProcessLine(SourceLine cur, std::deque<SourceLine>* queue,
                           Emit emit);
  bool Collect(const std::string& line);
  bool Define(const std::string& s, size_t lead);
  // Replaces the parameters of `s`; lines after the first of a multi-line
  // value go to `more`. Returns whether anything was replaced.
  absl::StatusOr<bool> Substitute(const SourceLine& cur, std::string* s,
                                  std::vector<std::string>* more);
  const Definition* Find(absl::string_view name);

  std::string config_id_;
  std::string pwd_;  // directory of the file being read
  std::map<std::string, Definition, std::less<>> defs_;
  Definition builtin_;
  Definition* collecting_ = nullptr;  // inside a multi-line definition
  std::string file_name_;
};

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_PREPROCESS_H_
