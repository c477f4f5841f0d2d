// Snapshot -> TableSpec -> table region; stats region discovery.
#include "controlplane/tables/publisher.h"

#include <netinet/in.h>

#include <cstdio>
#include <vector>

#include "common/status_macros.h"
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

tables::TableSpec BuildSpec(const StateSnapshot& snapshot,
                            const TableOptions& options) {
  tables::TableSpec spec;
  spec.ring_size = options.ring_size;
  spec.hash_seed = options.hash_seed;
  spec.port_mac = options.port_mac;
  for (const VirtualServerState& vs : snapshot.virtual_servers) {
    tables::VipSpec vip;
    vip.address = vs.key.address;
    vip.proto =
        vs.key.protocol == config::Protocol::kUdp ? IPPROTO_UDP : IPPROTO_TCP;
    vip.port = vs.key.port;
    vip.active = IsActive(snapshot, vs.key.address);
    vip.persistence_timeout_s = vs.persistence_timeout_s;
    // sh hashes the source address alone: that is the dataplane's
    // persistence mode, so sh without a timeout gets keepalived's default.
    if (vs.algo == config::LbAlgo::kSh && vip.persistence_timeout_s == 0)
      vip.persistence_timeout_s = kShPersistenceS;
    for (const RealServerState& rs : vs.real_servers) {
      auto n = snapshot.neighbors.find(rs.key.address);
      Effective e = EffectiveOf(
          vs, rs, n == snapshot.neighbors.end() ? nullptr : &n->second);
      tables::BackendSpec b;
      b.address = rs.key.address;
      b.port = rs.key.port;
      b.state = static_cast<dsrlb_backend_state>(e.state);
      // The builder only rings UP backends, at their record weight.
      b.weight = e.state == DSRLB_BACKEND_UP ? e.ring_weight : rs.weight;
      if (n != snapshot.neighbors.end() && n->second.mac.has_value())
        b.mac = *n->second.mac;
      vip.backends.push_back(b);
    }
    spec.vips.push_back(std::move(vip));
  }
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
      new Publisher(std::move(*writer), stats_path, options));
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
  if (now == 0) return;
  auto opened = shm::StatsRegion::Open(stats_path_);
  // A region being created or of another version: try again next time.
  if (opened.ok()) stats_.emplace(std::move(*opened));
}

absl::StatusOr<uint64_t> Publisher::Publish(const StateSnapshot& snapshot) {
  tables::TableSpec spec = BuildSpec(snapshot, options_);
  RefreshStats();
  absl::MutexLock publish_lock(&publish_mu_);
  uint64_t generation = 0;
  {
    absl::ReaderMutexLock stats_lock(&stats_mu_);
    const shm::StatsRegion* readers = stats_.has_value() ? &*stats_ : nullptr;
    RETURN_IF_ERROR(tables::PublishSpec(writer_, spec, readers));
    generation = writer_.region().LoadGeneration();
  }
  // Read the rings back from the slot just published: the ring shares the
  // API reports are the dataplane's, not a recomputation.
  PublishedTable out;
  out.generation = generation;
  out.state_version = snapshot.version;
  const shm::SlotView& slot =
      writer_.region().slot(static_cast<int>(generation & 1));
  std::vector<uint32_t> share(slot.hdr->num_backends, 0);
  for (uint32_t v = 0; v < slot.hdr->num_vips; v++) {
    const uint16_t* ring = slot.Ring(static_cast<int>(v));
    for (uint32_t i = 0; i < slot.hdr->ring_size; i++) share[ring[i]]++;
  }
  uint32_t b = 1;
  for (size_t v = 0; v < snapshot.virtual_servers.size(); v++) {
    const VirtualServerState& vs = snapshot.virtual_servers[v];
    out.vip_index[vs.key] = static_cast<uint32_t>(v);
    for (const RealServerState& rs : vs.real_servers) {
      out.backends[{vs.key, rs.key}] = PublishedTable::Backend{b, share[b]};
      b++;
    }
  }
  absl::MutexLock lock(&published_mu_);
  published_ = std::move(out);
  return generation;
}

PublishedTable Publisher::Published() const {
  absl::MutexLock lock(&published_mu_);
  return published_;
}

StatsReading Publisher::ReadStats() {
  RefreshStats();
  StatsReading r;
  absl::ReaderMutexLock lock(&stats_mu_);
  if (!stats_.has_value()) return r;
  r.present = true;
  r.totals = stats_->Sum();
  const dsrlb_stats_header* h = stats_->header();
  uint64_t hb = __atomic_load_n(&h->heartbeat_ns, __ATOMIC_ACQUIRE);
  uint64_t now = shm::MonotonicNs();
  r.alive = h->running != 0 && now >= hb && now - hb < kAliveNs;
  for (uint32_t i = 0; i < h->max_lcores; i++) {
    const dsrlb_lcore_stats* l = stats_->lcore(i);
    if (l->flags & DSRLB_LCORE_ACTIVE)
      r.lcore_generations.push_back(
          __atomic_load_n(&l->seen_generation, __ATOMIC_ACQUIRE));
  }
  return r;
}

}  // namespace dsrlb::api
