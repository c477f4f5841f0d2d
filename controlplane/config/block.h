// Dispatches the statements of one block to per-keyword handlers.
#ifndef DSRLB_CONTROLPLANE_CONFIG_BLOCK_H_
#define DSRLB_CONTROLPLANE_CONFIG_BLOCK_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "controlplane/config/token.h"

namespace dsrlb::config {

struct Keyword {
  absl::string_view name;
  std::function<absl::Status(const Node&)> handle;
  // Most keywords set one value: saying it twice is a mistake keepalived
  // hides by keeping the last; blocks such as real_server may repeat.
  bool repeatable = false;
  // For aliases (nb_get_retry = retry): counted as this name for duplicates.
  absl::string_view same_as = {};
};

// Collects the errors of a whole file so that one --check run names them all:
// the first error's code, the messages one per line in file order (each
// starts FILE:LINE:COL), at most kMaxErrors of them and then a count.
class ErrorList {
 public:
  static constexpr int kMaxErrors = 100;
  void Add(const absl::Status& status);
  bool ok() const { return count_ == 0; }
  absl::Status status() const;

 private:
  absl::Status first_;
  int count_ = 0;
  std::string text_;
};

// Runs the handler of each statement in `children`, going on past a failing
// statement and returning every error (ErrorList). A keyword keepalived
// knows but dsrlb does not implement (`unsupported`) and an unknown keyword
// are errors naming it and `section`; so is a second single-valued keyword.
absl::Status DispatchBlock(
    const std::vector<Node>& children, absl::string_view section,
    const std::vector<Keyword>& keywords,
    std::initializer_list<absl::string_view> unsupported);

absl::Status NotSupported(const Token& t, absl::string_view section,
                          absl::string_view why = {});

}  // namespace dsrlb::config

#endif  // DSRLB_CONTROLPLANE_CONFIG_BLOCK_H_
