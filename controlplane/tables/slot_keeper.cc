// The writer's bookkeeping of both slots, and the patch of the inactive one.
#include "controlplane/tables/slot_keeper.h"

#include <utility>

#include "common/status_macros.h"

namespace dsrlb::tables {
namespace {

// Replaces hashes[i] by `h`; returns what the sum moves by.
uint64_t Rehash(std::vector<uint64_t>& hashes, uint32_t i, uint64_t h) {
  if (hashes.size() <= i) hashes.resize(i + 1, 0);
  const uint64_t delta = h - hashes[i];
  hashes[i] = h;
  return delta;
}

}  // namespace

void SlotKeeper::Forget(Slot& s) { s = Slot{}; }

void SlotKeeper::Reset() {
  Forget(slots_[0]);
  Forget(slots_[1]);
}

void SlotKeeper::AfterFull(const shm::SlotView& slot, int target,
                           RingReuse&& reuse,
                           const std::vector<size_t>* changed) {
  Slot& t = slots_[target];
  Forget(t);
  t.synced = true;
  t.rings = std::move(reuse.rings);
  t.ring_sum = reuse.ring_sum;
  const uint32_t nv = slot.hdr->num_vips, nb = slot.hdr->num_backends;
  t.vip_hash.resize(nv);
  t.backend_hash.resize(nb);
  for (uint32_t v = 0; v < nv; v++)
    t.record_sum += t.vip_hash[v] = shm::SlotView::VipHash(v, slot.vips[v]);
  for (uint32_t b = 0; b < nb; b++)
    t.record_sum += t.backend_hash[b] =
        shm::SlotView::BackendHash(b, slot.backends[b]);
  Slot& other = slots_[target ^ 1];
  if (changed != nullptr && other.synced) {
    other.stale.insert(changed->begin(), changed->end());
  } else {
    Forget(other);
  }
  last_ =
      PublishWork{false, nv, nb > 0 ? nb - 1 : 0,
                  static_cast<uint32_t>(reuse.rebuilt.size()), reuse.copied};
  rebuilt_ = std::move(reuse.rebuilt);
}

bool SlotKeeper::CanPatch(const shm::TableWriter& writer) const {
  const uint64_t g = writer.region().LoadGeneration();
  return g > 0 && slots_[0].synced && slots_[1].synced;
}

absl::Status SlotKeeper::Rewrite(const TableSpec& spec, size_t p,
                                 shm::SlotView& slot, RingReuse* reuse, Slot& t,
                                 std::vector<uint32_t>* vips,
                                 std::vector<uint32_t>* backends) {
  if (p >= spec.vips.size())
    return absl::FailedPreconditionError("patch of a VIP not in the spec");
  const uint32_t r = spec.RecordOf(p);
  if (r < reuse->rings.size()) t.ring_sum -= reuse->rings[r].hash;
  RETURN_IF_ERROR(RewriteVip(spec, p, slot, reuse));
  t.ring_sum += reuse->rings[r].hash;
  t.record_sum +=
      Rehash(t.vip_hash, r, shm::SlotView::VipHash(r, slot.vips[r]));
  vips->push_back(r);
  for (const BackendSpec& b : spec.vips[p].backends) {
    t.record_sum +=
        Rehash(t.backend_hash, b.record,
               shm::SlotView::BackendHash(b.record, slot.backends[b.record]));
    backends->push_back(b.record);
  }
  return absl::OkStatus();
}

absl::Status SlotKeeper::Patch(shm::TableWriter& writer, const TableSpec& spec,
                               const std::vector<size_t>& changed,
                               const shm::StatsRegion* readers) {
  if (!CanPatch(writer))
    return absl::FailedPreconditionError("the inactive slot is not known");
  const int active = static_cast<int>(writer.region().LoadGeneration() & 1);
  Slot& t = slots_[active ^ 1];
  ASSIGN_OR_RETURN(shm::SlotView slot, writer.BeginPatch(readers));
  std::set<size_t> todo = t.stale;
  todo.insert(changed.begin(), changed.end());
  RingReuse reuse;
  reuse.from = &writer.region().slot(active);
  reuse.from_rings = &slots_[active].rings;
  reuse.rings = std::move(t.rings);
  reuse.target_rings = &reuse.rings;  // read before each is replaced
  std::vector<uint32_t> vips, backends;
  absl::Status st;
  for (size_t p : todo) {
    st = Rewrite(spec, p, slot, &reuse, t, &vips, &backends);
    if (!st.ok()) break;
  }
  t.rings = std::move(reuse.rings);
  if (st.ok()) {
    st = writer.CommitPatch(t.record_sum, t.ring_sum, vips, backends).status();
  } else {
    writer.AbortPublish();
  }
  if (!st.ok()) {
    Forget(t);
    return st;
  }
  t.stale.clear();
  slots_[active].stale.insert(changed.begin(), changed.end());
  last_ =
      PublishWork{true, static_cast<uint32_t>(vips.size()),
                  static_cast<uint32_t>(backends.size()),
                  static_cast<uint32_t>(reuse.rebuilt.size()), reuse.copied};
  rebuilt_ = std::move(reuse.rebuilt);
  return absl::OkStatus();
}

}  // namespace dsrlb::tables
