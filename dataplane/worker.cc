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

// Sends a burst that was forwarded whole, as received (no per-packet look
// at the verdicts: the common case); what the port would not take is
// dropped as drop_tx_full. `bytes`: the burst's bytes (rx_bytes).
__attribute__((always_inline)) static inline void TransmitAll(WorkerContext& w,
                                                              rte_mbuf** rx,
                                                              uint16_t n,
                                                              uint64_t bytes) {
  const uint16_t sent = rte_eth_tx_burst(w.port, w.queue, rx, n);
  if (sent < n) {
    // The unsent ones are still ours: their bytes come off the total.
    for (uint16_t i = sent; i < n; i++) bytes -= rx[i]->pkt_len;
    w.drops[DSRLB_DROP_TX_FULL] += n - sent;
    rte_pktmbuf_free_bulk(rx + sent, n - sent);
  }
  w.counters[DSRLB_CTR_TX_PACKETS] += sent;
  w.counters[DSRLB_CTR_TX_BYTES] += bytes;
}

// Sends the burst's forwarded frames, frees the others (the pipeline
// counted them) and what the port would not take (drop_tx_full).
static void Transmit(WorkerContext& w, rte_mbuf** rx, const Verdict* verdicts,
                     uint16_t n) {
  rte_mbuf* tx[kBurst];
  uint64_t tx_bytes = 0;
  uint16_t nf = 0;
  for (uint16_t i = 0; i < n; i++) {
    if (verdicts[i] == Verdict::kForward) {
      tx_bytes += rx[i]->pkt_len;
      tx[nf++] = rx[i];
    } else {
      // kDrop was counted by the pipeline; kException too (as
      // exception): there is no path to the kernel from here.
      rte_pktmbuf_free(rx[i]);
    }
  }
  if (nf != 0) TransmitAll(w, tx, nf, tx_bytes);
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

    const uint32_t forwarded =
        w.pipeline->ProcessBurst(table, frames, lens, n, now_ns, verdicts);
    if (forwarded == n)
      TransmitAll(w, rx, n, rx_bytes);
    else
      Transmit(w, rx, verdicts, n);
  }

  tables.Release();
  __atomic_store_n(&ls->flags, ls->flags & ~DSRLB_LCORE_ACTIVE,
                   __ATOMIC_RELEASE);
  return 0;
}

}  // namespace dsrlb::dataplane
