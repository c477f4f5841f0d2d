// Turns state snapshots into tables and publishes them into the table
// region; reads the dataplane's stats region for quiescence and counters.
#ifndef DSRLB_CONTROLPLANE_TABLES_PUBLISHER_H_
#define DSRLB_CONTROLPLANE_TABLES_PUBLISHER_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/model/lb_state.h"
#include "controlplane/tables/rate_meter.h"
#include "controlplane/tables/ring_fingerprint.h"
#include "controlplane/tables/slot_keeper.h"
#include "controlplane/tables/table_builder.h"
#include "controlplane/tables/table_inputs.h"
#include "controlplane/tables/table_spec.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::api {

struct TableOptions {
  uint32_t ring_size = tables::kDefaultRingSize;
  uint64_t hash_seed = 0;
  Mac port_mac{};
};

// Persistence given to an `sh` virtual server written without
// persistence_timeout (keepalived's default persistence_timeout, 6 min).
inline constexpr uint32_t kShPersistenceS = 360;

// The table for a snapshot: VIP i is the snapshot's virtual server i (the
// publisher then gives each its stable record), each with the ring size
// RingSizeFor(options.ring_size, its real servers).
tables::TableSpec BuildSpec(const StateSnapshot& snapshot,
                            const TableOptions& options);
// The VIP of one virtual server of `snapshot` (BuildSpec's, without
// records). Whatever it reads, TableInputs compares.
tables::VipSpec BuildVipSpec(const VirtualServerState& vs,
                             const StateSnapshot& snapshot,
                             const TableOptions& options);

// Where each server landed in the last published table.
struct PublishedTable {
  uint64_t generation = 0;
  uint64_t state_version = 0;
  std::map<VsKey, uint32_t> vip_index;
  struct Backend {
    uint32_t index = 0;  // backend record, from 1
    uint32_t ring_slots = 0;
  };
  std::map<std::pair<VsKey, RsKey>, Backend> backends;
  // tables::RingFingerprint of each virtual server's ring in force.
  std::map<VsKey, uint64_t> ring_fingerprint;
};

// One worker lcore as the stats region shows it.
struct LcoreReading {
  uint32_t lcore_id = 0;
  uint64_t generation = 0;
  uint64_t heartbeat = 0;        // its loop iterations
  int64_t heartbeat_age_ms = 0;  // since a ReadStats saw `heartbeat` move
  uint64_t rx_packets = 0;
  uint64_t drops = 0;  // all reasons
};

struct StatsReading {
  bool present = false;  // a stats region is mapped
  shm::StatsTotals totals;
  // Per second over about the last second, by record (RateMeter).
  Rates rates;
  bool alive = false;  // dataplane running with a moving heartbeat
  std::vector<uint64_t> lcore_generations;
  std::vector<LcoreReading> lcores;  // the active ones, as lcore_generations
  int64_t heartbeat_age_ms = -1;     // the main lcore's; -1: no region
};

class Publisher {
 public:
  // Opens the table region at `table_path` (a restarted control plane goes
  // on from its generation) or creates it. `stats_path` may be empty or
  // name a file that appears later.
  static absl::StatusOr<std::unique_ptr<Publisher>> Create(
      const std::string& table_path, const std::string& stats_path,
      const TableOptions& options);

  // Builds and publishes the snapshot; returns the new generation. On
  // error the table in force stays. When the snapshot has the shape of the
  // table in force (the same virtual and real servers and neighbour MACs)
  // only the virtual servers whose inputs changed are built, and only they
  // (and those the inactive slot holds out of date) are written into it
  // (tables::SlotKeeper): a weight or health change costs its virtual server.
  absl::StatusOr<uint64_t> Publish(const StateSnapshot& snapshot)
      ABSL_LOCKS_EXCLUDED(publish_mu_, stats_mu_, published_mu_);
  // Publishes the state's changes since the table in force: `changes(v)`
  // returns LbState::ChangesSince(v) of the one state this publisher's
  // tables come from (the caller wraps it in its own locking). When the
  // answer names the virtual servers touched and the table keeps its shape,
  // only they are compared, built and patched in: no copy of the whole
  // state and no pass over it. Otherwise it asks again since 0 and
  // publishes the whole state as Publish(snapshot) does.
  using ChangesFn = absl::FunctionRef<StateChanges(uint64_t since)>;
  absl::StatusOr<uint64_t> PublishChanges(ChangesFn changes)
      ABSL_LOCKS_EXCLUDED(publish_mu_, stats_mu_, published_mu_);
  // What the last publish wrote (rings built, records written) and how many
  // virtual servers' inputs it compared.
  tables::PublishWork LastWork() ABSL_LOCKS_EXCLUDED(publish_mu_);
  // For the capacity benchmark: false writes every record on every publish
  // (rings still reused), the method before patching.
  void SetPatching(bool on) ABSL_LOCKS_EXCLUDED(publish_mu_);

