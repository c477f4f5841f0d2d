// Maglev build time and publish latency; prints figures beside the Maglev
// paper's (NSDI'16 section 5.3: M=65537 in 1.8 ms, M=655373 in 22.9 ms).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "controlplane/tables/maglev.h"
#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void BuildTimes() {
  std::printf("%-8s %-8s %10s %10s %10s   %s\n", "N", "M", "min_ms",
              "median_ms", "max_ms", "reference");
  for (uint32_t m : {65537u, 655373u}) {
    for (int n : {10, 100, 1000}) {
      std::vector<dsrlb::tables::MaglevBackend> b;
      for (int i = 0; i < n; i++) {
        uint8_t addr[16] = {10, 0, uint8_t(i >> 8), uint8_t(i)};
        b.push_back({dsrlb::tables::BackendKey(4, addr, 80), 1u + i % 3});
      }
      std::vector<double> t;
      for (int rep = 0; rep < 15; rep++) {
        auto start = Clock::now();
        auto ring = dsrlb::tables::BuildMaglevRing(b, m);
        t.push_back(Ms(Clock::now() - start));
        if (!ring.ok()) std::abort();
      }
      std::sort(t.begin(), t.end());
      std::printf("%-8d %-8u %10.3f %10.3f %10.3f   paper %.1f ms\n", n, m,
                  t.front(), t[t.size() / 2], t.back(),
                  m == 65537 ? 1.8 : 22.9);
    }
  }
}

// Writer publish -> every reader thread on the new generation.
void PublishLatency() {
  const std::string dir = "/dev/shm/dsrlb-bench-" + std::to_string(getpid());
  std::string tpath = dir + ".table", spath = dir + ".stats";
  auto writer = *dsrlb::shm::TableWriter::Create(tpath, {});
  auto stats = *dsrlb::shm::StatsRegion::Create(spath, {2, 256, 4096});
  dsrlb::tables::TableSpec spec;
  for (int v = 0; v < 4; v++) {
    dsrlb::tables::VipSpec vip;
    vip.address = *dsrlb::IpAddress::Parse("10.0.0." + std::to_string(v + 1));
    vip.port = 80;
    for (int i = 0; i < 100; i++) {
      dsrlb::tables::BackendSpec be;
      be.address = *dsrlb::IpAddress::Parse("10.1." + std::to_string(v) + "." +
                                            std::to_string(i + 1));
      vip.backends.push_back(be);
    }
    spec.vips.push_back(vip);
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (uint32_t r = 0; r < 1; r++) {  // one reader: this machine has 2 cores
    dsrlb_lcore_stats* l = stats.lcore(r);
    l->flags = DSRLB_LCORE_ACTIVE;
    readers.emplace_back([&, l] {
      dsrlb::shm::TableReader reader(&writer.region(), l);
      while (!stop.load(std::memory_order_relaxed)) {
        reader.Acquire();
        __atomic_add_fetch(&l->heartbeat, 1, __ATOMIC_RELAXED);
      }
    });
  }
  std::vector<double> fill, visible;
  for (int rep = 0; rep < 50; rep++) {
    auto start = Clock::now();
    auto slot = *writer.BeginPublish(&stats);
    if (!dsrlb::tables::FillSlot(spec, slot).ok()) std::abort();
    uint64_t g = *writer.CommitPublish();
    auto committed = Clock::now();
    while (__atomic_load_n(&stats.lcore(0)->seen_generation,
                           __ATOMIC_ACQUIRE) != g)
      std::this_thread::yield();
    fill.push_back(Ms(committed - start));
    visible.push_back(Ms(Clock::now() - committed) * 1000.0);
  }
  stop = true;
  for (auto& t : readers) t.join();
  std::sort(fill.begin(), fill.end());
  std::sort(visible.begin(), visible.end());
  std::printf(
      "\npublish (4 VIPs x 100 backends, M=65537): build+checksum "
      "median %.3f ms (min %.3f, max %.3f)\n",
      fill[fill.size() / 2], fill.front(), fill.back());
  std::printf(
      "publish -> reader on new generation: median %.1f us (min %.1f, "
      "max %.1f)\n",
      visible[visible.size() / 2], visible.front(), visible.back());
  unlink(tpath.c_str());
  unlink(spath.c_str());
}

}  // namespace

int main() {
  std::printf("== Maglev ring build time (weights 1-3) ==\n");
  BuildTimes();
  std::printf("\n== Publish latency ==");
  PublishLatency();
  return 0;
}
