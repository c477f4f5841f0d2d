// Snapshot -> TableSpec -> table region; stats region discovery.
#include "controlplane/tables/publisher.h"

#include <netinet/in.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/model/capacity.h"
#include "controlplane/model/effective_state.h"
#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/mapped_file.h"

namespace dsrlb::api {
namespace {

// A dataplane whose heartbeat is older than this is not forwarding.
constexpr uint64_t kAliveNs = 1'000'000'000;

bool IsActive(const StateSnapshot& s, const IpAddress& address) {
  auto it = s.vip_active.find(address);
  return it == s.vip_active.end() || it->second;
}

}  // namespace

tables::VipSpec BuildVipSpec(const VirtualServerState& vs,
                             const StateSnapshot& snapshot,
                             const TableOptions& options) {
  tables::VipSpec vip;
  vip.address = vs.key.address;
  vip.proto =
      vs.key.protocol == config::Protocol::kUdp ? IPPROTO_UDP : IPPROTO_TCP;
  vip.port = vs.key.port;
  vip.active = IsActive(snapshot, vs.key.address);
  vip.persistence_timeout_s = vs.persistence_timeout_s;
  vip.persistence_prefix_len = vs.persistence_granularity;
  vip.ring_size = RingSizeFor(options.ring_size, vs.real_servers.size());
  // sh hashes the source address alone: that is the dataplane's
  // persistence mode, so sh without a timeout gets keepalived's default.
  if (vs.algo == config::LbAlgo::kSh && vip.persistence_timeout_s == 0)
    vip.persistence_timeout_s = kShPersistenceS;
  vip.backends.reserve(vs.real_servers.size());
  for (const RealServerState& rs : vs.real_servers) {
    auto n = snapshot.neighbors.find(rs.key.address);
    Effective e = EffectiveOf(
        vs, rs, n == snapshot.neighbors.end() ? nullptr : &n->second);
    tables::BackendSpec b;
    b.address = rs.key.address;
    b.port = rs.key.port;
    b.state = static_cast<dsrlb_backend_state>(e.state);
    // The builder only rings UP backends, at their record weight.
    b.weight = e.state == DSRLB_BACKEND_UP ? e.ring_weight : rs.Weight();
    if (n != snapshot.neighbors.end() && n->second.mac.has_value())
      b.mac = *n->second.mac;
    vip.backends.push_back(b);
  }
  return vip;
}

tables::TableSpec BuildSpec(const StateSnapshot& snapshot,
                            const TableOptions& options) {
  tables::TableSpec spec;
  spec.ring_size = options.ring_size;
  spec.hash_seed = options.hash_seed;
  spec.port_mac = options.port_mac;
  spec.vips.reserve(snapshot.virtual_servers.size());
  for (const VirtualServerState& vs : snapshot.virtual_servers)
    spec.vips.push_back(BuildVipSpec(vs, snapshot, options));
  return spec;
}

absl::StatusOr<std::unique_ptr<Publisher>> Publisher::Create(
    const std::string& table_path, const std::string& stats_path,
    const TableOptions& options) {
  if (!tables::IsPrime(options.ring_size))
    return absl::InvalidArgumentError(
        "--ring-size must be a prime (e.g. 65537, 655373)");
  std::optional<shm::TableWriter> writer;
  if (shm::InodeOf(table_path) != 0) {
    auto opened = shm::TableWriter::Open(table_path);
    if (opened.ok()) {
      writer.emplace(std::move(*opened));
    } else {
      std::fprintf(stderr, "dsrlb-control: replacing table region %s: %s\n",
                   table_path.c_str(),
                   std::string(opened.status().message()).c_str());
    }
  }
  if (!writer.has_value()) {
    auto created = shm::TableWriter::Create(table_path, shm::TableGeometry{});
    if (!created.ok())
      return absl::Status(created.status().code(),
                          "cannot create the table region " + table_path +
                              ": " + std::string(created.status().message()));
    writer.emplace(std::move(*created));
  }
  auto p = std::unique_ptr<Publisher>(
      new Publisher(std::move(*writer), table_path, stats_path, options));
  p->RefreshStats();
  return p;
}

void Publisher::RefreshStats() {
  if (stats_path_.empty()) return;
  ino_t now = shm::InodeOf(stats_path_);
  {
    absl::ReaderMutexLock lock(&stats_mu_);
    if (stats_.has_value() && stats_->file().inode() == now) return;
    if (!stats_.has_value() && now == 0) return;
  }
  absl::MutexLock lock(&stats_mu_);
  stats_.reset();
  vip_base_.clear();
  backend_base_.clear();
  conns_base_.clear();
  if (now == 0) return;
  auto opened = shm::StatsRegion::Open(stats_path_);
  // A region being created or of another version: try again next time.
  if (opened.ok()) stats_.emplace(std::move(*opened));
}

namespace {

// Records of `before` that `after` no longer uses go into `freed`; records
// `after` gives to a key `before` did not have and that were freed come
// out (and leave `freed`).
template <typename Key>
std::vector<uint32_t> ReusedRecords(const std::map<Key, uint32_t>& before,
                                    const std::map<Key, uint32_t>& after,
                                    std::set<uint32_t>* freed) {
  for (const auto& [key, record] : before)
    if (!after.contains(key)) freed->insert(record);
  std::vector<uint32_t> reused;
  for (const auto& [key, record] : after)
    if (!before.contains(key) && freed->erase(record)) reused.push_back(record);
  return reused;
}

void Rebase(const std::vector<uint32_t>& records,
            const std::vector<dsrlb_pkt_bytes>& now,
            std::vector<dsrlb_pkt_bytes>* base) {
  for (uint32_t r : records) {
    if (r >= now.size()) continue;
    if (base->size() <= r) base->resize(r + 1, dsrlb_pkt_bytes{0, 0});
    (*base)[r] = now[r];
  }
}

void Subtract(const std::vector<dsrlb_pkt_bytes>& base,
              std::vector<dsrlb_pkt_bytes>* totals) {
  for (size_t r = 0; r < base.size() && r < totals->size(); r++) {
    (*totals)[r].packets -= std::min(base[r].packets, (*totals)[r].packets);
    (*totals)[r].bytes -= std::min(base[r].bytes, (*totals)[r].bytes);
  }
}

}  // namespace

void Publisher::RebaseReusedRecords(
    const std::map<VsKey, uint32_t>& vips_before,
    const std::map<std::pair<VsKey, RsKey>, uint32_t>& backends_before) {
  std::vector<uint32_t> vips =
      ReusedRecords(vips_before, records_, &freed_vips_);
  std::vector<uint32_t> backends =
      ReusedRecords(backends_before, backend_records_, &freed_backends_);
  if (vips.empty() && backends.empty()) return;
  absl::MutexLock lock(&stats_mu_);
  if (!stats_.has_value()) return;  // a dataplane to come counts from zero
  shm::StatsTotals now = stats_->Sum();
  Rebase(vips, now.vips, &vip_base_);
  Rebase(backends, now.backends, &backend_base_);
  // New connections count from zero too; the gauges (active, inactive) are
  // the flows the dataplane holds on that record, not rebased.
  for (uint32_t r : backends) {
    if (r >= now.conns.size()) continue;
    if (conns_base_.size() <= r) conns_base_.resize(r + 1, 0);
    conns_base_[r] = now.conns[r].new_conns;
  }
  absl::MutexLock rate_lock(&rate_mu_);
  rate_meter_.ResetPeaks(backends);
}

std::vector<uint32_t> Publisher::AssignRecords(const StateSnapshot& snapshot) {
  std::map<VsKey, uint32_t> next;
  std::set<uint32_t> taken;
  for (const VirtualServerState& vs : snapshot.virtual_servers) {
    auto it = records_.find(vs.key);
    if (it == records_.end()) continue;
    next[vs.key] = it->second;
    taken.insert(it->second);
  }
  std::vector<uint32_t> out;
  out.reserve(snapshot.virtual_servers.size());
  uint32_t free = 0;
  for (const VirtualServerState& vs : snapshot.virtual_servers) {
    auto it = next.find(vs.key);
    if (it == next.end()) {
      while (taken.count(free)) free++;
      taken.insert(free);
      it = next.emplace(vs.key, free).first;
    }
    out.push_back(it->second);
  }
  records_ = std::move(next);
  return out;
}

void Publisher::AssignBackendRecords(const StateSnapshot& snapshot,
                                     tables::TableSpec* spec) {
  std::map<std::pair<VsKey, RsKey>, uint32_t> next;
  std::set<uint32_t> taken;
  for (const VirtualServerState& vs : snapshot.virtual_servers) {
    for (const RealServerState& rs : vs.real_servers) {
      auto it = backend_records_.find({vs.key, rs.key});
      if (it == backend_records_.end()) continue;
      next[{vs.key, rs.key}] = it->second;
      taken.insert(it->second);
    }
  }
  uint32_t free = 1;  // record 0 is "no backend"
  for (size_t v = 0; v < snapshot.virtual_servers.size(); v++) {
    const VirtualServerState& vs = snapshot.virtual_servers[v];
    for (size_t r = 0; r < vs.real_servers.size(); r++) {
      auto it = next.find({vs.key, vs.real_servers[r].key});
      if (it == next.end()) {
        while (taken.count(free)) free++;
        taken.insert(free);
        it = next.emplace(std::make_pair(vs.key, vs.real_servers[r].key), free)
                 .first;
      }
      spec->vips[v].backends[r].record = it->second;
    }
  }
  backend_records_ = std::move(next);
}

absl::Status Publisher::PublishGrown(const tables::TableSpec& spec,
                                     tables::RingReuse* reuse) {
  const shm::TableGeometry g =
      tables::GrownGeometry(tables::NeededGeometry(spec));
  const std::string grown = table_path_ + ".grow";
  ASSIGN_OR_RETURN(shm::TableWriter fresh, shm::TableWriter::Create(grown, g));
  fresh.ContinueFrom(writer_.region().LoadGeneration());
  // Nobody maps the new file yet: no readers to wait for.
  if (absl::Status st = tables::PublishSpec(fresh, spec, nullptr, reuse);
      !st.ok()) {
    unlink(grown.c_str());
    return st;
  }
  if (rename(grown.c_str(), table_path_.c_str()) != 0) {
    unlink(grown.c_str());
    return absl::InternalError(absl::StrCat("cannot rename ", grown, " to ",
                                            table_path_, ": ",
                                            std::strerror(errno)));
  }
  std::fprintf(stderr,
               "dsrlb-control: table region %s grown to %u VIPs, %u backends, "
               "%u ring entries (%llu bytes)\n",
               table_path_.c_str(), g.max_vips, g.max_backends - 1,
               g.ring_pool_entries,
               static_cast<unsigned long long>(g.RegionSize()));
  writer_ = std::move(fresh);
  return absl::OkStatus();
}

absl::Status Publisher::PublishSpec(const tables::TableSpec& spec,
                                    tables::RingReuse* reuse,
                                    const std::vector<size_t>* changed) {
  const uint64_t current = writer_.region().LoadGeneration();
  const int active = static_cast<int>(current & 1), target = active ^ 1;
  if (current > 0) reuse->from = &writer_.region().slot(active);
  reuse->from_rings = &keeper_.rings(active);
  reuse->target_rings = &keeper_.rings(target);
  absl::Status st;
  bool grown = false;
  if (!tables::Holds(writer_.region().geometry(),
                     tables::NeededGeometry(spec))) {
    reuse->target_rings = nullptr;  // a new, empty region
    st = PublishGrown(spec, reuse);
    grown = st.ok();
  } else {
    absl::ReaderMutexLock stats_lock(&stats_mu_);
    const shm::StatsRegion* readers = stats_.has_value() ? &*stats_ : nullptr;
    st = tables::PublishSpec(writer_, spec, readers, reuse);
  }
  if (!st.ok()) {
    // The target slot may be half written: forget what it held.
    keeper_.FailedFull(target);
    return st;
  }
  // The new region's other slot holds nothing.
  if (grown) keeper_.Reset();
  keeper_.AfterFull(writer_.region().slot(target), target, std::move(*reuse),
                    grown ? nullptr : changed);
  return st;
}

void Publisher::CountShares(const tables::RingReuse& reuse,
                            const shm::SlotView& slot) {
  if (shares_.size() < slot.hdr->num_backends)
    shares_.resize(slot.hdr->num_backends, 0);
  // Rings not rebuilt name the same backend records as before: their
  // shares stand. A rebuilt ring's backends are recounted.
  if (reuse.rebuilt.empty()) return;
  std::vector<bool> rebuilt(slot.hdr->num_vips, false);
  for (uint32_t v : reuse.rebuilt) rebuilt[v] = true;
  for (uint32_t b = 1; b < slot.hdr->num_backends; b++)
    if (slot.backends[b].vip < rebuilt.size() && rebuilt[slot.backends[b].vip])
      shares_[b] = 0;
  for (uint32_t v : reuse.rebuilt) {
    const uint16_t* ring = slot.Ring(static_cast<int>(v));
    for (uint32_t i = 0; i < slot.RingSize(static_cast<int>(v)); i++)
      shares_[ring[i]]++;
  }
}

uint64_t Publisher::Fingerprint(uint32_t v, const shm::SlotView& slot,
                                int active) {
  // The sequence follows from the ring's inputs: kept while they are the
  // same, whether the ring was built, copied or left in place.
  const std::vector<tables::RingRecord>& rings = keeper_.rings(active);
  const uint64_t inputs = v < rings.size() ? rings[v].fingerprint : 0;
  if (sequences_.size() <= v) sequences_.resize(v + 1);
  RingSequence& s = sequences_[v];
  if (!s.known || inputs == 0 || s.inputs != inputs) {
    s = {true, inputs, tables::RingSequenceHash(slot, v, &scratch_)};
  }
  return tables::RingFingerprint(slot, v, s.hash);
}

void Publisher::RecountShares(size_t p, const shm::SlotView& slot) {
  const uint32_t v = spec_.RecordOf(p);
  for (const tables::BackendSpec& b : spec_.vips[p].backends)
    shares_[b.record] = 0;
  const uint16_t* ring = slot.Ring(static_cast<int>(v));
  for (uint32_t i = 0; i < slot.RingSize(static_cast<int>(v)); i++)
    shares_[ring[i]]++;
}

absl::StatusOr<uint64_t> Publisher::Publish(const StateSnapshot& snapshot) {
  RefreshStats();
  absl::MutexLock publish_lock(&publish_mu_);
  return PublishSnapshot(snapshot);
}

absl::StatusOr<uint64_t> Publisher::PublishSnapshot(
    const StateSnapshot& snapshot) {
  std::vector<size_t> positions;
  const bool same_shape = inputs_.SameShape(snapshot, &positions);
  compared_ = static_cast<uint32_t>(snapshot.virtual_servers.size());
  if (same_shape && patching_ && keeper_.CanPatch(writer_)) {
    std::vector<VsAt> changed;
    changed.reserve(positions.size());
    for (size_t p : positions)
      changed.push_back(VsAt{p, &snapshot.virtual_servers[p]});
    return PublishPatch(snapshot, changed);
  }
  return PublishFull(snapshot, same_shape ? &positions : nullptr);
}

absl::StatusOr<uint64_t> Publisher::PublishChanges(ChangesFn read) {
  RefreshStats();
  absl::MutexLock publish_lock(&publish_mu_);
  // Changes can only be patched into a table both slots know, built from
  // this state: otherwise the whole state at once.
  uint64_t since = 0;
  if (patching_ && inputs_.known() && keeper_.CanPatch(writer_))
    since = PublishedStateVersion();
  StateChanges changes = read(since);
  if (!changes.whole) {
    std::vector<size_t> differ;
    if (inputs_.FitsChanges(changes, &differ)) {
      compared_ = static_cast<uint32_t>(changes.positions.size());
      std::vector<VsAt> changed;
      changed.reserve(differ.size());
      for (size_t i : differ)
        changed.push_back(
            VsAt{changes.positions[i], &changes.snapshot.virtual_servers[i]});
      return PublishPatch(changes.snapshot, changed);
    }
    changes = read(0);
  }
  return PublishSnapshot(changes.snapshot);
}

absl::StatusOr<uint64_t> Publisher::PublishPatch(
    const StateSnapshot& lookup, const std::vector<VsAt>& changed) {
  // The same shape: the same records; only the changed VIPs are rebuilt.
  std::vector<size_t> positions;
  std::vector<tables::VipSpec> before;
  positions.reserve(changed.size());
  before.reserve(changed.size());
  for (const VsAt& c : changed) {
    tables::VipSpec vip = BuildVipSpec(*c.vs, lookup, options_);
    for (size_t r = 0; r < vip.backends.size(); r++)
      vip.backends[r].record = spec_.vips[c.position].backends[r].record;
    positions.push_back(c.position);
    before.push_back(std::exchange(spec_.vips[c.position], std::move(vip)));
  }
  absl::Status st;
  {
    absl::ReaderMutexLock stats_lock(&stats_mu_);
    const shm::StatsRegion* readers = stats_.has_value() ? &*stats_ : nullptr;
    st = keeper_.Patch(writer_, spec_, positions, readers);
  }
  if (!st.ok()) {
    // Nothing published: the table in force is the one spec_ had.
    for (size_t i = 0; i < positions.size(); i++)
      spec_.vips[positions[i]] = std::move(before[i]);
    return st;
  }
  for (const VsAt& c : changed) inputs_.UpdateAt(c.position, *c.vs, lookup);
  PublishedAfterPatch(lookup, changed);
  return writer_.region().LoadGeneration();
}

void Publisher::PublishedAfterPatch(const StateSnapshot& lookup,
                                    const std::vector<VsAt>& changed) {
  const uint64_t generation = writer_.region().LoadGeneration();
  const shm::SlotView& slot =
      writer_.region().slot(static_cast<int>(generation & 1));
  const std::vector<uint32_t>& rebuilt = keeper_.rebuilt();
  std::vector<VsAt> recounted;
  for (const VsAt& c : changed) {
    if (std::find(rebuilt.begin(), rebuilt.end(), spec_.RecordOf(c.position)) ==
        rebuilt.end())
      continue;
    RecountShares(c.position, slot);
    recounted.push_back(c);
  }
  std::vector<uint64_t> prints;
  for (const VsAt& c : changed)
    prints.push_back(Fingerprint(spec_.RecordOf(c.position), slot,
                                 static_cast<int>(generation & 1)));
  absl::MutexLock lock(&published_mu_);
  published_.generation = generation;
  published_.state_version = lookup.version;
  for (const VsAt& c : recounted) {
    const VirtualServerState& vs = *c.vs;
    for (size_t r = 0; r < vs.real_servers.size(); r++)
      published_.backends[{vs.key, vs.real_servers[r].key}].ring_slots =
          shares_[spec_.vips[c.position].backends[r].record];
  }
  for (size_t i = 0; i < changed.size(); i++)
    published_.ring_fingerprint[changed[i].vs->key] = prints[i];
}

absl::StatusOr<uint64_t> Publisher::PublishFull(
    const StateSnapshot& snapshot, const std::vector<size_t>* changed) {
  tables::TableSpec spec = BuildSpec(snapshot, options_);
  const std::map<VsKey, uint32_t> before = records_;
  const auto backends_before = backend_records_;
  spec.vip_records = AssignRecords(snapshot);
  AssignBackendRecords(snapshot, &spec);
  tables::RingReuse reuse;
  if (absl::Status st = PublishSpec(spec, &reuse, changed); !st.ok()) {
    // Nothing published: the old records stay in force.
    records_ = before;
    backend_records_ = backends_before;
    return st;
  }
  RebaseReusedRecords(before, backends_before);
  const uint64_t generation = writer_.region().LoadGeneration();
  // Read the rings back from the slot just published: the ring shares the
  // API reports are the dataplane's, not a recomputation.
  PublishedTable out;
  out.generation = generation;
  out.state_version = snapshot.version;
  const shm::SlotView& slot =
      writer_.region().slot(static_cast<int>(generation & 1));
  tables::RingReuse rebuilt;
  rebuilt.rebuilt = keeper_.rebuilt();
  CountShares(rebuilt, slot);
  const std::vector<uint32_t>& share = shares_;
  for (size_t v = 0; v < snapshot.virtual_servers.size(); v++) {
    const VirtualServerState& vs = snapshot.virtual_servers[v];
    const uint32_t record = spec.vip_records[v];
    out.vip_index[vs.key] = record;
    out.ring_fingerprint[vs.key] =
        Fingerprint(record, slot, static_cast<int>(generation & 1));
    for (size_t r = 0; r < vs.real_servers.size(); r++) {
      const uint32_t b = spec.vips[v].backends[r].record;
      out.backends[{vs.key, vs.real_servers[r].key}] =
          PublishedTable::Backend{b, share[b]};
    }
  }
  spec_ = std::move(spec);
  inputs_.Reset(snapshot);
  absl::MutexLock lock(&published_mu_);
  published_ = std::move(out);
  return generation;
}

tables::PublishWork Publisher::LastWork() {
  absl::MutexLock lock(&publish_mu_);
  tables::PublishWork w = keeper_.last();
  w.vs_compared = compared_;
  return w;
}

void Publisher::SetPatching(bool on) {
  absl::MutexLock lock(&publish_mu_);
  patching_ = on;
}

shm::TableGeometry Publisher::Geometry() {
  absl::MutexLock lock(&publish_mu_);
  return writer_.region().geometry();
}

PublishedTable Publisher::Published() const {
  absl::MutexLock lock(&published_mu_);
  return published_;
}

uint64_t Publisher::PublishedGeneration() const {
  absl::MutexLock lock(&published_mu_);
  return published_.generation;
}

uint64_t Publisher::PublishedStateVersion() const {
  absl::MutexLock lock(&published_mu_);
  return published_.state_version;
}

StatsReading Publisher::ReadStats() {
  RefreshStats();
  StatsReading r;
  absl::ReaderMutexLock lock(&stats_mu_);
  if (!stats_.has_value()) return r;
  r.present = true;
  r.totals = stats_->Sum();
  Subtract(vip_base_, &r.totals.vips);
  Subtract(backend_base_, &r.totals.backends);
  for (size_t b = 0; b < conns_base_.size() && b < r.totals.conns.size(); b++)
    r.totals.conns[b].new_conns -=
        std::min(conns_base_[b], r.totals.conns[b].new_conns);
  {
    absl::MutexLock rate_lock(&rate_mu_);
    rate_meter_.Observe(absl::Now(), r.totals);
    r.rates = rate_meter_.rates();
  }
  const dsrlb_stats_header* h = stats_->header();
  uint64_t hb = __atomic_load_n(&h->heartbeat_ns, __ATOMIC_ACQUIRE);
  uint64_t now = shm::MonotonicNs();
  r.alive = h->running != 0 && now >= hb && now - hb < kAliveNs;
  r.heartbeat_age_ms =
      now >= hb ? static_cast<int64_t>((now - hb) / 1000000) : 0;
  ReadLcores(absl::Now(), &r);
  return r;
}

void Publisher::ReadLcores(absl::Time now, StatsReading* r) {
  const dsrlb_stats_header* h = stats_->header();
  absl::MutexLock lock(&rate_mu_);
  if (lcore_beats_.size() < h->max_lcores)
    lcore_beats_.resize(h->max_lcores, {0, now});
  for (uint32_t i = 0; i < h->max_lcores; i++) {
    const dsrlb_lcore_stats* l = stats_->lcore(i);
    if (!(l->flags & DSRLB_LCORE_ACTIVE)) continue;
    LcoreReading x;
    x.lcore_id = l->lcore_id;
    x.generation = __atomic_load_n(&l->seen_generation, __ATOMIC_ACQUIRE);
    x.heartbeat = __atomic_load_n(&l->heartbeat, __ATOMIC_RELAXED);
    auto& [beat, moved] = lcore_beats_[i];
    if (x.heartbeat != beat) {
      beat = x.heartbeat;
      moved = now;
    }
    x.heartbeat_age_ms = absl::ToInt64Milliseconds(now - moved);
    x.rx_packets = stats_->counters(i)[DSRLB_CTR_RX_PACKETS];
    for (int d = 0; d < DSRLB_DROP_MAX; d++) x.drops += stats_->drops(i)[d];
    r->lcore_generations.push_back(x.generation);
    r->lcores.push_back(x);
  }
}

}  // namespace dsrlb::api
