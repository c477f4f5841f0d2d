// Runs the real dsrlb-dataplane binary for a test, on DPDK virtual ports,
// and watches it through the stats region it creates.
#ifndef DSRLB_TESTS_PACKET_DATAPLANE_PROCESS_H_
#define DSRLB_TESTS_PACKET_DATAPLANE_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dataplane/shm/stats_region.h"

namespace dsrlb::testing {

// The binary under test (meson passes DSRLB_DATAPLANE).
std::string DataplaneBinary();

// EAL arguments for a test: no hugepages, no PCI, no shared config, main
// lcore + one worker.
std::vector<std::string> TestEalArgs();

class DataplaneProcess {
 public:
  // Starts `binary` with `eal` -- `own`; stdout and stderr go to `log_path`.
  static absl::StatusOr<DataplaneProcess> Start(
      const std::vector<std::string>& eal, const std::vector<std::string>& own,
      const std::string& log_path);
  DataplaneProcess(DataplaneProcess&& o) noexcept
      : pid_(o.pid_),
        log_path_(std::move(o.log_path_)),
        exit_status_(o.exit_status_) {
    o.pid_ = -1;
  }
  DataplaneProcess& operator=(DataplaneProcess&&) = delete;
  ~DataplaneProcess();  // SIGKILL if still running

  // Waits for the process to exit by itself; its exit status (or 128+sig).
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGTERM, then Wait.
  absl::StatusOr<int> Stop(absl::Duration timeout);
  bool Running();
  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  DataplaneProcess(pid_t pid, std::string log)
      : pid_(pid), log_path_(std::move(log)) {}
  pid_t pid_;
  std::string log_path_;
  int exit_status_ = -1;
};

// Opens the stats region at `path` once the dataplane has created it.
absl::StatusOr<shm::StatsRegion> WaitForStatsRegion(const std::string& path,
                                                    DataplaneProcess& dp,
                                                    absl::Duration timeout);

// Waits until the summed counter `counter` reaches `value`.
absl::Status WaitForCounter(const shm::StatsRegion& stats, int counter,
                            uint64_t value, DataplaneProcess& dp,
                            absl::Duration timeout);

// Waits until every active lcore has announced generation >= `generation`.
absl::Status WaitForGeneration(const shm::StatsRegion& stats,
                               uint64_t generation, absl::Duration timeout);

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_PACKET_DATAPLANE_PROCESS_H_