  PublishedTable Published() const ABSL_LOCKS_EXCLUDED(published_mu_);
  // Published()'s generation and state version, without copying its maps.
  uint64_t PublishedGeneration() const ABSL_LOCKS_EXCLUDED(published_mu_);
  uint64_t PublishedStateVersion() const ABSL_LOCKS_EXCLUDED(published_mu_);
  // The geometry of the region in force (it grows with the configuration).
  shm::TableGeometry Geometry() ABSL_LOCKS_EXCLUDED(publish_mu_);
  StatsReading ReadStats() ABSL_LOCKS_EXCLUDED(stats_mu_, rate_mu_);

 private:
  Publisher(shm::TableWriter writer, std::string table_path,
            std::string stats_path, const TableOptions& options)
      : writer_(std::move(writer)),
        table_path_(std::move(table_path)),
        stats_path_(std::move(stats_path)),
        options_(options) {}
  // Gives each virtual server of `snapshot` its VIP record: the one it had,
  // or the lowest free one; records of removed servers become free.
  std::vector<uint32_t> AssignRecords(const StateSnapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // The same for real servers: spec's BackendSpec::record.
  void AssignBackendRecords(const StateSnapshot& snapshot,
                            tables::TableSpec* spec)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // Publishes `spec` into a new, larger region beside the current one and
  // renames it over the old path; the dataplane re-attaches by inode.
  absl::Status PublishGrown(const tables::TableSpec& spec,
                            tables::RingReuse* reuse)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  absl::Status PublishSpec(const tables::TableSpec& spec,
                           tables::RingReuse* reuse,
                           const std::vector<size_t>* changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_) ABSL_LOCKS_EXCLUDED(stats_mu_);
  // Every record written (a new shape, or the inactive slot not known).
  absl::StatusOr<uint64_t> PublishFull(const StateSnapshot& snapshot,
                                       const std::vector<size_t>* changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_)
          ABSL_LOCKS_EXCLUDED(stats_mu_, published_mu_);
  // Publish's body: patched when `snapshot` keeps the shape, else full.
  absl::StatusOr<uint64_t> PublishSnapshot(const StateSnapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_)
          ABSL_LOCKS_EXCLUDED(stats_mu_, published_mu_);
  // A changed virtual server: its position in the state (and spec_.vips).
  struct VsAt {
    size_t position;
    const VirtualServerState* vs;
  };
  // The virtual servers `changed` rebuilt and patched into the inactive
  // slot (neighbours and VIP activity from `lookup`, the state's version
  // too); spec_, inputs_ and published_ updated for them alone.
  absl::StatusOr<uint64_t> PublishPatch(const StateSnapshot& lookup,
                                        const std::vector<VsAt>& changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_)
          ABSL_LOCKS_EXCLUDED(stats_mu_, published_mu_);
  // published_ after a patch: generation, version, the rebuilt rings'
  // shares.
  void PublishedAfterPatch(const StateSnapshot& lookup,
                           const std::vector<VsAt>& changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_)
          ABSL_LOCKS_EXCLUDED(published_mu_);
  // Ring shares of the backends of spec_.vips[p] from the slot in force.
  void RecountShares(size_t p, const shm::SlotView& slot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // tables::RingFingerprint of VIP record v in `slot`, the slot in force
  // (`active`), its sequence hash kept in sequences_.
  uint64_t Fingerprint(uint32_t v, const shm::SlotView& slot, int active)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // Maps the stats region when it appears or was replaced (new inode).
  void RefreshStats() ABSL_LOCKS_EXCLUDED(stats_mu_);
  // Records freed by a removal earlier in this process and now given to a
  // newcomer: their counters so far are the old server's, so the newcomer
  // counts from what they read now.
  // The active lcores of the mapped region into `r`, with their heartbeat
  // ages (lcore_beats_).
  void ReadLcores(absl::Time now, StatsReading* r)
      ABSL_SHARED_LOCKS_REQUIRED(stats_mu_) ABSL_LOCKS_EXCLUDED(rate_mu_);
  void RebaseReusedRecords(
      const std::map<VsKey, uint32_t>& vips_before,
      const std::map<std::pair<VsKey, RsKey>, uint32_t>& backends_before)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_) ABSL_LOCKS_EXCLUDED(stats_mu_);

  absl::Mutex publish_mu_;
  shm::TableWriter writer_ ABSL_GUARDED_BY(publish_mu_);
  std::map<VsKey, uint32_t> records_ ABSL_GUARDED_BY(publish_mu_);
  // Ring shares (entries per backend record) of the table in force, kept
  // up to date for the rings a publish rebuilt.
  void CountShares(const tables::RingReuse& reuse, const shm::SlotView& slot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  // What each slot holds (rings by VIP record, checksum parts, what is out
  // of date), the table in force and what it was built from.
  tables::SlotKeeper keeper_ ABSL_GUARDED_BY(publish_mu_);
  tables::TableSpec spec_ ABSL_GUARDED_BY(publish_mu_);
  TableInputs inputs_ ABSL_GUARDED_BY(publish_mu_);
  bool patching_ ABSL_GUARDED_BY(publish_mu_) = true;
  // Virtual servers whose inputs the last publish compared (LastWork).
  uint32_t compared_ ABSL_GUARDED_BY(publish_mu_) = 0;
  std::vector<uint32_t> shares_ ABSL_GUARDED_BY(publish_mu_);
  // By VIP record: the sequence hash of its ring and the ring inputs
  // (RingRecord::fingerprint) it was computed for.
  struct RingSequence {
    bool known = false;
    uint64_t inputs = 0, hash = 0;
  };
  std::vector<RingSequence> sequences_ ABSL_GUARDED_BY(publish_mu_);
  tables::FingerprintScratch scratch_ ABSL_GUARDED_BY(publish_mu_);
  std::map<std::pair<VsKey, RsKey>, uint32_t> backend_records_
      ABSL_GUARDED_BY(publish_mu_);
  const std::string table_path_;
  const std::string stats_path_;
  const TableOptions options_;

  absl::Mutex stats_mu_;
  std::optional<shm::StatsRegion> stats_ ABSL_GUARDED_BY(stats_mu_);
  // Per record, what ReadStats subtracts (see RebaseReusedRecords); cleared
  // with a new stats region, which counts from zero.
  std::vector<dsrlb_pkt_bytes> vip_base_ ABSL_GUARDED_BY(stats_mu_);
  std::vector<dsrlb_pkt_bytes> backend_base_ ABSL_GUARDED_BY(stats_mu_);
  std::vector<uint64_t> conns_base_ ABSL_GUARDED_BY(stats_mu_);
  // Fed by every ReadStats (the daemon's, every 100 ms, and the API's).
  absl::Mutex rate_mu_;
  RateMeter rate_meter_ ABSL_GUARDED_BY(rate_mu_);
  // Per lcore block: the heartbeat last seen and when it moved.
  std::vector<std::pair<uint64_t, absl::Time>> lcore_beats_
      ABSL_GUARDED_BY(rate_mu_);
  std::set<uint32_t> freed_vips_ ABSL_GUARDED_BY(publish_mu_);
  std::set<uint32_t> freed_backends_ ABSL_GUARDED_BY(publish_mu_);

  mutable absl::Mutex published_mu_;
  PublishedTable published_ ABSL_GUARDED_BY(published_mu_);
};

}  // namespace dsrlb::api

#endif  // DSRLB_CONTROLPLANE_TABLES_PUBLISHER_H_
