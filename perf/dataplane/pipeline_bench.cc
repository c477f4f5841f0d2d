// ns/packet of the pipeline alone (no NIC, no DPDK): 64-byte TCP packets to
// one VIP over 10, 10^4 and 10^6 distinct flows, the flow table sized by the
// README's rule (and once oversized, to show its size does not set the
// cost); beside it, the cost of each stage measured on its own. Printed next
// to the usual anchors: Katran ~100 ns/packet, Maglev ~350 ns/packet.
// `--measure hit|miss` runs one fixed workload inside MeasuredBursts() for
// perf/dataplane/instructions.sh (callgrind: instructions per packet).
// `--vips N` spreads the flows round-robin over N VIPs (4 backends each,
// M = 1021: the rings' size does not change the instructions of a hit)
// instead of one, as traffic to many services arrives.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/tables/table_builder.h"
#include "dataplane/pipeline/pipeline.h"

namespace {

using dsrlb::dataplane::FlowKey;
using dsrlb::dataplane::FlowTable;
using dsrlb::dataplane::LcoreCounters;
using dsrlb::dataplane::ParsedPacket;
using dsrlb::dataplane::Pipeline;
using dsrlb::dataplane::Verdict;
// CPU time of this thread: on a shared machine, time spent descheduled is
// not the pipeline's.
struct Clock {
  using duration = std::chrono::nanoseconds;
  static std::chrono::time_point<Clock, duration> now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::time_point<Clock, duration>(
        duration(ts.tv_sec * 1'000'000'000ll + ts.tv_nsec));
  }
};

constexpr uint32_t kBurst = 32;
constexpr uint32_t kFrameLen = 64;  // 14 + 20 + 20 + 10 bytes of payload
constexpr uint32_t kPool = 1024;    // frames in flight, cache resident (DDIO)

const uint8_t kTemplate[kFrameLen] = {2,    0xbb, 0,    0,    0,   1,
                                      2,    0xaa, 0,    0,    0,   1,
                                      0x08, 0x00,  // eth
                                      0x45, 0,    0,    50,   0,   1,
                                      0x40, 0,    64,   6,    0,   0,
                                      198,  18,   0,    0,  // ipv4
                                      10,   0,    0,    1,  // vip
                                      0,    0,    0,    80,   0,   0,
                                      0,    1,    0,    0,    0,   0,
                                      0x50, 0x10, 0xff, 0xff, 0,   0,
                                      0,    0,    'p',  'a',  'y', 'l',
                                      'o',  'a',  'd',  '.',  '.', '.'};
static_assert(sizeof(kTemplate) == kFrameLen);

// VIPs of the table (--vips): 10.0.0.1 + i.
uint32_t g_vips = 1;

// Flow f: source 198.18.x.y, port from f, VIP f % g_vips; packet i of a run
// belongs to a pseudo-random flow so the flow table sees no locality.
void SetFlow(uint8_t* frame, uint32_t f) {
  std::memcpy(frame, kTemplate, 12);         // the pipeline rewrote the MACs
  const uint32_t sport = 1024 + (f & 0xff);  // distinct for f < 2^24
  frame[28] = static_cast<uint8_t>(f >> 16);
  frame[29] = static_cast<uint8_t>(f >> 8);
  frame[34] = static_cast<uint8_t>(sport >> 8);
  frame[35] = static_cast<uint8_t>(sport);
  if (g_vips > 1) {
    const uint32_t vip = 0x0a000001u + f % g_vips;
    for (int i = 0; i < 4; i++)
      frame[30 + i] = static_cast<uint8_t>(vip >> (24 - 8 * i));
  }
}

dsrlb::IpAddress V4(uint32_t a) {
  dsrlb::IpAddress ip;
  ip.family = DSRLB_AF_INET;
  for (int i = 0; i < 4; i++)
    ip.bytes[i] = static_cast<uint8_t>(a >> (24 - 8 * i));
  return ip;
}

// --vips N: N VIPs of 4 backends each (10.2.0.0 + 4 i + b + 1), M = 1021.
dsrlb::tables::TableSpec ManyVips(uint32_t n) {
  dsrlb::tables::TableSpec spec;
  for (uint32_t i = 0; i < n; i++) {
    dsrlb::tables::VipSpec vip;
    vip.address = V4(0x0a000001u + i);
    vip.port = 80;
    vip.ring_size = 1021;
    for (uint32_t b = 0; b < 4; b++) {
      dsrlb::tables::BackendSpec be;
      const uint32_t a = 0x0a020000u + 4 * i + b + 1;
      be.address = V4(a);
      be.mac = {2,
                0xbe,
                static_cast<uint8_t>(a >> 16),
                static_cast<uint8_t>(a >> 8),
                static_cast<uint8_t>(a),
                0};
      vip.backends.push_back(be);
    }
    spec.vips.push_back(vip);
  }
  return spec;
}

// The README's sizing rule: the next power of two >= 2 x flows (>= 1024).
uint32_t RuleSize(uint32_t flows) {
  uint32_t s = 1024;
  while (s < 2 * flows) s <<= 1;
  return s;
}

uint32_t FlowOf(uint64_t i, uint32_t flows) {
  return static_cast<uint32_t>(dsrlb_mix64(i) % flows);
}

double NsPer(Clock::duration d, uint64_t n) {
  return std::chrono::duration<double, std::nano>(d).count() /
         static_cast<double>(n);
}

struct Bench {
  std::optional<dsrlb::shm::TableWriter> writer;
  const dsrlb::shm::SlotView* table = nullptr;
  uint64_t counters[DSRLB_CTR_MAX] = {};
  uint64_t drops[DSRLB_DROP_MAX] = {};
  // Per-VIP and per-backend counters, as many as the stats region has.
  std::vector<dsrlb_pkt_bytes> vips =
      std::vector<dsrlb_pkt_bytes>(DSRLB_MAX_VIPS);
  std::vector<dsrlb_pkt_bytes> backends =
      std::vector<dsrlb_pkt_bytes>(DSRLB_MAX_BACKENDS);
  std::vector<dsrlb_conn_counts> conns =
      std::vector<dsrlb_conn_counts>(DSRLB_MAX_BACKENDS);
  std::vector<uint8_t> pool = std::vector<uint8_t>(kPool * kFrameLen);
  uint64_t now = 1'000'000'000ull;  // never goes back: stamps stay valid

