// Start-up checks that turn EAL's and the kernel's terse failures into
// messages that say what to fix, before anything is set up.
#ifndef DSRLB_DATAPLANE_PREFLIGHT_H_
#define DSRLB_DATAPLANE_PREFLIGHT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dsrlb::dataplane {

// Fails when EAL would need hugepages (no --no-huge) and none are free.
absl::Status CheckHugepages(const std::vector<std::string>& eal_args);

// Worker lcores EAL will have: the -l / -c / --lcores list minus the main
// lcore; all online CPUs minus one when none is given.
absl::StatusOr<int> CountWorkerLcores(const std::vector<std::string>& eal_args);

// The XDP object to load: `given`, else the one next to the binary (build
// tree), else the installed one. Fails if none exists.
absl::StatusOr<std::string> FindXdpProgram(const std::string& given);

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_PREFLIGHT_H_
