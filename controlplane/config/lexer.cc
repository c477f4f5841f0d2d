// Tokenizer for keepalived.conf text.
#include "controlplane/config/lexer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dsrlb::config {

absl::Status ErrorAt(const SourceLocation& where, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(
      where.file, ":", where.line, ":", where.column, ": ", message));
}

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Control characters other than blanks have no place in a config file;
// rejecting them keeps binary junk from turning into odd keywords.
bool IsBadControl(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7f;
}

}  // namespace

absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view text,
                                            const std::string& file_name) {
  std::vector<Token> tokens;
  int line = 1;
  size_t line_start = 0;
  bool at_line_start = true;
  size_t i = 0;
  auto where = [&](size_t pos) {
    return SourceLocation{file_name, line,
                          static_cast<int>(pos - line_start) + 1};
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = ++i;
      at_line_start = true;
      continue;
    }
    if (IsBlank(c)) {
      ++i;
      continue;
    }
    if (IsBadControl(c)) {
      return ErrorAt(where(i),
                     absl::StrFormat("invalid control character 0x%02x",
                                     static_cast<unsigned char>(c)));
    }
    Token tok;
    tok.where = where(i);
    tok.starts_line = at_line_start;
    if (c == '#' || c == '!') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    at_line_start = false;
    if (c == '{' || c == '}') {
      tok.kind = c == '{' ? Token::Kind::kOpen : Token::Kind::kClose;
      tok.text = std::string(1, c);
      ++i;
    } else if (c == '"') {
      size_t end = i + 1;
      while (end < text.size() && text[end] != '"' && text[end] != '\n') {
        if (IsBadControl(text[end])) {
          return ErrorAt(where(end),
                         "invalid control character in quoted string");
        }
        ++end;
      }
      if (end >= text.size() || text[end] != '"') {
        return ErrorAt(tok.where,
                       "unterminated quoted string: close it with '\"' on the "
                       "same line");
      }
      tok.quoted = true;
      tok.text = std::string(text.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t end = i;
      while (end < text.size() && !IsBlank(text[end]) && text[end] != '\n' &&
             text[end] != '{' && text[end] != '}' && text[end] != '"') {
        if (IsBadControl(text[end])) break;
        ++end;
      }
      tok.text = std::string(text.substr(i, end - i));
      i = end;
    }
    tokens.push_back(std::move(tok));
  }
  return tokens;
}

absl::StatusOr<std::vector<Token>> TokenizeLines(
    const std::vector<SourceLine>& lines, const std::string& file_name) {
  std::vector<Token> tokens;
  for (const SourceLine& line : lines) {
    absl::StatusOr<std::vector<Token>> some = Tokenize(line.text, file_name);
    if (!some.ok()) {
      // Tokenize counted this text as line 1.
      std::string message(some.status().message());
      std::string prefix = absl::StrCat(file_name, ":1:");
      if (message.rfind(prefix, 0) == 0) {
        message = absl::StrCat(file_name, ":", line.line, ":",
                               message.substr(prefix.size()));
      }
      return absl::InvalidArgumentError(message);
    }
    for (Token& t : *some) {
      t.where.line = line.line;
      tokens.push_back(std::move(t));
    }
  }
  return tokens;
}

}  // namespace dsrlb::config
