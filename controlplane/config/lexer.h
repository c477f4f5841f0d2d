// Splits one file's keepalived.conf text into tokens.
#ifndef DSRLB_CONTROLPLANE_CONFIG_LEXER_H_
#define DSRLB_CONTROLPLANE_CONFIG_LEXER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controlplane/config/preprocess.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {

// Words are separated by blanks; '{' and '}' are tokens of their own even
// when written against a word; '#' or '!' at the start of a word comments
// out the rest of the line; "double quotes" make one word of a string with
// blanks, braces or comment characters in it (no escapes, one line).
absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view text,
                                            const std::string& file_name);

// Tokenize for lines that were preprocessed (preprocess.h): each token
// carries the line number of its SourceLine.
absl::StatusOr<std::vector<Token>> TokenizeLines(
    const std::vector<SourceLine>& lines, const std::string& file_name);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_LEXER_H_
