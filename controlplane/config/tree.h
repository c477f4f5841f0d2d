// Groups tokens into statements and nested { } blocks.
#ifndef DSRLB_CONTROLPLANE_CONFIG_TREE_H_
#define DSRLB_CONTROLPLANE_CONFIG_TREE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {

// A statement is a word and the words after it on the same line; a '{'
// right after it (on the same or the next line) opens its block.
absl::StatusOr<std::vector<Node>> BuildTree(const std::vector<Token>& tokens);

inline constexpr int kMaxBlockDepth = 8;

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_TREE_H_
