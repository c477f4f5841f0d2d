// What operators changed through the API, kept apart from keepalived.conf
// and laid over it: at start, on every reload, and in a state file beside the
// configuration, so that a drain or a weight survives a control-plane
// restart. The file is JSON, rewritten whole (by rename) after each change,
// and read again on every reload: deleting it and reloading returns the node
// to its configuration.
#ifndef DSRLB_CONTROLPLANE_MODEL_OPERATOR_STATE_H_
#define DSRLB_CONTROLPLANE_MODEL_OPERATOR_STATE_H_

#include <istream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

class OperatorState {
 public:
  // Each virtual server the operator touched: added (with its settings),
  // removed, or edited (the settings given).
  struct VsChange {
    enum class Kind { kAdd, kRemove, kEdit } kind = Kind::kEdit;
    std::optional<config::LbAlgo> algo;
    std::optional<uint32_t> persistence_timeout_s;
  };
  // Each real server the operator touched.
  struct RsChange {
    bool added = false, removed = false;
    std::optional<uint32_t> weight;
    std::optional<bool> drain;
  };
  using RsId = std::pair<VsKey, RsKey>;

  // `path` empty: changes are kept in memory only.
  explicit OperatorState(std::string path) : path_(std::move(path)) {}

  // Reads the file (absent = no changes). A file that does not parse is an
  // error that names it and leaves the changes in memory as they were: the
  // daemon refuses to start (or to reload) rather than forget.
  absl::Status Load() ABSL_LOCKS_EXCLUDED(mu_);

  // Recorded after the change succeeded in LbState; saved at once.
  absl::Status AddVs(const VsKey& vs, config::LbAlgo algo, uint32_t persistence)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status RemoveVs(const VsKey& vs) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status EditVs(const VsKey& vs, std::optional<config::LbAlgo> algo,
                      std::optional<uint32_t> persistence)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status AddRs(const VsKey& vs, const RsKey& rs, uint32_t weight)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status RemoveRs(const VsKey& vs, const RsKey& rs)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status SetWeight(const VsKey& vs, const RsKey& rs, uint32_t weight)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status SetDrain(const VsKey& vs, const RsKey& rs, bool drain)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Lays the changes over `state` (just loaded from the configuration).
  // Returns one line for each change that no longer applies (its virtual
  // server left the configuration, ...): logged, kept in the file.
  std::vector<std::string> ApplyTo(LbState* state) const
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& path() const { return path_; }

 private:
  absl::Status Parse(std::istream& in, std::map<VsKey, VsChange>* vs,
                     std::map<RsId, RsChange>* rs) const;
  absl::Status SaveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::map<VsKey, VsChange> vs_ ABSL_GUARDED_BY(mu_);
  std::map<RsId, RsChange> rs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_MODEL_OPERATOR_STATE_H_
