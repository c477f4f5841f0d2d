// dsrlb-dataplane: the DPDK forwarder. Maps the table region the control
// plane publishes, creates the stats region, and runs one forwarding loop
// per worker lcore on one port (EAL device, or AF_XDP in xdp mode).
#include <net/if.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/options.h"
#include "dataplane/pipeline/pipeline.h"
#include "dataplane/port_setup.h"
#include "dataplane/preflight.h"
#include "dataplane/shm/region_lock.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/table_attachment.h"
#include "dataplane/worker.h"
#include "dataplane/xdp/xdp_vip_key.h"
#include "dataplane/xdp_vip_map.h"

namespace dsrlb::dataplane {
namespace {

std::atomic<bool> g_quit{false};

void OnSignal(int) { g_quit.store(true); }

[[noreturn]] void Fatal(const std::string& msg) {
  std::fprintf(stderr, "dsrlb-dataplane: %s\n", msg.c_str());
  std::exit(1);
}

void Check(const absl::Status& st, const std::string& what = "") {
  if (!st.ok())
    Fatal(what.empty() ? std::string(st.message())
                       : absl::StrCat(what, ": ", st.message()));
}

// Prints rx/tx packet rates summed over the workers every interval.
class RatePrinter {
 public:
  RatePrinter(const shm::StatsRegion* stats, uint32_t workers)
      : stats_(stats), workers_(workers) {}
  void Print(uint64_t now_ns) {
    uint64_t rx = 0, tx = 0;
    for (uint32_t w = 0; w < workers_; w++) {
      rx += stats_->counters(w)[DSRLB_CTR_RX_PACKETS];
      tx += stats_->counters(w)[DSRLB_CTR_TX_PACKETS];
    }
    if (last_ns_ != 0 && now_ns > last_ns_) {
      double s = static_cast<double>(now_ns - last_ns_) / 1e9;
      std::printf("stats: rx %.3f Mpps tx %.3f Mpps (rx %llu tx %llu)\n",
                  static_cast<double>(rx - last_rx_) / s / 1e6,
                  static_cast<double>(tx - last_tx_) / s / 1e6,
                  static_cast<unsigned long long>(rx),
                  static_cast<unsigned long long>(tx));
      std::fflush(stdout);
    }
    last_ns_ = now_ns;
    last_rx_ = rx;
    last_tx_ = tx;
  }

 private:
  const shm::StatsRegion* stats_;
  uint32_t workers_;
  uint64_t last_ns_ = 0, last_rx_ = 0, last_tx_ = 0;
};

// Everything checked before EAL (XDP interface and program, stale program),
// with messages that say what to change. Returns the interface index in xdp
// mode (0 otherwise) and adds the net_af_xdp vdev to the EAL arguments.
int PrepareXdp(const Options& opt, uint32_t lcores,
               std::vector<std::string>* eal) {
  if (opt.xdp_iface.empty()) return 0;
  const int ifindex = static_cast<int>(if_nametoindex(opt.xdp_iface.c_str()));
  if (ifindex == 0)
    Fatal(absl::StrCat("--xdp-iface ", opt.xdp_iface,
                       ": no such interface (see `ip link show`; inside a "
                       "namespace run under `ip netns exec NS`)"));
  auto prog = FindXdpProgram(opt.xdp_prog);
  Check(prog.status());
  auto attached = QueryAttachedXdp(ifindex);
  Check(attached.status(), opt.xdp_iface);
  if (attached->prog_id != 0) {
    if (attached->name != DSRLB_XDP_PROG_NAME)
      Fatal(absl::StrCat(opt.xdp_iface, " already runs XDP program id ",
                         attached->prog_id, " (", attached->name,
                         "): remove it with `ip link set dev ", opt.xdp_iface,
                         " xdp off` if it is not needed"));
    std::fprintf(stderr,
                 "dsrlb-dataplane: detaching a stale dsrlb XDP "
                 "program (id %u) from %s\n",
                 attached->prog_id, opt.xdp_iface.c_str());
    Check(DetachXdp(ifindex, attached->prog_id), opt.xdp_iface);
  }
  eal->push_back("--vdev");
  eal->push_back(
      XdpVdevArg(opt.xdp_iface, *prog, static_cast<uint16_t>(lcores)));
  return ifindex;
}

// EAL init; returns the number of worker lcores (at least one).
uint32_t InitEal(std::vector<std::string>& eal) {
  std::vector<char*> eal_argv;
  for (std::string& a : eal) eal_argv.push_back(a.data());
  eal_argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal.size()), eal_argv.data()) < 0)
    Fatal(absl::StrCat("EAL init failed: ", rte_strerror(rte_errno),
                       " (see EAL's message above)"));
  const uint32_t workers = rte_lcore_count() - 1;
  if (workers < 1)
    Fatal("no worker lcore: pass -l 0-1 (main + one worker) to EAL");
  return workers;
}

