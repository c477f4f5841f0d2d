// A stand-in for the dataplane's side of the stats region, for dsrlbctl's
// tests: creates PATH (2 lcores, 16 VIP and 64 backend records), then adds
// what each stdin line says and answers "ok" (or "error: ..."):
//   b LCORE RECORD NEW_CONNS ACTIVE INACTIVE PACKETS BYTES
//       adds new connections, packets, bytes; sets the two gauges
//   v LCORE RECORD PACKETS BYTES
//       adds VIP packets and bytes
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "dataplane/shm/stats_region.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PATH\n", argv[0]);
    return 2;
  }
  auto region = dsrlb::shm::StatsRegion::Create(
      argv[1], dsrlb::shm::StatsGeometry{2, 16, 64});
  if (!region.ok()) {
    std::fprintf(stderr, "%s\n", region.status().ToString().c_str());
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string kind;
    uint32_t lcore = 0, record = 0;
    in >> kind >> lcore >> record;
    const auto& g = region->geometry();
    const uint32_t records = kind == "v" ? g.max_vips : g.max_backends;
    if (!in || lcore >= g.max_lcores || record >= records ||
        (kind != "b" && kind != "v")) {
      std::cout << "error: " << line << std::endl;
      continue;
    }
    uint64_t packets = 0, bytes = 0;
    if (kind == "b") {
      uint64_t conns = 0;
      uint32_t active = 0, inactive = 0;
      in >> conns >> active >> inactive >> packets >> bytes;
      dsrlb_conn_counts& c = region->conn_counters(lcore)[record];
      c.new_conns += conns;
      c.active = active;
      c.inactive = inactive;
      region->backend_counters(lcore)[record].packets += packets;
      region->backend_counters(lcore)[record].bytes += bytes;
    } else {
      in >> packets >> bytes;
      region->vip_counters(lcore)[record].packets += packets;
      region->vip_counters(lcore)[record].bytes += bytes;
    }
    std::cout << (in ? "ok" : "error: " + line) << std::endl;
  }
  return 0;
}
