// What of a state snapshot the table depends on, per virtual server, so the
// publisher tells which virtual servers a new snapshot changes without
// building their tables (a change of one is then patched, not rebuilt).
#ifndef DSRLB_CONTROLPLANE_TABLES_TABLE_INPUTS_H_
#define DSRLB_CONTROLPLANE_TABLES_TABLE_INPUTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "controlplane/model/lb_state.h"

namespace dsrlb::api {

class TableInputs {
 public:
  // Nothing known: the next snapshot has a new shape.
  void Clear();
  // Remembers what the table of `snapshot` depends on.
  void Reset(const StateSnapshot& snapshot);
  // Whether `snapshot` has the remembered shape: the same virtual servers
  // with the same real servers in the same order, and the same neighbour
  // MACs (so the same table records, ring sizes and header). If so,
  // `changed` gets the positions of the virtual servers whose table inputs
  // (scheduler, persistence, quorum, VIP activity, real servers' weight,
  // health, drain, inhibit_on_failure: what BuildVipSpec reads) differ. Costs a
  // comparison per server, no allocation.
  bool SameShape(const StateSnapshot& snapshot,
                 std::vector<size_t>* changed) const;
  // Remembers the virtual servers at `positions` of `snapshot` (same shape).
  void Update(const StateSnapshot& snapshot,
              const std::vector<size_t>& positions);

  // Whether a snapshot was remembered (Reset) since the last Clear.
  bool known() const { return known_; }
  // Whether the changed virtual servers `changes` names (not the whole
  // state) fit the remembered shape: as many virtual servers, and each
  // changed one with the key, real servers and neighbour MACs remembered at
  // its position. If so, `changed` gets the indices in
  // changes.snapshot.virtual_servers of those whose inputs differ. Costs a
  // comparison per server of the changed virtual servers alone.
  bool FitsChanges(const StateChanges& changes,
                   std::vector<size_t>* changed) const;
  // Remembers `vs` (of the same shape) at `position`; neighbours and VIP
  // activity from `lookup`.
  void UpdateAt(size_t position, const VirtualServerState& vs,
                const StateSnapshot& lookup);

 private:
  struct Rs {
    RsKey key;
    uint32_t weight = 0;  // RealServerState::Weight(): misc_dynamic's or set
    Health health = Health::kUnchecked;
    bool draining = false;
    bool inhibit_on_failure = false;
    bool sorry = false;
  };
  struct Vs {
    VsKey key;
    config::LbAlgo algo = config::LbAlgo::kWrr;
    uint32_t persistence_timeout_s = 0;
    uint8_t persistence_granularity = 0;
    uint32_t quorum = 1;
    bool quorum_up = true;
    bool sorry_in_use = false;
    bool active = true;
    std::vector<Rs> real_servers;
  };
  static Vs Of(const VirtualServerState& vs, const StateSnapshot& snapshot);
  static bool SameInputs(const Vs& had, const VirtualServerState& vs,
                         const StateSnapshot& snapshot);
  bool SameNeighbors(const StateSnapshot& snapshot) const;
  // The same virtual and real server keys as remembered at `position`.
  bool SameKeysAt(size_t position, const VirtualServerState& vs) const;
  // The MACs `lookup` gives `vs`'s real servers are the remembered ones.
  bool SameMacsOf(const VirtualServerState& vs,
                  const StateSnapshot& lookup) const;

  bool known_ = false;
  std::vector<Vs> vs_;
  std::map<IpAddress, std::optional<Mac>> macs_;
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_TABLES_TABLE_INPUTS_H_