// The port (EAL device, or the AF_XDP vdev), started; fills `mac`.
PortSetup StartForwardingPort(const Options& opt, uint32_t workers,
                              uint8_t mac[6]) {
  PortSetup ps;
  ps.queues = static_cast<uint16_t>(workers);
  ps.rx_desc = opt.rx_desc;
  ps.tx_desc = opt.tx_desc;
  ps.mbufs = opt.mbufs;
  ps.mbuf_data_room = opt.mbuf_data_room;
  if (opt.xdp_iface.empty()) {
    ps.port = opt.port;
  } else {
    auto id = PortByName(kXdpVdevName);
    Check(id.status(), "xdp mode");
    ps.port = *id;
    ps.promiscuous = false;
  }
  auto pool = CreateMbufPool(ps);
  Check(pool.status());
  Check(StartPort(ps, *pool, mac));
  return ps;
}

// What the worker lcores own, kept alive until they have stopped.
struct Workers {
  std::vector<std::unique_ptr<FlowTable>> flows;
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  std::vector<WorkerContext> ctx;
};

// One flow table, pipeline and context per worker lcore, then the launch.
void LaunchWorkers(const Options& opt, const PortSetup& ps,
                   const uint8_t mac[6], shm::StatsRegion& stats,
                   TableAttachment* table, Workers* out) {
  const shm::StatsGeometry& sg = stats.geometry();
  out->ctx.resize(rte_lcore_count() - 1);
  uint32_t w = 0;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    out->flows.push_back(std::make_unique<FlowTable>(opt.flow_table_size));
    LcoreCounters lc{stats.counters(w),     stats.drops(w),
                     stats.vip_counters(w), stats.backend_counters(w),
                     sg.max_vips,           sg.max_backends,
                     stats.conn_counters(w)};
    out->pipelines.push_back(
        std::make_unique<Pipeline>(out->flows.back().get(), lc, mac));
    // No path to the kernel from a worker: what is not for an active VIP
    // is dropped under its own reason (drop_not_ip, drop_no_vip).
    out->pipelines.back()->set_exception_path(false);
    WorkerContext& c = out->ctx[w];
    c.index = w;
    c.port = ps.port;
    c.queue = static_cast<uint16_t>(w);
    c.idle_sleep_us = opt.idle_sleep_us;
    c.table = table;
    c.pipeline = out->pipelines.back().get();
    c.lcore_stats = stats.lcore(w);
    c.counters = stats.counters(w);
    c.drops = stats.drops(w);
    c.quit = &g_quit;
    rte_eal_remote_launch(WorkerMain, &c, lcore);
    w++;
  }
  std::fprintf(stderr,
               "dsrlb-dataplane: forwarding on port %u with %u "
               "worker lcore(s); table %s, stats %s\n",
               ps.port, w, opt.table_region.c_str(), opt.stats_region.c_str());
}

// Main lcore until a signal: liveness, table re-creation, XDP steering, rate
// lines. It reads the table too (to steer XDP), as lcore block `index`.
void MainLoop(const Options& opt, shm::StatsRegion& stats, uint32_t index,
              TableAttachment* table, std::optional<XdpVipMap>& xdp_map) {
  dsrlb_lcore_stats* main_ls = stats.lcore(index);
  main_ls->lcore_id = rte_lcore_id();
  main_ls->flags = DSRLB_LCORE_ACTIVE;
  LcoreTable tables(table, index, main_ls);
  const TableAttachment::Mapping* synced_mapping = nullptr;
  uint64_t synced_generation = ~0ull;
  RatePrinter rates(&stats, index);
  uint64_t next_poll = 0, next_rate = 0;
  while (!g_quit.load()) {
    uint64_t now = shm::MonotonicNs();
    __atomic_store_n(&stats.header()->heartbeat_ns, now, __ATOMIC_RELEASE);
    __atomic_store_n(&main_ls->heartbeat, main_ls->heartbeat + 1,
                     __ATOMIC_RELAXED);
    if (now >= next_poll) {
      table->Poll();
      next_poll = now + 100'000'000;
    }
    const shm::SlotView* slot = tables.Acquire();
    if (xdp_map && (tables.generation() != synced_generation ||
                    tables.mapping() != synced_mapping)) {
      auto n = xdp_map->Sync(slot);
      if (n.ok()) {
        synced_generation = tables.generation();
        synced_mapping = tables.mapping();
        std::fprintf(stderr,
                     "dsrlb-dataplane: XDP steers %u VIP keys "
                     "(generation %llu)\n",
                     *n, static_cast<unsigned long long>(synced_generation));
      } else {
        std::fprintf(stderr, "dsrlb-dataplane: %s\n",
                     std::string(n.status().message()).c_str());
      }
    }
    if (opt.stats_interval_ms != 0 && now >= next_rate) {
      rates.Print(now);
      next_rate = now + uint64_t{opt.stats_interval_ms} * 1'000'000;
    }
    usleep(2000);
  }
  tables.Release();
  __atomic_store_n(&main_ls->flags, 0u, __ATOMIC_RELEASE);
}

