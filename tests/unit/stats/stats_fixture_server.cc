// Serves SampleSnapshot() on 127.0.0.1 (free port, printed on stdout) until
// stdin closes: the browser test's server.
#include <cstdio>
#include <iostream>

#include "controlplane/stats/stats_server.h"
#include "tests/unit/stats/sample_snapshot.h"

int main() {
  uint64_t packets = 1000;
  auto server = dsrlb::stats::StatsServer::Start(
      "127.0.0.1", 0,
      [&packets] {
        packets += 2500;
        return dsrlb::stats::SampleSnapshot(absl::Now(), packets);
      },
      dsrlb::stats::PageAccess{{}, 0});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  std::printf("%d\n", (*server)->port());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
