// RETURN_IF_ERROR / ASSIGN_OR_RETURN: Abseil 20220623 ships neither.
#ifndef DSRLB_COMMON_STATUS_MACROS_H_
#define DSRLB_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DSRLB_CONCAT_INNER_(a, b) a##b
#define DSRLB_CONCAT_(a, b) DSRLB_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                             \
  do {                                                    \
    if (absl::Status _st = (expr); !_st.ok()) return _st; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(*tmp)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(DSRLB_CONCAT_(_statusor_, __LINE__), lhs, expr)

#endif  // DSRLB_COMMON_STATUS_MACROS_H_