// Clean shutdown after the workers stopped: port, XDP program, liveness.
void Shutdown(const Options& opt, const PortSetup& ps, int ifindex,
              std::optional<XdpVipMap>& xdp_map, shm::StatsRegion& stats) {
  uint32_t prog_id = xdp_map ? xdp_map->prog_id() : 0;
  xdp_map.reset();
  ClosePort(ps.port);
  if (ifindex != 0) {
    absl::Status st = DetachXdp(ifindex, prog_id);
    if (!st.ok())
      std::fprintf(stderr, "dsrlb-dataplane: %s: %s\n", opt.xdp_iface.c_str(),
                   std::string(st.message()).c_str());
  }
  __atomic_store_n(&stats.header()->heartbeat_ns, shm::MonotonicNs(),
                   __ATOMIC_RELEASE);
  __atomic_store_n(&stats.header()->running, 0u, __ATOMIC_RELEASE);
  rte_eal_cleanup();
  std::fprintf(stderr, "dsrlb-dataplane: stopped\n");
}

int Run(int argc, char** argv) {
  SplitArgs args = SplitAtDoubleDash(argc, argv);
  auto parsed = ParseOptions(args.own);
  if (!parsed.ok()) {
    std::fprintf(stderr, "dsrlb-dataplane: %s\n%s",
                 std::string(parsed.status().message()).c_str(), kUsage);
    return 2;
  }
  const Options opt = *parsed;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  // Everything that can be checked before EAL, with messages that say what
  // to change.
  // One writer per stats region: refused before EAL touches anything.
  auto stats_lock = shm::RegionLock::Acquire(opt.stats_region);
  Check(stats_lock.status(), "stats region");
  Check(CheckHugepages(args.eal));
  auto lcores = CountWorkerLcores(args.eal);
  Check(lcores.status(), "EAL lcores");
  if (*lcores < 1)
    Fatal(
        "no worker lcore: give EAL a main lcore and at least one worker, e.g. "
        "-l 0-1");
  const int ifindex = PrepareXdp(opt, *lcores, &args.eal);
  const uint32_t workers = InitEal(args.eal);

  // One stats block per worker, plus one for the main lcore, which reads
  // the table too (to steer XDP) and so takes part in the publish protocol.
  // Counters for every VIP and backend record the table format allows: the
  // table region grows with the configuration, this region does not.
  // 2 MiB per block; only this process's lcores get one.
  shm::StatsGeometry sg;
  sg.max_lcores = workers + 1;
  sg.max_vips = DSRLB_MAX_VIPS;
  sg.max_backends = DSRLB_MAX_BACKENDS;
  auto stats = shm::StatsRegion::Create(opt.stats_region, sg);
  Check(stats.status(), "stats region " + opt.stats_region);

  uint8_t mac[6] = {};
  const PortSetup ps = StartForwardingPort(opt, workers, mac);
  std::optional<XdpVipMap> xdp_map;
  if (ifindex != 0) {
    auto m = XdpVipMap::Open(ifindex);
    Check(m.status(), opt.xdp_iface);
    xdp_map.emplace(std::move(*m));
    Check(xdp_map->Sync(nullptr).status(), opt.xdp_iface);
  }

  // Wait for the control plane's table (it may start second).
  auto table =
      TableAttachment::Open(opt.table_region, workers + 1, g_quit, [&] {
        __atomic_store_n(&stats->header()->heartbeat_ns, shm::MonotonicNs(),
                         __ATOMIC_RELEASE);
      });
  if (!table.ok() && !absl::IsCancelled(table.status())) Check(table.status());
  Workers running;
  if (table.ok()) {
    LaunchWorkers(opt, ps, mac, *stats, table->get(), &running);
    MainLoop(opt, *stats, workers, table->get(), xdp_map);
  }
  // Workers leave their loops and clear their ACTIVE flag.
  g_quit.store(true);
  rte_eal_mp_wait_lcore();
  Shutdown(opt, ps, ifindex, xdp_map, *stats);
  return 0;
}

}  // namespace
}  // namespace dsrlb::dataplane

int main(int argc, char** argv) {
  // --help anywhere (before or after --): the usage on stdout, exit 0, before
  // EAL or any pre-flight check runs.
  for (int i = 1; i < argc; i++) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::fputs(dsrlb::dataplane::kUsage, stdout);
      return 0;
    }
  }
  return dsrlb::dataplane::Run(argc, argv);
}
