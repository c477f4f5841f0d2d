// The per-packet DSR pipeline: parse, VIP lookup, flow table / Maglev ring,
// MAC rewrite, counters. Pure C++ (no DPDK), one instance per lcore.
#ifndef DSRLB_DATAPLANE_PIPELINE_PIPELINE_H_
#define DSRLB_DATAPLANE_PIPELINE_PIPELINE_H_

#include <cstdint>

#include "dataplane/pipeline/conn_state.h"
#include "dataplane/pipeline/flow_table.h"
#include "dataplane/pipeline/packet_parser.h"
#include "dataplane/shm/dsrlb_shm.h"
#include "dataplane/shm/table_region.h"

namespace dsrlb::dataplane {

enum class Verdict : uint8_t { kForward, kException, kDrop };

// Pointers into this lcore's block of the stats region.
struct LcoreCounters {
  uint64_t* counters;               // [DSRLB_CTR_MAX]
  uint64_t* drops;                  // [DSRLB_DROP_MAX]
  dsrlb_pkt_bytes* vips;            // [max_vips] of the stats region
  dsrlb_pkt_bytes* backends;        // [max_backends]
  uint32_t max_vips, max_backends;  // bounds for the arrays
  dsrlb_conn_counts* conns;         // [max_backends]
};

class Pipeline {
 public:
  // `flows` and the counters outlive the pipeline; port_mac is copied.
  Pipeline(FlowTable* flows, const LcoreCounters& counters,
           const uint8_t port_mac[6]);

  // One frame, in place. kForward: MACs rewritten (dst = backend, src =
  // table port_mac or the port's own), every other byte untouched.
  // kException: frame untouched, for the kernel. kDrop: one drop counter
  // was bumped. table == nullptr drops everything as drop_no_table.
  Verdict Process(const shm::SlotView* table, uint8_t* frame, uint32_t len,
                  uint64_t now_ns);

  // verdicts[i] for frames[i]; same counting as Process. Returns how many
  // verdicts are kForward (the worker sends a burst forwarded whole
  // without looking at each verdict).
  uint32_t ProcessBurst(const shm::SlotView* table, uint8_t* const* frames,
                        const uint32_t* lens, uint32_t n, uint64_t now_ns,
                        Verdict* verdicts);

  // Removes flows idle past their timeout from the next `buckets` buckets
  // of the flow table (round robin), uncounting their connections; the
  // worker calls it once per poll, so a connection nobody sends on any more
  // leaves the counts within one pass over the table. Counted as
  // flow_expired.
  void Sweep(uint64_t now_ns, uint32_t buckets);

  // Where there is no exception path (the worker cannot hand frames to the
  // kernel), what would be kException is dropped instead: non-IP as
  // drop_not_ip, IP not for a VIP as drop_no_vip. Default: true.
  void set_exception_path(bool enabled) { exception_path_ = enabled; }

 private:
  static constexpr uint32_t kChunk = 32;

  Verdict Drop(dsrlb_drop reason) {
    counters_.drops[reason]++;
    return Verdict::kDrop;
  }
  Verdict Exception(dsrlb_drop reason_without_path) {
    if (!exception_path_) return Drop(reason_without_path);
    counters_.counters[DSRLB_CTR_EXCEPTION]++;
    return Verdict::kException;
  }
  // An IPv4 fast-parsed frame (untagged, no options, not a fragment,
  // well-formed TCP or UDP): its compact key, hashed. No initializers: the
  // prefetching shape keeps 32 on its stack, filled per burst.
  struct FastV4 {
    uint64_t addrs;     // source bytes | destination bytes << 32
    uint64_t tail;      // FlowKeyTail(sport, dport, AF_INET, proto, kFlow)
    uint64_t hash;      // FlowTable::HashV4(addrs, tail)
    uint32_t tcp_word;  // TCP header bytes 12-13 as loaded (flags at 8-15)
  };
  // A packet between the two halves of the general path, VIP found.
  // No initializers: ProcessBurst keeps 32 on its stack, filled per burst.
  // The IPv4 fast path keeps its key compact (two words, `v4`); every other
  // packet carries a whole FlowKey. KeyOf() gives the whole key either way.
  struct Prepared {
    uint64_t addrs;  // v4: source bytes | destination bytes << 32
    uint64_t tail;   // v4: FlowKeyTail(...)
    uint64_t hash;   // FlowTable::Hash(key)
    int vip;
    uint32_t vip_flags;
    bool v4;
    bool icmp_error;
    uint8_t tcp_flags;  // TCP: the header's flags byte; else 0
    FlowKey key;        // !v4 only
  };
  static const FlowKey& KeyOf(const Prepared& p, FlowKey* scratch);
  static uint8_t ProtoOf(const Prepared& p) {
    return p.v4 ? static_cast<uint8_t>(p.tail >> 40) : p.key.proto;
  }