  Bench() {
    dsrlb::tables::TableSpec spec;  // M = 65537, as deployed
    dsrlb::tables::VipSpec vip;
    vip.address = *dsrlb::IpAddress::Parse("10.0.0.1");
    vip.port = 80;
    for (int b = 0; b < 100; b++) {
      dsrlb::tables::BackendSpec be;
      be.address = *dsrlb::IpAddress::Parse("10.1.0." + std::to_string(b + 1));
      be.mac = {2, 0xbe, 0, 0, 0, static_cast<uint8_t>(b)};
      vip.backends.push_back(be);
    }
    spec.vips.push_back(vip);
    if (g_vips > 1) spec = ManyVips(g_vips);
    std::string path =
        "/dev/shm/dsrlb-pipeline-bench-" + std::to_string(getpid());
    auto w = dsrlb::shm::TableWriter::Create(
        path,
        dsrlb::tables::GrownGeometry(dsrlb::tables::NeededGeometry(spec)));
    if (!w.ok()) std::abort();
    writer.emplace(std::move(*w));
    unlink(path.c_str());
    if (!dsrlb::tables::PublishSpec(*writer, spec, nullptr).ok()) std::abort();
    table = *writer->region().ValidatedCurrent();
    for (uint32_t i = 0; i < kPool; i++)
      std::memcpy(&pool[i * kFrameLen], kTemplate, kFrameLen);
  }

  LcoreCounters Counters() {
    return {counters,        drops,          vips.data(),
            backends.data(), DSRLB_MAX_VIPS, DSRLB_MAX_BACKENDS,
            conns.data()};
  }

  // Runs `packets` packets in bursts; returns the time of the whole loop,
  // frame setup included (measured apart by SetupOnly).
  Clock::duration Run(Pipeline& p, uint32_t flows, uint64_t first,
                      uint64_t packets) {
    uint8_t* frames[kBurst];
    uint32_t lens[kBurst];
    Verdict verdicts[kBurst];
    std::fill(lens, lens + kBurst, kFrameLen);
    auto start = Clock::now();
    for (uint64_t i = first; i < first + packets; i += kBurst) {
      for (uint32_t k = 0; k < kBurst; k++) {
        frames[k] = &pool[((i + k) % kPool) * kFrameLen];
        SetFlow(frames[k], FlowOf(i + k, flows));
      }
      p.ProcessBurst(table, frames, lens, kBurst, now, verdicts);
      now += 1000;
    }
    return Clock::now() - start;
  }

