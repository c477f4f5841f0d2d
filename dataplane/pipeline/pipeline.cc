// The per-packet DSR decision: parse, VIP, flow table / affinity / Maglev
// ring, MAC rewrite, counters. See README.md in this folder for the policies.
#include "dataplane/pipeline/pipeline.h"

#include <cstring>

namespace dsrlb::dataplane {
namespace {

constexpr uint8_t kProtoTcp = 6;

FlowKey KeyOf(const ParsedPacket& p) {
  FlowKey k{};
  const size_t alen = p.family == DSRLB_AF_INET ? 4 : 16;
  std::memcpy(k.src, p.src, alen);
  std::memcpy(k.dst, p.dst, alen);
  k.sport = p.sport;
  k.dport = p.dport;
  k.family = p.family;
  k.proto = p.proto;
  k.kind = FlowKey::kFlow;
  return k;
}

bool IsZeroMac(const uint8_t mac[6]) {
  return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

}  // namespace

Pipeline::Pipeline(FlowTable* flows, const LcoreCounters& counters,
                   const uint8_t port_mac[6])
    : flows_(flows), counters_(counters) {
  std::memcpy(port_mac_, port_mac, 6);
}

bool Pipeline::EntryUsable(const shm::SlotView& t, int v, const FlowEntry& e,
                           bool allow_draining) {
  // The entry may come from an older table: the record at its index must
  // still be the same server of the same VIP.
  if (e.backend >= t.hdr->num_backends) return false;
  const dsrlb_backend& be = t.backends[e.backend];
  if (be.vip != v) return false;
  if (be.state != DSRLB_BACKEND_UP &&
      !(allow_draining && be.state == DSRLB_BACKEND_DRAINING))
    return false;
  return be.family == e.backend_family &&
         std::memcmp(be.addr, e.backend_addr, 16) == 0;
}

uint16_t Pipeline::RingBackend(const shm::SlotView& t, int v,
                               const FlowKey& key, bool persistent) const {
  const uint32_t m = t.hdr->ring_size;
  if (m == 0) return 0;
  const uint64_t h =
      dsrlb_flow_hash(t.hdr->hash_seed, key.family, key.src, key.dst,
                      key.sport, key.dport, key.proto, persistent ? 1 : 0);
  const uint16_t b = t.Ring(v)[dsrlb_ring_index(h, m)];
  // 0 is "no backend"; an index past the table would be a corrupt table.
  return b < t.hdr->num_backends ? b : 0;
}

void Pipeline::Remember(uint32_t index, const shm::SlotView& t, uint16_t b) {
  FlowEntry& e = flows_->entry(index);
  const dsrlb_backend& be = t.backends[b];
  e.backend = b;
  e.backend_family = be.family;
  std::memcpy(e.backend_addr, be.addr, 16);
}

void Pipeline::CountInsert(FlowTable::InsertResult r) {
  if (r == FlowTable::InsertResult::kExpired)
    counters_.counters[DSRLB_CTR_FLOW_EXPIRED]++;
  else if (r == FlowTable::InsertResult::kEvicted)
    counters_.counters[DSRLB_CTR_FLOW_EVICTED]++;
}

uint16_t Pipeline::PickBackend(const shm::SlotView& t, const Prepared& p,
                               uint32_t now) {
  const int v = p.vip;
  const FlowKey& key = p.key;
  const bool icmp_error = p.icmp_error;
  const dsrlb_vip& vip = t.vips[v];
  const bool persistent = (vip.flags & DSRLB_VIP_PERSISTENT) != 0;
  uint64_t* ctr = counters_.counters;

  // Timeouts come from the current table, so a changed timeout applies to
  // established flows too (written only when it differs: a hit then dirties
  // only the bucket line).
  const uint32_t flow_timeout = FlowTable::TimeoutUnits(
      key.proto == kProtoTcp ? t.hdr->tcp_timeout_s : t.hdr->udp_timeout_s);
  const uint32_t affinity_timeout =
      persistent ? FlowTable::TimeoutUnits(vip.persistence_timeout_s) : 0;
  FlowKey akey;
  uint64_t ah = 0;
  if (persistent) {
    akey = FlowKey{};
    std::memcpy(akey.src, key.src, 16);
    std::memcpy(akey.dst, key.dst, 16);
    akey.dport = vip.port;
    akey.family = key.family;
    akey.proto = key.proto;
    akey.kind = FlowKey::kAffinity;
    ah = FlowTable::HashTuple(key.family, key.src, key.dst, 0, vip.port,
                              key.proto, FlowKey::kAffinity);
  }

  // 1. An established flow keeps its backend while it is up or draining.
  const uint64_t fh = p.hash;
  FlowTable::FindResult fr;
  const uint32_t fi = flows_->Find(key, fh, now, &fr);
  if (fi != FlowTable::kNone) {
    FlowEntry& e = flows_->entry(fi);
    if (EntryUsable(t, v, e, /*allow_draining=*/true)) {
      ctr[DSRLB_CTR_FLOW_HIT]++;
      flows_->Touch(fi, now);
      if (e.timeout != flow_timeout) e.timeout = flow_timeout;
      // A client's affinity lasts while any of its connections is active,
      // as an LVS persistence template does.
      if (persistent) {
        FlowTable::FindResult ar;
        const uint32_t ai = flows_->Find(akey, ah, now, &ar);
        if (ai != FlowTable::kNone)
          flows_->Touch(ai, now);
        else if (ar == FlowTable::FindResult::kExpired)
          ctr[DSRLB_CTR_FLOW_EXPIRED]++;
      }
      return e.backend;
    }
    ctr[DSRLB_CTR_FLOW_REHASHED]++;
    flows_->Erase(fi);
  } else if (fr == FlowTable::FindResult::kExpired) {
    ctr[DSRLB_CTR_FLOW_EXPIRED]++;
  }
  ctr[DSRLB_CTR_FLOW_MISS]++;

  // 2. A persistent VIP sends a client's new flows where its last ones went,
  // unless that backend no longer takes new flows.
  uint16_t b = 0;
  if (persistent) {
    FlowTable::FindResult ar;
    const uint32_t ai = flows_->Find(akey, ah, now, &ar);
    if (ai != FlowTable::kNone) {
      FlowEntry& a = flows_->entry(ai);
      if (EntryUsable(t, v, a, /*allow_draining=*/false)) {
        b = a.backend;
        ctr[DSRLB_CTR_PERSIST_HIT]++;
        flows_->Touch(ai, now);
        if (a.timeout != affinity_timeout) a.timeout = affinity_timeout;
      } else {
        flows_->Erase(ai);
      }
    } else if (ar == FlowTable::FindResult::kExpired) {
      ctr[DSRLB_CTR_FLOW_EXPIRED]++;
    }
  }

  // 3. Otherwise the Maglev ring decides, as on every other scheduler.
  if (b == 0) {
    b = RingBackend(t, v, key, persistent);
    if (b == 0) return 0;
    if (persistent && !icmp_error) {
      FlowTable::InsertResult r;
      const uint32_t ai = flows_->Insert(akey, ah, now, affinity_timeout, &r);
      CountInsert(r);
      Remember(ai, t, b);
    }
  }
  // An ICMP error follows its flow but never starts one.
  if (!icmp_error) {
    FlowTable::InsertResult r;
    const uint32_t ni = flows_->Insert(key, fh, now, flow_timeout, &r);
    CountInsert(r);
    Remember(ni, t, b);
  }
  return b;
}

bool Pipeline::Prepare(const shm::SlotView& t, const uint8_t* frame,
                       uint32_t len, Prepared* prep, Verdict* verdict) {
  ParsedPacket p;
  ParseFrame(frame, len, &p);
  switch (p.kind) {
    case ParsedPacket::Kind::kDrop:
      *verdict = Drop(p.drop);
      return false;
    case ParsedPacket::Kind::kNotIp:
      *verdict = Exception(DSRLB_DROP_NOT_IP);
      return false;
    case ParsedPacket::Kind::kOtherIp:
      *verdict = Exception(DSRLB_DROP_NO_VIP);
      return false;
    case ParsedPacket::Kind::kFlow:
    case ParsedPacket::Kind::kIcmpError:
      break;
  }
  // Addresses are copied out of the frame first: the VIP index hashes 8
  // bytes of an IPv4 address.
  prep->key = KeyOf(p);
  prep->vip = t.FindVip(prep->key.family, prep->key.dst, prep->key.proto,
                        prep->key.dport);
  // An ICMP error quoting a packet that was not a VIP's reply is about the
  // host's own traffic: the kernel wants it.
  if (prep->vip < 0) {
    *verdict = Exception(DSRLB_DROP_NO_VIP);
    return false;
  }
  if ((t.vips[prep->vip].flags & DSRLB_VIP_ACTIVE) == 0) {
    *verdict = Drop(DSRLB_DROP_VIP_INACTIVE);
    return false;
  }
  prep->icmp_error = p.kind == ParsedPacket::Kind::kIcmpError;
  prep->hash = FlowTable::HashTuple(p.family, p.src, p.dst, p.sport, p.dport,
                                    p.proto, FlowKey::kFlow);
  return true;
}

Verdict Pipeline::Finish(const shm::SlotView& t, const Prepared& p,
                         uint8_t* frame, uint32_t len, uint32_t now) {
  const uint16_t b = PickBackend(t, p, now);
  if (b == 0) return Drop(DSRLB_DROP_NO_BACKEND);

  const uint8_t* src_mac =
      IsZeroMac(t.hdr->port_mac) ? port_mac_ : t.hdr->port_mac;
  std::memcpy(frame, t.backends[b].mac, 6);
  std::memcpy(frame + 6, src_mac, 6);

  counters_.counters[DSRLB_CTR_FORWARDED]++;
  const uint32_t v = static_cast<uint32_t>(p.vip);
  if (v < counters_.max_vips) {
    counters_.vips[v].packets++;
    counters_.vips[v].bytes += len;
  }
  if (b < counters_.max_backends) {
    counters_.backends[b].packets++;
    counters_.backends[b].bytes += len;
  }
  return Verdict::kForward;
}

Verdict Pipeline::Process(const shm::SlotView* table, uint8_t* frame,
                          uint32_t len, uint64_t now_ns) {
  if (table == nullptr) return Drop(DSRLB_DROP_NO_TABLE);
  Prepared p;
  Verdict v;
  if (!Prepare(*table, frame, len, &p, &v)) return v;
  return Finish(*table, p, frame, len, FlowTable::Now(now_ns));
}

void Pipeline::ProcessBurst(const shm::SlotView* table, uint8_t* const* frames,
                            const uint32_t* lens, uint32_t n, uint64_t now_ns,
                            Verdict* verdicts) {
  if (table == nullptr) {
    for (uint32_t i = 0; i < n; i++) verdicts[i] = Drop(DSRLB_DROP_NO_TABLE);
    return;
  }
  const uint32_t now = FlowTable::Now(now_ns);
  // Three passes over up to kChunk packets so that their flow-table misses
  // overlap instead of queueing: parse + hash + prefetch the bucket, then
  // prefetch the matching entry, then decide. Measured with
  // perf/dataplane/pipeline_bench (see README.md in this folder).
  Prepared prep[kChunk];
  bool needs[kChunk];
  for (uint32_t base = 0; base < n; base += kChunk) {
    const uint32_t m = n - base < kChunk ? n - base : kChunk;
    for (uint32_t i = 0; i < m; i++) {
      needs[i] = Prepare(*table, frames[base + i], lens[base + i], &prep[i],
                         &verdicts[base + i]);
      if (needs[i]) flows_->PrefetchBucket(prep[i].hash);
    }
    for (uint32_t i = 0; i < m; i++)
      if (needs[i]) flows_->PrefetchEntry(prep[i].hash);
    for (uint32_t i = 0; i < m; i++)
      if (needs[i])
        verdicts[base + i] =
            Finish(*table, prep[i], frames[base + i], lens[base + i], now);
  }
}

}  // namespace dsrlb::dataplane
