// Publishes N tables into a running dataplane's table region the way
// dsrlb-control does (waiting for every live reader through the stats
// region), alternating the weight of one backend so each publish is a new
// ring; prints the publish latencies. perf/dataplane/publish_under_load.sh
// runs it while the dataplane forwards at full rate.
// Usage: publish_loop TABLE_REGION STATS_REGION N
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/stats_region.h"
#include "dataplane/shm/table_region.h"

namespace {

// The table of perf/dataplane/bench_table.sh, third backend weighted `w`.
dsrlb::tables::TableSpec Spec(uint32_t w) {
  dsrlb::tables::TableSpec spec;
  spec.ring_size = 65537;
  spec.hash_seed = 1;
  spec.port_mac = {2, 0, 0, 0, 0, 0xaa};
  dsrlb::tables::VipSpec vip;
  vip.address = *dsrlb::IpAddress::Parse("192.168.4.15");
  vip.port = 80;
  for (int b = 0; b < 4; b++) {
    dsrlb::tables::BackendSpec be;
    be.address =
        *dsrlb::IpAddress::Parse("192.168.4." + std::to_string(100 + b));
    be.weight = b == 2 ? w : 1;
    be.mac = {2, 0, 0, 0, 1, static_cast<uint8_t>(b + 1)};
    vip.backends.push_back(be);
  }
  spec.vips.push_back(vip);
  return spec;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: publish_loop TABLE_REGION STATS_REGION N\n");
    return 2;
  }
  auto writer = dsrlb::shm::TableWriter::Open(argv[1]);
  auto stats = dsrlb::shm::StatsRegion::Open(argv[2]);
  if (!writer.ok() || !stats.ok()) {
    std::fprintf(stderr, "publish_loop: %s %s\n",
                 std::string(writer.status().message()).c_str(),
                 std::string(stats.status().message()).c_str());
    return 1;
  }
  const int n = std::atoi(argv[3]);
  std::vector<double> ms;
  for (int i = 0; i < n; i++) {
    auto start = std::chrono::steady_clock::now();
    absl::Status st =
        dsrlb::tables::PublishSpec(*writer, Spec(i % 2 ? 3 : 2), &*stats);
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
    if (!st.ok()) {
      std::fprintf(stderr, "publish %d: %s\n", i,
                   std::string(st.message()).c_str());
      return 1;
    }
    usleep(20 * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "publishes: %d, latency median %.2f ms, max %.2f ms (each waits "
      "for every live reader to leave the slot it reuses)\n",
      n, ms[ms.size() / 2], ms.back());
  return 0;
}