  Clock::duration SetupOnly(uint32_t flows, uint64_t packets) {
    uint8_t* frames[kBurst];
    auto start = Clock::now();
    for (uint64_t i = 0; i < packets; i += kBurst) {
      for (uint32_t k = 0; k < kBurst; k++) {
        frames[k] = &pool[((i + k) % kPool) * kFrameLen];
        SetFlow(frames[k], FlowOf(i + k, flows));
      }
      asm volatile("" : : "r"(frames) : "memory");
    }
    return Clock::now() - start;
  }
};

void PipelineRows(Bench& b, uint32_t only_flows) {
  std::printf("%-10s %-9s %-11s %10s %10s %8s %9s   %s\n", "flows", "table",
              "phase", "ns/pkt", "Mpps/core", "hit%", "evicted", "reference");
  struct Config {
    uint32_t flows, table;
  };
  std::vector<Config> configs = {Config{10, RuleSize(10)}, Config{10, 1u << 21},
                                 Config{10000, RuleSize(10000)},
                                 Config{10000, 1u << 21},
                                 Config{1000000, RuleSize(1000000)}};
  // Any other --flows N: one row, the table sized by the rule.
  if (only_flows != 0 &&
      std::none_of(configs.begin(), configs.end(),
                   [&](const Config& c) { return c.flows == only_flows; }))
    configs.push_back(Config{only_flows, RuleSize(only_flows)});
  for (Config c : configs) {
    const uint32_t flows = c.flows, kTable = c.table;
    if (only_flows != 0 && flows != only_flows) continue;
    FlowTable table(kTable);
    std::memset(b.counters, 0, sizeof(b.counters));
    Pipeline p(&table, b.Counters(), kTemplate);
    const uint64_t warm = std::max<uint64_t>(flows * 4ull, 1u << 20);
    const double setup = NsPer(b.SetupOnly(flows, warm), warm);
    // First contact: every flow is new (flow-table insert + ring lookup).
    const double cold = NsPer(b.Run(p, flows, 0, warm), warm) - setup;
    auto row = [&](const char* phase, double ns, uint64_t hit, uint64_t miss,
                   uint64_t evicted) {
      std::printf(
          "%-10u 2^%-7d %-11s %10.1f %10.2f %7.1f%% %9llu   Katran ~100 ns, "
          "Maglev ~350 ns\n",
          flows, __builtin_ctz(kTable), phase, ns, 1000.0 / ns,
          100.0 * static_cast<double>(hit) / static_cast<double>(hit + miss),
          static_cast<unsigned long long>(evicted));
    };
    row("first pass", cold, b.counters[DSRLB_CTR_FLOW_HIT],
        b.counters[DSRLB_CTR_FLOW_MISS], b.counters[DSRLB_CTR_FLOW_EVICTED]);
    std::vector<double> reps;
    uint64_t hit0 = b.counters[DSRLB_CTR_FLOW_HIT],
             miss0 = b.counters[DSRLB_CTR_FLOW_MISS],
             ev0 = b.counters[DSRLB_CTR_FLOW_EVICTED];
    for (int r = 0; r < 5; r++)
      reps.push_back(NsPer(b.Run(p, flows, warm * (r + 1), warm), warm) -
                     setup);
    std::sort(reps.begin(), reps.end());
    // The fastest of 5 runs: on a shared machine, slower runs measure the
    // neighbours.
    row("steady", reps[0], b.counters[DSRLB_CTR_FLOW_HIT] - hit0,
        b.counters[DSRLB_CTR_FLOW_MISS] - miss0,
        b.counters[DSRLB_CTR_FLOW_EVICTED] - ev0);
    if (b.counters[DSRLB_CTR_FORWARDED] == 0) std::abort();
  }
  std::printf(
      "memory: %u bytes per flow-table entry (64 B entry + 8 B of its "
      "bucket line); 2^20 entries = %u MiB per worker lcore\n",
      FlowTable::kBytesPerEntry, (FlowTable::kBytesPerEntry << 20) >> 20);
}

// The workload callgrind counts: `packets` packets in bursts of 32 over
// frames built beforehand, so nothing but the pipeline runs in here.
// DSRLB_NOIPA: GCC's identical-code folding would otherwise merge it with
// WarmBursts, and callgrind would count the warm-up too (clang has no such
// attribute; noinline is what it needs).
#if defined(__clang__)
#define DSRLB_NOIPA __attribute__((noinline))
#else
#define DSRLB_NOIPA __attribute__((noipa))
#endif
DSRLB_NOIPA void MeasuredBursts(Pipeline& p, Bench& b, uint8_t* const* frames,
                                uint64_t packets) {
  uint32_t lens[kBurst];
  Verdict verdicts[kBurst];
  std::fill(lens, lens + kBurst, kFrameLen);
  for (uint64_t i = 0; i < packets; i += kBurst)
    p.ProcessBurst(b.table, frames + i, lens, kBurst, b.now, verdicts);
}

DSRLB_NOIPA void WarmBursts(Pipeline& p, Bench& b, uint8_t* const* frames,
                            uint64_t packets) {
  uint32_t lens[kBurst];
  Verdict verdicts[kBurst];
  std::fill(lens, lens + kBurst, kFrameLen);
  for (uint64_t i = 0; i < packets; i += kBurst)
    p.ProcessBurst(b.table, frames + i, lens, kBurst, b.now, verdicts);
}

// hit: 10 flows, all in the table before the measured run. miss: every
// packet a flow not seen before, in a table with room for all of them.
int Measure(Bench& b, const std::string& mode, uint32_t flows) {
  const bool hit = mode == "hit";
  const uint64_t packets = hit ? 64 * 1024 : 32 * 1024;
  if (!hit) flows = static_cast<uint32_t>(packets);
  // hit: every flow in the frames (at least 4096 frames), so that more
  // than 4096 flows put the burst on its prefetch passes.
  const size_t hit_frames = std::clamp<size_t>(flows, 4096, 1u << 16);
  std::vector<std::vector<uint8_t>> frames(hit ? hit_frames : packets,
                                           std::vector<uint8_t>(kFrameLen));
  for (uint32_t i = 0; i < frames.size(); i++) {
    std::memcpy(frames[i].data(), kTemplate, kFrameLen);
    SetFlow(frames[i].data(), hit && flows <= 4096 ? FlowOf(i, flows) : i);
  }
  // Frame pointers laid out beforehand: the loop adds nothing per packet.
  std::vector<uint8_t*> ptrs(packets);
  for (uint64_t i = 0; i < packets; i++)
    ptrs[i] = frames[i % frames.size()].data();
  FlowTable table(RuleSize(flows));
  Pipeline p(&table, b.Counters(), kTemplate);
  // Warm-up (every flow known) outside MeasuredBursts, so that callgrind
  // counts only the measured packets.
  if (hit) WarmBursts(p, b, ptrs.data(), frames.size());
  std::memset(b.counters, 0, sizeof(b.counters));
  MeasuredBursts(p, b, ptrs.data(), packets);
  std::printf(
      "measured %s: %llu packets, %llu flow_hit, %llu flow_miss, "
      "%llu forwarded\n",
      mode.c_str(), static_cast<unsigned long long>(packets),
      static_cast<unsigned long long>(b.counters[DSRLB_CTR_FLOW_HIT]),
      static_cast<unsigned long long>(b.counters[DSRLB_CTR_FLOW_MISS]),
      static_cast<unsigned long long>(b.counters[DSRLB_CTR_FORWARDED]));
  return b.counters[DSRLB_CTR_FORWARDED] == packets ? 0 : 1;
}

// Each stage alone over the same frames, 10^6 flows, tables warm.
void StageRows(Bench& b) {
  constexpr uint32_t kFlows = 1000000;
  constexpr uint64_t kN = 1u << 21;
  std::vector<std::vector<uint8_t>> frames(4096,
                                           std::vector<uint8_t>(kFrameLen));
  for (uint32_t i = 0; i < frames.size(); i++) {
    std::memcpy(frames[i].data(), kTemplate, kFrameLen);
    SetFlow(frames[i].data(), FlowOf(i, kFlows));
  }
  const dsrlb::shm::SlotView& t = *b.table;
  uint64_t sink = 0;
  auto time = [&](const char* what, auto&& fn) {
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
      auto start = Clock::now();
      for (uint64_t i = 0; i < kN; i++) sink += fn(frames[i & 4095].data(), i);
      best = std::min(best, NsPer(Clock::now() - start, kN));
    }
    std::printf("  %-44s %6.1f ns/pkt\n", what, best);
  };
  std::printf(
      "\nstages alone (4096 distinct frames, cache warm, fastest of 5):\n");
  ParsedPacket pp;
  time("parse (eth/ipv4/tcp)", [&](const uint8_t* f, uint64_t) {
    dsrlb::dataplane::ParseFrame(f, kFrameLen, &pp);
    return pp.sport;
  });
  time("VIP lookup (SlotView::FindVip)", [&](const uint8_t* f, uint64_t) {
    uint8_t a[16] = {};
    std::memcpy(a, f + 30, 4);
    return static_cast<uint64_t>(t.FindVip(4, a, 6, 80));
  });
  time("Maglev: dsrlb_flow_hash + ring[] (M=65537)", [&](const uint8_t* f,
                                                         uint64_t) {
    uint64_t h =
        dsrlb_flow_hash(t.hdr->hash_seed, 4, f + 26, f + 30, 1234, 80, 6, 0);
    return static_cast<uint64_t>(t.Ring(0)[dsrlb_ring_index(h, t.RingSize(0))]);
  });
  std::vector<FlowKey> keys(4096);
  for (uint32_t i = 0; i < keys.size(); i++) {
    keys[i] = FlowKey{};
    std::memcpy(keys[i].src, frames[i].data() + 26, 4);
    std::memcpy(keys[i].dst, frames[i].data() + 30, 4);
    keys[i].sport = static_cast<uint16_t>(frames[i][34] << 8 | frames[i][35]);
  }
  time("flow-table key hash (FlowTable::Hash)",
       [&](const uint8_t*, uint64_t i) {
         return FlowTable::Hash(keys[i & 4095]);
       });
  FlowTable ft(1u << 20);
  FlowTable::InsertResult ir;
  FlowTable::FindResult fr;
  for (uint32_t f = 0; f < kFlows; f++) {
    FlowKey k{};
    std::memcpy(k.src, &f, 4);
    ft.Insert(k, FlowTable::Hash(k), 0, 1u << 30, &ir);
  }
  time("flow-table find, 10^6 flows in 2^20 (DRAM)",
       [&](const uint8_t*, uint64_t i) {
         FlowKey k{};
         uint32_t f = FlowOf(i, kFlows);
         std::memcpy(k.src, &f, 4);
         return static_cast<uint64_t>(ft.Find(k, FlowTable::Hash(k), 1, &fr));
       });
  time("flow-table find, 10 flows (cache)", [&](const uint8_t*, uint64_t i) {
    FlowKey k{};
    uint32_t f = FlowOf(i, 10);
    std::memcpy(k.src, &f, 4);
    return static_cast<uint64_t>(ft.Find(k, FlowTable::Hash(k), 1, &fr));
  });
  if (sink == 42) std::printf(" ");
}

}  // namespace

