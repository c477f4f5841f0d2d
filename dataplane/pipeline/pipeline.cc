// The per-packet DSR decision: parse, VIP, flow table / affinity / Maglev
// ring, MAC rewrite, counters. See README.md in this folder for the policies
// and for what each part of the burst shape measured.
#include "dataplane/pipeline/pipeline.h"

#include <cstring>

// The per-packet path is inlined into ProcessBurst, the miss path kept out
// of line: callgrind counted ~60 instructions per packet of calls and
// register saves when GCC -O2 left Prepare / Finish / PickBackend /
// LookupVip as calls (README.md, "What each step bought").
#define DSRLB_HOT __attribute__((always_inline)) inline
#define DSRLB_COLD __attribute__((noinline, cold))

namespace dsrlb::dataplane {
namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

FlowKey KeyOfParsed(const ParsedPacket& p) {
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

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint16_t LoadBe16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

// The VIP cache's key: destination address bytes, and from a key's tail
// word the destination port, family and protocol.
uint64_t VipCacheKey(uint32_t dst, uint64_t tail) {
  return uint64_t{dst} | (tail & 0xffffffff0000ull) << 16;
}

// The common case, without ParseFrame's generality: an untagged IPv4 frame
// without options, not a fragment, carrying a well-formed TCP or UDP header.
// Exactly the frames for which ParseFrame says kFlow with these fields and
// ip[0] == 0x45; anything else returns false and takes ParseFrame.
struct FastTuple {
  uint32_t src, dst;  // network-order bytes as loaded
  uint32_t ports;     // source and destination port bytes as loaded
  uint8_t proto;
  // TCP: header bytes 12-13 as loaded (data offset, then the flags at bits
  // 8-15); UDP: 0. One 16-bit load serves the data offset check and the
  // hit path's flags test.
  uint32_t tcp_word;
};
inline bool ParseIpv4Fast(const uint8_t* f, uint32_t len, FastTuple* t) {
  // Ethertype 0x0800 and version/IHL 0x45 in one compare (bytes 12-14).
  if (len < 14 + 20 || (Load32(f + 12) & 0xffffff) != 0x450008) return false;
  const uint8_t* ip = f + 14;
  // Range checks lo <= x <= hi as one unsigned compare, x - lo <= hi - lo
  // (hi >= lo is checked first where it is not given).
  const uint32_t total = LoadBe16(ip + 2);
  // Fragment offset and MF (0x3fff big-endian) tested as loaded.
  if (total - 20 > len - 34 || (Load16(ip + 6) & 0xff3f) != 0) return false;
  const uint8_t* l4 = ip + 20;
  const uint32_t l4_len = total - 20;
  const uint8_t proto = ip[9];
  if (proto == kProtoTcp) {
    // Data offset (high nibble of byte 12, in words) from 20 to l4_len.
    if (l4_len < 20) return false;  // before the load: it reads bytes 12-13
    const uint32_t w = Load16(l4 + 12);
    if (((w >> 2) & 0x3cu) - 20 > l4_len - 20) return false;
    t->tcp_word = w;
  } else if (proto == kProtoUdp) {
    if (l4_len < 8 || LoadBe16(l4 + 4) - 8u > l4_len - 8) return false;
    t->tcp_word = 0;
  } else {
    return false;
  }
  t->src = Load32(ip + 12);
  t->dst = Load32(ip + 16);
  t->ports = Load32(l4);
  t->proto = proto;
  return true;
}

// The compact IPv4 key of a fast-parsed frame: two words from the loaded
// bytes (the ports swapped to host order in one go), hashed from registers.
struct V4Key {
  uint64_t addrs;  // source bytes | destination bytes << 32
  uint64_t tail;   // FlowKeyTail(sport, dport, AF_INET, proto, kFlow)
  uint64_t hash;   // FlowTable::HashV4
};
inline V4Key KeyOfTuple(const FastTuple& ft) {
  const uint32_t ports = __builtin_bswap32(ft.ports);  // sport << 16 | dport
  V4Key k;
  k.tail = uint64_t{ports >> 16 | ports << 16} | uint64_t{DSRLB_AF_INET} << 32 |
           uint64_t{ft.proto} << 40;
  k.addrs = uint64_t{ft.src} | uint64_t{ft.dst} << 32;
  k.hash = FlowTable::HashV4(k.addrs, k.tail);
  return k;
}

}  // namespace

Pipeline::Pipeline(FlowTable* flows, const LcoreCounters& counters,
                   const uint8_t port_mac[6])
    : flows_(flows), counters_(counters) {
  std::memcpy(port_mac_, port_mac, 6);
}

DSRLB_HOT const FlowKey& Pipeline::KeyOf(const Prepared& p, FlowKey* scratch) {
  if (!p.v4) return p.key;
  // The five words of an IPv4 key: source, 0, destination, 0, tail
  // (sport .. pad, as FlowKeyTail), stored as words.
  const uint64_t words[5] = {p.addrs & 0xffffffffu, 0, p.addrs >> 32, 0,
                             p.tail};
  static_assert(sizeof(words) == sizeof(FlowKey));
  std::memcpy(static_cast<void*>(scratch), words, sizeof(words));
  return *scratch;
}

void Pipeline::NewEpoch(const shm::SlotView& t) {
  epoch_hdr_ = t.hdr;
  epoch_generation_ = t.hdr->generation;
  epoch_checksum_ = t.hdr->checksum;
  // A wrapped mark could match an entry validated 32767 epochs ago: clear
  // them all (a pass over the buckets, once per 32767 table changes).
  if (++epoch_ > kEpochMax) {
    flows_->ClearMarks();
    epoch_ = 1;
  }
  std::memcpy(src_mac_,
              IsZeroMac(t.hdr->port_mac) ? port_mac_ : t.hdr->port_mac, 6);
  uint16_t hi;
  std::memcpy(&hi, src_mac_, 2);
  src_mac_hi_ = uint64_t{hi} << 48;
  std::memcpy(&src_mac_lo_, src_mac_ + 2, 4);
  // Timeouts come from the current table, so a changed timeout applies to
  // established flows too (at their first hit in the new epoch).
  tcp_timeout_ = FlowTable::TimeoutUnits(t.hdr->tcp_timeout_s);
  udp_timeout_ = FlowTable::TimeoutUnits(t.hdr->udp_timeout_s);
  SetStateTimeouts();
  vip_cache_key_ = kNoVip;
}

void Pipeline::SetStateTimeouts() {
  // LVS's defaults for the states it leaves sooner than ESTABLISHED
  // (ip_vs_proto_tcp.c: SYN_RECV 60 s, FIN_WAIT and TIME_WAIT 120 s, the
  // tcpfin of `ipvsadm --set`, CLOSE 10 s), never past the table's TCP
  // timeout: a closed connection leaves InActConn in minutes, not 15.
  auto upto_tcp = [this](uint32_t seconds) {
    const uint32_t u = FlowTable::TimeoutUnits(seconds);
    return u < tcp_timeout_ ? u : tcp_timeout_;
  };
  state_timeout_[kNotConn] = tcp_timeout_;  // not used: affinity has its own
  state_timeout_[kTcpNone] = tcp_timeout_;
  state_timeout_[kTcpEstablished] = tcp_timeout_;
  state_timeout_[kTcpSynRecv] = upto_tcp(60);
  state_timeout_[kTcpFinWait] = upto_tcp(120);
  state_timeout_[kTcpTimeWait] = upto_tcp(120);
  state_timeout_[kTcpClose] = upto_tcp(10);
  state_timeout_[kUdpConn] = udp_timeout_;
  min_timeout_ = state_timeout_[kTcpClose] < udp_timeout_
                     ? state_timeout_[kTcpClose]
                     : udp_timeout_;
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
  // Per-VIP ring size: dsrlb_ring_index() is a multiply-shift, so a
  // different m per VIP costs nothing over a table-wide one.
  const uint32_t m = t.vips[v].ring_size;
  if (m == 0) return 0;
  // A persistent VIP hashes the client's network (persistence_granularity),
  // as every other scheduler does.
  uint8_t client[16];
  const uint8_t* src = key.src;
  if (persistent) {
    dsrlb_persistence_source(key.family, key.src,
                             t.vips[v].persistence_prefix_len, client);
    src = client;
  }
  const uint64_t h =
      dsrlb_flow_hash(t.hdr->hash_seed, key.family, src, key.dst, key.sport,
                      key.dport, key.proto, persistent ? 1 : 0);
  const uint16_t b = t.Ring(v)[dsrlb_ring_index(h, m)];
  // 0 is "no backend"; an index past the table would be a corrupt table.
  return b < t.hdr->num_backends ? b : 0;
}

DSRLB_HOT void Pipeline::Remember(uint32_t index, const shm::SlotView& t,
                                  uint16_t b) {
  FlowEntry& e = flows_->entry(index);
  const dsrlb_backend& be = t.backends[b];
  e.backend = b;
  e.backend_family = be.family;
  std::memcpy(e.backend_addr, be.addr, 16);
}

DSRLB_HOT void Pipeline::CountInsert(FlowTable::InsertResult r,
                                     uint32_t index) {
  if (r == FlowTable::InsertResult::kFree) return;
  counters_.counters[r == FlowTable::InsertResult::kExpired
                         ? DSRLB_CTR_FLOW_EXPIRED
                         : DSRLB_CTR_FLOW_EVICTED]++;
  Uncount(flows_->entry(index));
}

void Pipeline::CountConn(uint16_t backend, uint8_t state, int delta) {
  if (state == kNotConn || backend >= counters_.max_backends) return;
  dsrlb_conn_counts& c = counters_.conns[backend];
  if (ConnActive(state))
    c.active += static_cast<uint32_t>(delta);
  else
    c.inactive += static_cast<uint32_t>(delta);
}

void Pipeline::Uncount(FlowEntry& e) {
  CountConn(e.backend, e.conn, -1);
  e.conn = kNotConn;
}

DSRLB_HOT void Pipeline::StartConn(uint32_t index, const Prepared& p) {
  FlowEntry& e = flows_->entry(index);
  uint8_t state = kUdpConn;
  bool is_new = true;
  if (ProtoOf(p) == kProtoTcp) {
    state = FirstTcpState(p.tcp_flags);
    // A TCP flow picked up without its SYN (after a failover, an eviction
    // or a restart) is a connection, but not a new one.
    is_new = state == kTcpSynRecv;
  }
  e.conn = state;
  e.timeout = state_timeout_[state];
  if (e.backend >= counters_.max_backends) return;
  dsrlb_conn_counts& c = counters_.conns[e.backend];
  c.new_conns += is_new;
  if (ConnActive(state))
    c.active++;
  else
    c.inactive++;
}

DSRLB_COLD void Pipeline::TrackConn(uint32_t index, const Prepared& p) {
  FlowEntry& e = flows_->entry(index);
  if (p.icmp_error || e.conn == kNotConn || e.conn == kUdpConn) return;
  const uint8_t next =
      NextTcpState(static_cast<ConnState>(e.conn), p.tcp_flags);
  if (next == e.conn) return;
  // A SYN on a closing or closed flow is the client reusing its port: a
  // new connection (LVS makes a new one too).
  if (next == kTcpSynRecv && e.backend < counters_.max_backends)
    counters_.conns[e.backend].new_conns++;
  CountConn(e.backend, e.conn, -1);
  CountConn(e.backend, next, +1);
  e.conn = next;
  e.timeout = StateTimeout(next);
  // TrackConn runs after the entry was validated in this epoch.
  flows_->set_mark(index, ConnSteady(next) ? MarkFor(p) : 0);
}

void Pipeline::Sweep(uint64_t now_ns, uint32_t buckets) {
  const uint32_t freed =
      flows_->Sweep(FlowTable::Now(now_ns), buckets, min_timeout_,
                    [this](FlowEntry& e) { Uncount(e); });
  counters_.counters[DSRLB_CTR_FLOW_EXPIRED] += freed;
}

void Pipeline::AffinityKey(const shm::SlotView& t, const Prepared& p,
                           FlowKey* akey, uint64_t* ah) const {
  FlowKey scratch;
  const FlowKey& key = KeyOf(p, &scratch);
  const uint16_t port = t.vips[p.vip].port;
  *akey = FlowKey{};
  // One affinity per client network (persistence_granularity), as LVS
  // masks the client address of its persistence template.
  dsrlb_persistence_source(key.family, key.src,
                           t.vips[p.vip].persistence_prefix_len, akey->src);
  std::memcpy(akey->dst, key.dst, 16);
  akey->dport = port;
  akey->family = key.family;
  akey->proto = key.proto;
  akey->kind = FlowKey::kAffinity;
  *ah = FlowTable::HashTuple(key.family, akey->src, key.dst, 0, port, key.proto,
                             FlowKey::kAffinity);
}

DSRLB_COLD bool Pipeline::Revalidate(const shm::SlotView& t, const Prepared& p,
                                     uint32_t index) {
  FlowEntry& e = flows_->entry(index);
  if (!EntryUsable(t, p.vip, e, /*allow_draining=*/true)) return false;
  // Written only when it differs: a hit then dirties only the bucket line.
  const uint32_t timeout = StateTimeout(e.conn);
  if (e.timeout != timeout) e.timeout = timeout;
  // A state an ACK would move stays off the hit path (ConnSteady).
  if (ConnSteady(e.conn)) flows_->set_mark(index, MarkFor(p));
  return true;
}

DSRLB_COLD void Pipeline::RefreshAffinity(const shm::SlotView& t,
                                          const Prepared& p, uint32_t now) {
  // A client's affinity lasts while any of its connections is active, as an
  // LVS persistence template does.
  FlowKey akey;
  uint64_t ah;
  AffinityKey(t, p, &akey, &ah);
  FlowTable::FindResult ar;
  const uint32_t ai = flows_->Find(akey, ah, now, &ar);
  if (ai != FlowTable::kNone)
    flows_->Touch(ai, now);
  else if (ar == FlowTable::FindResult::kExpired)
    counters_.counters[DSRLB_CTR_FLOW_EXPIRED]++;
}

DSRLB_HOT uint16_t Pipeline::PickBackend(const shm::SlotView& t,
                                         const Prepared& p, uint32_t now) {
  uint64_t* ctr = counters_.counters;
  // 1. An established flow keeps its backend while it is up or draining;
  // validated once per epoch, so within one table a hit reads no record.
  FlowTable::FindResult fr;
  const uint32_t fi = p.v4 ? flows_->FindV4(p.addrs, p.tail, p.hash, now, &fr)
                           : flows_->Find(p.key, p.hash, now, &fr);
  if (fi != FlowTable::kNone) {
    if ((flows_->mark(fi) & ~kPersistentMark) == epoch_ ||
        Revalidate(t, p, fi)) {
      ctr[DSRLB_CTR_FLOW_HIT]++;
      flows_->Touch(fi, now);
      TrackConn(fi, p);
      if (p.vip_flags & DSRLB_VIP_PERSISTENT) RefreshAffinity(t, p, now);
      return flows_->entry(fi).backend;
    }
    ctr[DSRLB_CTR_FLOW_REHASHED]++;
    Uncount(flows_->entry(fi));
    flows_->Erase(fi);
  } else if (fr == FlowTable::FindResult::kExpired) {
    ctr[DSRLB_CTR_FLOW_EXPIRED]++;
    Uncount(flows_->entry(flows_->last_freed()));
  }
  ctr[DSRLB_CTR_FLOW_MISS]++;
  return NewFlowBackend(t, p, now);
}

uint16_t Pipeline::FollowAffinity(const shm::SlotView& t, const Prepared& p,
                                  const FlowKey& akey, uint64_t ah,
                                  uint32_t now) {
  FlowTable::FindResult ar;
  const uint32_t ai = flows_->Find(akey, ah, now, &ar);
  if (ai == FlowTable::kNone) {
    if (ar == FlowTable::FindResult::kExpired)
      counters_.counters[DSRLB_CTR_FLOW_EXPIRED]++;
    return 0;
  }
  FlowEntry& a = flows_->entry(ai);
  // An affinity to a backend that takes no new flows is given up.
  if (!EntryUsable(t, p.vip, a, /*allow_draining=*/false)) {
    flows_->Erase(ai);
    return 0;
  }
  counters_.counters[DSRLB_CTR_PERSIST_HIT]++;
  flows_->Touch(ai, now);
  const uint32_t timeout =
      FlowTable::TimeoutUnits(t.vips[p.vip].persistence_timeout_s);
  if (a.timeout != timeout) a.timeout = timeout;
  return a.backend;
}

DSRLB_COLD uint16_t Pipeline::NewFlowBackend(const shm::SlotView& t,
                                             const Prepared& p, uint32_t now) {
  const bool persistent = (p.vip_flags & DSRLB_VIP_PERSISTENT) != 0;
  FlowKey scratch;
  const FlowKey& key = KeyOf(p, &scratch);
  // 2. A persistent VIP sends a client's new flows where its last ones went,
  // unless that backend no longer takes new flows.
  FlowKey akey;
  uint64_t ah = 0;
  uint16_t b = 0;
  if (persistent) {
    AffinityKey(t, p, &akey, &ah);
    b = FollowAffinity(t, p, akey, ah, now);
  }
  // 3. Otherwise the Maglev ring decides, as on every other scheduler.
  if (b == 0) {
    b = RingBackend(t, p.vip, key, persistent);
    if (b == 0) return 0;
    if (persistent && !p.icmp_error) {
      FlowTable::InsertResult r;
      const uint32_t ai = flows_->Insert(
          akey, ah, now,
          FlowTable::TimeoutUnits(t.vips[p.vip].persistence_timeout_s), &r);
      CountInsert(r, ai);
      Remember(ai, t, b);
      flows_->entry(ai).conn = kNotConn;
    }
  }
  // An ICMP error follows its flow but never starts one.
  if (!p.icmp_error) {
    FlowTable::InsertResult r;
    const uint32_t ni =
        flows_->Insert(key, p.hash, now, FlowTimeout(key.proto), &r);
    CountInsert(r, ni);
    Remember(ni, t, b);
    StartConn(ni, p);
    // Marked only if it would pass the check its next hit makes
    // (EntryUsable; the index, family and address were just copied from
    // this record, so only the VIP and the state are left to check), and
    // its connection state needs no look at plain ACKs (ConnSteady).
    const dsrlb_backend& be = t.backends[b];
    if (be.vip == p.vip &&
        (be.state == DSRLB_BACKEND_UP || be.state == DSRLB_BACKEND_DRAINING) &&
        ConnSteady(flows_->entry(ni).conn))
      flows_->set_mark(ni, MarkFor(p));
  }
  return b;
}

DSRLB_HOT int Pipeline::LookupVip(const shm::SlotView& t, const FlowKey& key,
                                  uint32_t* flags) {
  // Traffic comes in runs to one VIP: the last IPv4 VIP found answers for
  // the rest of the run without the index's hash and probe (~150
  // instructions).
  if (key.family == DSRLB_AF_INET &&
      VipCacheKey(Load32(key.dst),
                  FlowKeyTail(0, key.dport, key.family, key.proto, 0)) ==
          vip_cache_key_) {
    *flags = vip_cache_flags_;
    return vip_cache_index_;
  }
  return FindVip(t, key, flags);
}

DSRLB_COLD int Pipeline::FindVip(const shm::SlotView& t, const FlowKey& key,
                                 uint32_t* flags) {
  const int v = t.FindVip(key.family, key.dst, key.proto, key.dport);
  if (v < 0) return v;
  *flags = t.vips[v].flags;
  if (key.family == DSRLB_AF_INET) {
    vip_cache_key_ = VipCacheKey(
        Load32(key.dst), FlowKeyTail(0, key.dport, key.family, key.proto, 0));
    vip_cache_index_ = v;
    vip_cache_flags_ = *flags;
  }
  return v;
}

DSRLB_HOT bool Pipeline::AcceptVip(Prepared* p, Verdict* verdict) {
  // An ICMP error quoting a packet that was not a VIP's reply is about the
  // host's own traffic: the kernel wants it.
  if (p->vip < 0) {
    *verdict = Exception(DSRLB_DROP_NO_VIP);
    return false;
  }
  if ((p->vip_flags & DSRLB_VIP_ACTIVE) == 0) {
    *verdict = Drop(DSRLB_DROP_VIP_INACTIVE);
    return false;
  }
  return true;
}

DSRLB_HOT bool Pipeline::PrepareV4(const shm::SlotView& t, uint64_t addrs,
                                   uint64_t tail, uint64_t hash,
                                   uint8_t tcp_flags, Prepared* p,
                                   Verdict* verdict) {
  p->addrs = addrs;
  p->tail = tail;
  p->hash = hash;
  p->v4 = true;
  p->icmp_error = false;
  p->tcp_flags = tcp_flags;
  // LookupVip's cache test, on the values still in registers.
  int vip;
  uint32_t flags;
  if (VipCacheKey(static_cast<uint32_t>(addrs >> 32), tail) == vip_cache_key_) {
    vip = vip_cache_index_;
    flags = vip_cache_flags_;
  } else {
    FlowKey scratch;
    vip = FindVip(t, KeyOf(*p, &scratch), &flags);
  }
  p->vip = vip;
  p->vip_flags = flags;
  if (vip >= 0 && (flags & DSRLB_VIP_ACTIVE) != 0) return true;
  return AcceptVip(p, verdict);
}

DSRLB_COLD Verdict Pipeline::SlowV4(const shm::SlotView& t, uint64_t addrs,
                                    uint64_t tail, uint64_t hash,
                                    uint8_t tcp_flags, uint8_t* frame,
                                    uint32_t len, uint32_t now) {
  Prepared p;
  Verdict v;
  if (!PrepareV4(t, addrs, tail, hash, tcp_flags, &p, &v)) return v;
  return FinishSlow(t, p, frame, len, now);
}

DSRLB_COLD Verdict Pipeline::SlowParsed(const shm::SlotView& t, uint8_t* frame,
                                        uint32_t len, uint32_t now) {
  Prepared p;
  Verdict v;
  if (!PrepareParsed(t, frame, len, &p, &v)) return v;
  return FinishSlow(t, p, frame, len, now);
}

DSRLB_COLD bool Pipeline::PrepareParsed(const shm::SlotView& t,
                                        const uint8_t* frame, uint32_t len,
                                        Prepared* prep, Verdict* verdict) {
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
  prep->key = KeyOfParsed(p);
  prep->v4 = false;
  prep->icmp_error = p.kind == ParsedPacket::Kind::kIcmpError;
  prep->tcp_flags = p.tcp_flags;
  prep->hash = FlowTable::HashTuple(p.family, p.src, p.dst, p.sport, p.dport,
                                    p.proto, FlowKey::kFlow);
  prep->vip = LookupVip(t, prep->key, &prep->vip_flags);
  return AcceptVip(prep, verdict);
}

DSRLB_HOT Pipeline::HitPath Pipeline::StartHits(const shm::SlotView& t) {
  HitPath h;
  h.flows = flows_->lines();
  h.backends = t.backends;
  h.backend_stats = counters_.backends;
  h.vip_stats = counters_.vips;
  h.max_backends = counters_.max_backends;
  h.max_vips = counters_.max_vips;
  h.epoch = epoch_;
  h.src_mac_hi = src_mac_hi_;
  h.src_mac_lo = src_mac_lo_;
  h.hits = h.slow_forwarded = 0;
  h.run_vip = -1;
  h.run_start = h.run_bytes = 0;
  return h;
}

DSRLB_HOT uint32_t Pipeline::Fold(HitPath* h) {
  SwitchVipRun(h, -1);
  counters_.counters[DSRLB_CTR_FORWARDED] += h->hits;
  counters_.counters[DSRLB_CTR_FLOW_HIT] += h->hits;
  const uint64_t forwarded = h->hits + h->slow_forwarded;
  h->hits = h->run_start = h->slow_forwarded = 0;
  return static_cast<uint32_t>(forwarded);
}

DSRLB_COLD void Pipeline::SwitchVipRun(HitPath* h, int vip) {
  const uint32_t v = static_cast<uint32_t>(h->run_vip);
  if (h->run_vip >= 0 && v < counters_.max_vips) {
    counters_.vips[v].packets += h->hits - h->run_start;
    counters_.vips[v].bytes += h->run_bytes;
  }
  h->run_vip = vip;
  h->run_start = h->hits;
  h->run_bytes = 0;
}

DSRLB_HOT void Pipeline::ForwardHit(HitPath* h, uint16_t b, uint8_t* frame,
                                    uint32_t len) {
  // The hit's VIP is its backend's (validated in this epoch), on the
  // record's line that the MAC is read from.
  const dsrlb_backend& be = h->backends[b];
  if (be.vip != h->run_vip) SwitchVipRun(h, be.vip);
  // Both MACs in two stores: the backend's 6 bytes read as 8 (the record's
  // port follows them) with the source MAC's first two bytes put over the
  // last two, then the source MAC's other four.
  uint64_t dst;
  std::memcpy(&dst, be.mac, 8);
  dst = (dst & 0xffffffffffffull) | h->src_mac_hi;
  std::memcpy(frame, &dst, 8);
  std::memcpy(frame + 8, &h->src_mac_lo, 4);
  h->hits++;
  h->run_bytes += len;
  if (b < h->max_backends) {
    h->backend_stats[b].packets++;
    h->backend_stats[b].bytes += len;
  }
}

DSRLB_COLD Verdict Pipeline::FinishSlow(const shm::SlotView& t,
                                        const Prepared& p, uint8_t* frame,
                                        uint32_t len, uint32_t now) {
  const uint16_t b = PickBackend(t, p, now);
  if (b == 0) return Drop(DSRLB_DROP_NO_BACKEND);

  std::memcpy(frame, t.backends[b].mac, 6);
  std::memcpy(frame + 6, src_mac_, 6);

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
  Verdict v;
  ProcessBurst(table, &frame, &len, 1, now_ns, &v);
  return v;
}

DSRLB_HOT bool Pipeline::ParseV4(const uint8_t* frame, uint32_t len,
                                 FastV4* f) {
  FastTuple ft;
  if (!ParseIpv4Fast(frame, len, &ft)) return false;
  const V4Key k = KeyOfTuple(ft);
  f->addrs = k.addrs;
  f->tail = k.tail;
  f->hash = k.hash;
  f->tcp_word = ft.tcp_word;
  return true;
}

template <bool kPrefetched>
DSRLB_HOT Verdict Pipeline::DecideV4(const shm::SlotView& t, const FastV4& f,
                                     uint32_t ways, uint8_t* frame,
                                     uint32_t len, uint32_t now, HitPath* h) {
  if ((f.tcp_word & uint32_t{kTcpSynFinRst} << 8) == 0) {
    const uint32_t src = static_cast<uint32_t>(f.addrs);
    const uint32_t dst = static_cast<uint32_t>(f.addrs >> 32);
    if (const FlowEntry* e =
            kPrefetched
                ? h->flows.HitV4Ways(src, dst, f.tail, f.hash, ways, now,
                                     h->epoch)
                : h->flows.HitV4(src, dst, f.tail, f.hash, now, h->epoch)) {
      ForwardHit(h, e->backend, frame, len);
      return Verdict::kForward;
    }
  }
  return CountSlow(
      h, SlowV4(t, f.addrs, f.tail, f.hash,
                static_cast<uint8_t>(f.tcp_word >> 8), frame, len, now));
}

uint32_t Pipeline::ProcessOnePass(const shm::SlotView& t,
                                  uint8_t* const* frames, const uint32_t* lens,
                                  uint32_t n, uint32_t now, Verdict* verdicts) {
  HitPath h = StartHits(t);
  for (uint32_t i = 0; i < n; i++) {
    FastV4 f;
    verdicts[i] = ParseV4(frames[i], lens[i], &f)
                      ? DecideV4<false>(t, f, 0, frames[i], lens[i], now, &h)
                      : CountSlow(&h, SlowParsed(t, frames[i], lens[i], now));
  }
  return Fold(&h);
}

uint32_t Pipeline::ProcessPrefetched(const shm::SlotView& t,
                                     uint8_t* const* frames,
                                     const uint32_t* lens, uint32_t n,
                                     uint32_t now, Verdict* verdicts) {
  // Three passes over up to kChunk packets so that their flow-table misses
  // overlap instead of queueing: parse + key + hash + prefetch the bucket,
  // then prefetch the entries whose tags match, then decide as the one-pass
  // shape does (in packet order, so a flow's second packet in a burst sees
  // what its first one inserted). Frames the IPv4 fast parse does not take
  // are prepared (parse, VIP) in the first pass and prefetched alike.
  enum Kind : uint8_t { kFast, kPrepared, kDecided };
  FastV4 fast[kChunk];
  uint32_t ways[kChunk];
  Kind kind[kChunk];
  Prepared prep[kChunk];
  HitPath h = StartHits(t);
  for (uint32_t base = 0; base < n; base += kChunk) {
    const uint32_t m = n - base < kChunk ? n - base : kChunk;
    uint8_t* const* fr = frames + base;
    const uint32_t* ln = lens + base;
    Verdict* vd = verdicts + base;
    for (uint32_t i = 0; i < m; i++) {
      if (ParseV4(fr[i], ln[i], &fast[i])) {
        kind[i] = kFast;
        flows_->PrefetchBucket(fast[i].hash);
      } else if (PrepareParsed(t, fr[i], ln[i], &prep[i], &vd[i])) {
        kind[i] = kPrepared;
        flows_->PrefetchBucket(prep[i].hash);
      } else {
        kind[i] = kDecided;  // dropped or for the kernel: vd[i] is set
      }
    }
    for (uint32_t i = 0; i < m; i++)
      if (kind[i] != kDecided)
        ways[i] = flows_->PrefetchEntries(kind[i] == kFast ? fast[i].hash
                                                           : prep[i].hash);
    for (uint32_t i = 0; i < m; i++) {
      if (kind[i] == kFast)
        vd[i] = DecideV4<true>(t, fast[i], ways[i], fr[i], ln[i], now, &h);
      else if (kind[i] == kPrepared)
        vd[i] = CountSlow(&h, FinishSlow(t, prep[i], fr[i], ln[i], now));
    }
  }
  return Fold(&h);
}

uint32_t Pipeline::ProcessBurst(const shm::SlotView* table,
                                uint8_t* const* frames, const uint32_t* lens,
                                uint32_t n, uint64_t now_ns,
                                Verdict* verdicts) {
  if (table == nullptr) {
    for (uint32_t i = 0; i < n; i++) verdicts[i] = Drop(DSRLB_DROP_NO_TABLE);
    return 0;
  }
  Enter(*table);
  const uint32_t now = FlowTable::Now(now_ns);
  if (!flows_->prefetch_pays())
    return ProcessOnePass(*table, frames, lens, n, now, verdicts);
  return ProcessPrefetched(*table, frames, lens, n, now, verdicts);
}

}  // namespace dsrlb::dataplane