  // What the hit path of a burst reads and counts, kept in locals: stores
  // through a frame (uint8_t*) may alias any member, so members read per
  // packet would be reloaded after every MAC rewrite. Counts are folded
  // into the stats region once per burst (Fold), not per packet.
  struct HitPath {
    FlowTable::Lines flows;
    const dsrlb_backend* backends;  // the table's records
    dsrlb_pkt_bytes* backend_stats;
    dsrlb_pkt_bytes* vip_stats;
    uint32_t max_backends, max_vips;
    uint16_t epoch;
    uint64_t src_mac_hi;      // source MAC bytes 0-1 at bits 48-63 (frame 6-7)
    uint32_t src_mac_lo;      // source MAC bytes 2-5 (frame bytes 8-11)
    uint64_t hits;            // forwarded by a flow-table hit
    uint64_t slow_forwarded;  // forwarded past the hit path (CountSlow)
    // Per-VIP counts of hits, by runs of one VIP: run_vip's packets are
    // the hits since run_start, its bytes run_bytes.
    int run_vip;  // -1: none yet
    uint64_t run_start, run_bytes;
  };
  // Once per burst, after Enter: the hit path's locals.
  HitPath StartHits(const shm::SlotView& t);
  // End of a burst: hits and the VIP run into the stats region. Returns
  // how many the burst forwarded.
  uint32_t Fold(HitPath* h);
  // A verdict of the general path, counted in h if forwarded.
  static Verdict CountSlow(HitPath* h, Verdict v) {
    h->slow_forwarded += v == Verdict::kForward;
    return v;
  }
  // Ends h's VIP run (its counts into the stats region), starts one for vip.
  void SwitchVipRun(HitPath* h, int vip);
  // A forwarded hit: MACs rewritten from the entry's backend, counted in h
  // under the backend's VIP.
  void ForwardHit(HitPath* h, uint16_t backend, uint8_t* frame, uint32_t len);
  // Finish past the hit path: a miss, a first hit in a new epoch, an
  // expired entry, a persistent VIP, a non-IPv4-fast packet.
  Verdict FinishSlow(const shm::SlotView& t, const Prepared& p, uint8_t* frame,
                     uint32_t len, uint32_t now);

  // Once per burst: notices a table other than the last one (another
  // slot, generation or content) and starts a new epoch: entries validated
  // in an older epoch are checked against the table again on their next
  // hit, and what is derived from the table (source MAC, timeouts, the VIP
  // cache) is derived again.
  void Enter(const shm::SlotView& t) {
    if (t.hdr != epoch_hdr_ || t.hdr->generation != epoch_generation_ ||
        t.hdr->checksum != epoch_checksum_)
      NewEpoch(t);
  }
  void NewEpoch(const shm::SlotView& t);
  void SetStateTimeouts();

  // The IPv4 fast parse and compact key; false: the frame is not one
  // (SlowParsed / PrepareParsed take it).
  static bool ParseV4(const uint8_t* frame, uint32_t len, FastV4* f);
  // A fast-parsed frame, decided: the hit path all in registers (an entry
  // marked for it in this epoch: VIP active and not persistent, so no VIP
  // lookup; no SYN, FIN or RST, which may change the connection's state),
  // else SlowV4. kPrefetched: `ways` are the flow-table ways to probe
  // (HitV4Ways, from PrefetchEntries); else the tags are compared here.
  template <bool kPrefetched>
  Verdict DecideV4(const shm::SlotView& t, const FastV4& f, uint32_t ways,
                   uint8_t* frame, uint32_t len, uint32_t now, HitPath* h);
  // The general path's IPv4 first half (VIP lookup), from the compact key.
  bool PrepareV4(const shm::SlotView& t, uint64_t addrs, uint64_t tail,
                 uint64_t hash, uint8_t tcp_flags, Prepared* p,
                 Verdict* verdict);
  // Whole frames past the one-pass hit path: an IPv4 fast-parsed frame
  // (compact key given) and any other frame.
  Verdict SlowV4(const shm::SlotView& t, uint64_t addrs, uint64_t tail,
                 uint64_t hash, uint8_t tcp_flags, uint8_t* frame, uint32_t len,
                 uint32_t now);
  Verdict SlowParsed(const shm::SlotView& t, uint8_t* frame, uint32_t len,
                     uint32_t now);
  // The general path's first half (parse, VIP) for anything the IPv4 fast
  // parse does not take; true when the packet needs a backend (p filled),
  // else *verdict is set.
  bool PrepareParsed(const shm::SlotView& t, const uint8_t* frame, uint32_t len,
                     Prepared* p, Verdict* verdict);
  // The VIP of a key, -1 if none. The one place that knows how VIPs are
  // found (SlotView::FindVip), behind a one-entry cache for IPv4.
  int LookupVip(const shm::SlotView& t, const FlowKey& key, uint32_t* flags);
  // LookupVip past the cache: the index, then the cache refilled.
  int FindVip(const shm::SlotView& t, const FlowKey& key, uint32_t* flags);
  // VIP checks common to both parse paths.
  bool AcceptVip(Prepared* p, Verdict* verdict);