// pipeline_bench [--flows N] [--no-stages] [--measure hit|miss]: N picks
// one row; --measure runs only the callgrind workload.
int main(int argc, char** argv) {
  uint32_t only_flows = 0;
  bool stages = true;
  std::string measure;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--no-stages") stages = false;
    if (a == "--flows" && i + 1 < argc)
      only_flows = static_cast<uint32_t>(std::atol(argv[++i]));
    if (a == "--measure" && i + 1 < argc) measure = argv[++i];
    if (a == "--vips" && i + 1 < argc)
      g_vips = std::max(1u, static_cast<uint32_t>(std::atol(argv[++i])));
  }
  Bench b;
  if (!measure.empty())
    return Measure(b, measure, only_flows ? only_flows : 10);
  std::printf("== dsrlb pipeline alone: 64-byte TCP to %s, bursts of %u ==\n",
              g_vips > 1 ? (std::to_string(g_vips) +
                            " VIPs round-robin, 4 backends each, M=1021")
                               .c_str()
                         : "one VIP, 100 backends, M=65537",
              kBurst);
  std::printf(
      "(ns/pkt excludes writing the tuple into the test frame, "
      "measured apart; steady = fastest of 5 runs; thread CPU time)\n");
  PipelineRows(b, only_flows);
  if (stages) StageRows(b);
  return 0;
}
