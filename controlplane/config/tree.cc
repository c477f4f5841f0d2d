// Statement tree builder: braces must balance, keywords come first.
#include "controlplane/config/tree.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace dsrlb::config {
namespace {

class TreeBuilder {
 public:
  explicit TreeBuilder(const std::vector<Token>& tokens) : tokens_(tokens) {}

  // Reads statements until the '}' closing `opener` (or the end for the top).
  absl::Status Statements(const Node* opener, int depth,
                          std::vector<Node>* out) {
    while (true) {
      if (pos_ >= tokens_.size()) {
        if (opener == nullptr) return absl::OkStatus();
        return ErrorAt(opener->keyword.where,
                       absl::StrCat("missing '}' closing the block of '",
                                    opener->keyword.text, "'"));
      }
      const Token& tok = tokens_[pos_];
      if (tok.kind == Token::Kind::kClose) {
        if (opener == nullptr) {
          return ErrorAt(tok.where, "'}' without a matching '{'");
        }
        ++pos_;
        return absl::OkStatus();
      }
      if (tok.kind == Token::Kind::kOpen) {
        return ErrorAt(tok.where, "'{' without a keyword before it");
      }
      if (!tok.quoted && tok.text.size() > 1 && tok.text[0] == '$') {
        return ErrorAt(tok.where,
                       absl::StrCat("'", tok.text,
                                    "' names no defined parameter (define "
                                    "it first with $NAME=VALUE)"));
      }
      Node node;
      node.keyword = tok;
      ++pos_;
      while (pos_ < tokens_.size() && !tokens_[pos_].starts_line &&
             tokens_[pos_].kind == Token::Kind::kWord) {
        node.args.push_back(tokens_[pos_++]);
      }
      if (pos_ < tokens_.size() && tokens_[pos_].kind == Token::Kind::kOpen) {
        if (depth + 1 > kMaxBlockDepth) {
          return ErrorAt(
              tokens_[pos_].where,
              absl::StrCat("blocks nested deeper than ", kMaxBlockDepth));
        }
        ++pos_;
        node.has_block = true;
        RETURN_IF_ERROR(Statements(&node, depth + 1, &node.children));
      }
      out->push_back(std::move(node));
    }
  }

 private:
  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<Node>> BuildTree(const std::vector<Token>& tokens) {
  std::vector<Node> top;
  TreeBuilder builder(tokens);
  RETURN_IF_ERROR(builder.Statements(nullptr, 0, &top));
  return top;
}

}  // namespace dsrlb::config