  // The backend for p.key (VIP p.vip, active), 0 if none: flow table, then
  // client affinity (persistent VIPs), then the Maglev ring. ICMP errors
  // follow an existing flow but never create entries.
  uint16_t PickBackend(const shm::SlotView& t, const Prepared& p, uint32_t now);
  // Step 1 when the entry was not validated in this epoch: checks it
  // against the table, and marks it if it holds.
  bool Revalidate(const shm::SlotView& t, const Prepared& p, uint32_t index);
  // A hit on a persistent VIP keeps the client's affinity alive.
  void RefreshAffinity(const shm::SlotView& t, const Prepared& p, uint32_t now);
  // Steps 2 and 3, for a packet without a usable flow entry.
  uint16_t NewFlowBackend(const shm::SlotView& t, const Prepared& p,
                          uint32_t now);
  // Step 2: the backend of the client's affinity entry, 0 if none usable.
  uint16_t FollowAffinity(const shm::SlotView& t, const Prepared& p,
                          const FlowKey& akey, uint64_t ah, uint32_t now);
  void AffinityKey(const shm::SlotView& t, const Prepared& p, FlowKey* akey,
                   uint64_t* ah) const;
  // The two burst shapes (ProcessBurst picks one); each returns how many it
  // forwarded. One pass, for flows that fit in the cache; three passes
  // (parse and prefetch buckets, prefetch entries, decide) for more.
  uint32_t ProcessPrefetched(const shm::SlotView& t, uint8_t* const* frames,
                             const uint32_t* lens, uint32_t n, uint32_t now,
                             Verdict* verdicts);
  uint32_t ProcessOnePass(const shm::SlotView& t, uint8_t* const* frames,
                          const uint32_t* lens, uint32_t n, uint32_t now,
                          Verdict* verdicts);
  uint32_t FlowTimeout(uint8_t proto) const {
    return proto == 6 ? tcp_timeout_ : udp_timeout_;
  }

  // True if entry `e` may still carry traffic for VIP `v` in table `t`.
  static bool EntryUsable(const shm::SlotView& t, int v, const FlowEntry& e,
                          bool allow_draining);
  uint16_t RingBackend(const shm::SlotView& t, int v, const FlowKey& key,
                       bool persistent) const;
  void Remember(uint32_t index, const shm::SlotView& t, uint16_t backend);
  // Counts what Insert replaced (and uncounts its connection: the slot
  // still holds it).
  void CountInsert(FlowTable::InsertResult r, uint32_t index);

  // Connections (conn_state.h): per backend and lcore, counted when a flow
  // entry is made, changes state or goes, never per packet.
  // A new flow entry's state from its first packet; counts it.
  void StartConn(uint32_t index, const Prepared& p);
  // A packet of an existing flow: the state machine, the counts, the
  // entry's timeout and whether the hit path may take it (its mark).
  void TrackConn(uint32_t index, const Prepared& p);
  // The entry's connection leaves the counts (the entry is going).
  void Uncount(FlowEntry& e);
  void CountConn(uint16_t backend, uint8_t state, int delta);
  uint32_t StateTimeout(uint8_t state) const {
    return state < kStates ? state_timeout_[state] : tcp_timeout_;
  }

  FlowTable* flows_;
  LcoreCounters counters_;
  uint8_t port_mac_[6];
  bool exception_path_ = true;

  // The table epoch (see Enter) and what was derived from its table.
  const dsrlb_slot_header* epoch_hdr_ = nullptr;
  uint64_t epoch_generation_ = 0;
  uint64_t epoch_checksum_ = 0;
  uint16_t epoch_ = 0;  // 1 .. kEpochMax; 0 = never validated
  // An entry's mark (FlowTable::mark) is the epoch it was validated in;
  // with kPersistentMark added for an entry of a persistent VIP, which the
  // hit path leaves to the general one (its client's affinity is kept
  // alive there). So a hit needs no VIP lookup: mark == epoch says its VIP
  // is active and not persistent in this epoch's table.
  static constexpr uint16_t kPersistentMark = 0x8000;
  static constexpr uint16_t kEpochMax = kPersistentMark - 1;
  uint16_t MarkFor(const Prepared& p) const {
    return static_cast<uint16_t>(
        epoch_ | ((p.vip_flags & DSRLB_VIP_PERSISTENT) ? kPersistentMark : 0));
  }
  uint8_t src_mac_[6] = {};
  uint64_t src_mac_hi_ = 0;  // src_mac_ as HitPath wants it
  uint32_t src_mac_lo_ = 0;
  uint32_t tcp_timeout_ = 0, udp_timeout_ = 0;
  // Idle timeout per ConnState, from the table's (NewEpoch), and the
  // smallest of them (Sweep's filter).
  static constexpr uint8_t kStates = kUdpConn + 1;
  uint32_t state_timeout_[kStates] = {};
  uint32_t min_timeout_ = 0;
  // Last IPv4 VIP found, as VipCacheKey() (bit 63 set: none).
  static constexpr uint64_t kNoVip = uint64_t{1} << 63;
  uint64_t vip_cache_key_ = kNoVip;
  int vip_cache_index_ = -1;
  uint32_t vip_cache_flags_ = 0;
};

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PIPELINE_PIPELINE_H_
