// The forwarding loop of one worker lcore.
#include "dataplane/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <unistd.h>

namespace dsrlb::dataplane {
namespace {

constexpr uint16_t kBurst = 32;
// How many empty polls before an idle worker may sleep (--idle-sleep-us).
constexpr uint32_t kIdlePollsBeforeSleep = 1024;
// Flow-table buckets swept per empty poll (Pipeline::Sweep): a 2^20-entry
// table (2^17 buckets) in ~8,000 empty polls.
constexpr uint32_t kSweepIdleBuckets = 16;

__extension__ typedef unsigned __int128 Uint128;

// TSC -> ns without a division per burst: ns = (tsc * mult) >> 32.
struct TscClock {
  TscClock() {
    uint64_t hz = rte_get_tsc_hz();
    mult = hz == 0 ? 0 : (uint64_t{1000000000} << 32) / hz;
  }
  uint64_t NowNs() const {
    return static_cast<uint64_t>(
        (static_cast<Uint128>(rte_get_tsc_cycles()) * mult) >> 32);
  }
  uint64_t mult;
};

}  // namespace

// Sends the burst's forwarded frames, frees the others (the pipeline
// counted them) and what the port would not take (drop_tx_full).
__attribute__((always_inline)) static inline void Transmit(
    WorkerContext& w, rte_mbuf** rx, const Verdict* verdicts, uint16_t n) {
  rte_mbuf* tx[kBurst];
  uint32_t tx_len[kBurst];
  uint16_t nf = 0;
  uint64_t tx_bytes = 0;
  for (uint16_t i = 0; i < n; i++) {
    if (verdicts[i] == Verdict::kForward) {
      tx_len[nf] = rx[i]->pkt_len;
      tx[nf++] = rx[i];
    } else {
      // kDrop was counted by the pipeline; kException too (as
      // exception): there is no path to the kernel from here.
      rte_pktmbuf_free(rx[i]);
    }
  }
  if (nf == 0) return;
  // What was sent belongs to the driver now: sizes come from before.
  uint16_t sent = rte_eth_tx_burst(w.port, w.queue, tx, nf);
  for (uint16_t i = 0; i < sent; i++) tx_bytes += tx_len[i];
  w.counters[DSRLB_CTR_TX_PACKETS] += sent;
  w.counters[DSRLB_CTR_TX_BYTES] += tx_bytes;
  if (sent < nf) {
    w.drops[DSRLB_DROP_TX_FULL] += nf - sent;
    rte_pktmbuf_free_bulk(tx + sent, nf - sent);
  }
}

int WorkerMain(void* arg) {
  WorkerContext& w = *static_cast<WorkerContext*>(arg);
  dsrlb_lcore_stats* ls = w.lcore_stats;
  uint64_t* ctr = w.counters;
  TscClock clock;

  LcoreTable tables(w.table, w.index, ls);
  rte_mbuf* rx[kBurst];
  uint8_t* frames[kBurst];
  uint32_t lens[kBurst];
  Verdict verdicts[kBurst];
  uint32_t idle_polls = 0;

  ls->lcore_id = rte_lcore_id();
  __atomic_store_n(&ls->flags, ls->flags | DSRLB_LCORE_ACTIVE,
                   __ATOMIC_RELEASE);

  while (!w.quit->load(std::memory_order_relaxed)) {
    // Plain store: this lcore is the only writer; readers only compare.
    __atomic_store_n(&ls->heartbeat, ls->heartbeat + 1, __ATOMIC_RELAXED);

    const uint16_t n = rte_eth_rx_burst(w.port, w.queue, rx, kBurst);

    // Once per loop, received or not, so an idle lcore still announces the
    // generation it is on and never holds the table writer up; after rx, so
    // a burst is handled with the newest table published before it arrived.
    const uint64_t switches = tables.switches();
    const shm::SlotView* table = tables.Acquire();
    ctr[DSRLB_CTR_TABLE_SWITCHES] += tables.switches() - switches;
    const uint64_t now_ns = clock.NowNs();
    // Idle flows leave the flow table (and the connection counts) here:
    // one bucket a busy poll (a bucket line, ~20 instructions a burst),
    // more while idle.
    w.pipeline->Sweep(now_ns, n == 0 ? kSweepIdleBuckets : 1);
    if (n == 0) {
      if (w.idle_sleep_us != 0 && ++idle_polls >= kIdlePollsBeforeSleep)
        usleep(w.idle_sleep_us);
      continue;
    }
    idle_polls = 0;

    uint64_t rx_bytes = 0;
    for (uint16_t i = 0; i < n; i++) {
      frames[i] = rte_pktmbuf_mtod(rx[i], uint8_t*);
      // Headers live in the first segment; the pipeline sees only that.
      lens[i] = rx[i]->data_len;
      rx_bytes += rx[i]->pkt_len;
    }
    ctr[DSRLB_CTR_RX_PACKETS] += n;
    ctr[DSRLB_CTR_RX_BYTES] += rx_bytes;

    w.pipeline->ProcessBurst(table, frames, lens, n, now_ns, verdicts);

    Transmit(w, rx, verdicts, n);
  }

  tables.Release();
  __atomic_store_n(&ls->flags, ls->flags & ~DSRLB_LCORE_ACTIVE,
                   __ATOMIC_RELEASE);
  return 0;
}

}  // namespace dsrlb::dataplane
