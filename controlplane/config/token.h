// Tokens and the statement tree that keepalived.conf text is read into.
#ifndef DSRLB_CONTROLPLANE_CONFIG_TOKEN_H_
#define DSRLB_CONTROLPLANE_CONFIG_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "controlplane/config/config.h"

namespace dsrlb::config {

struct Token {
  enum class Kind { kWord, kOpen, kClose } kind = Kind::kWord;
  std::string text;  // quotes removed for quoted words
  bool quoted = false;
  // First token of a physical line (or of an included file): keepalived
  // statements are one line each, so this ends the previous statement.
  bool starts_line = false;
  SourceLocation where;
};

// One statement: "keyword args... [{ children }]".
struct Node {
  Token keyword;
  std::vector<Token> args;
  bool has_block = false;
  std::vector<Node> children;
};

// "FILE:LINE:COLUMN: message" as InvalidArgument.
absl::Status ErrorAt(const SourceLocation& where, absl::string_view message);

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_TOKEN_H_
