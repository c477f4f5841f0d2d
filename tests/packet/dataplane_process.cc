// Spawning and watching dsrlb-dataplane in tests.
#include "tests/packet/dataplane_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace dsrlb::testing {

std::string DataplaneBinary() {
  const char* p = std::getenv("DSRLB_DATAPLANE");
  return p != nullptr ? p : "dataplane/dsrlb-dataplane";
}

std::vector<std::string> TestEalArgs() {
  return {"--no-huge",      "-m", "256", "--no-pci",    "--no-shconf",
          "--no-telemetry", "-l", "0-1", "--log-level", "lib.eal:warning"};
}

absl::StatusOr<DataplaneProcess> DataplaneProcess::Start(
    const std::vector<std::string>& eal, const std::vector<std::string>& own,
    const std::string& log_path) {
  std::vector<std::string> args = {DataplaneBinary()};
  args.insert(args.end(), eal.begin(), eal.end());
  args.push_back("--");
  args.insert(args.end(), own.begin(), own.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) return absl::InternalError("cannot create " + log_path);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(log, 1);
    dup2(log, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log);
  return DataplaneProcess(pid, log_path);
}

DataplaneProcess::~DataplaneProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool DataplaneProcess::Running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_status_ =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
  return false;
}

absl::StatusOr<int> DataplaneProcess::Wait(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (Running()) {
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError(
          absl::StrCat("dsrlb-dataplane still running after ",
                       absl::FormatDuration(timeout), "; log:\n", Log()));
    usleep(10000);
  }
  return exit_status_;
}

absl::StatusOr<int> DataplaneProcess::Stop(absl::Duration timeout) {
  if (pid_ > 0) kill(pid_, SIGTERM);
  return Wait(timeout);
}

std::string DataplaneProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::StatusOr<shm::StatsRegion> WaitForStatsRegion(const std::string& path,
                                                    DataplaneProcess& dp,
                                                    absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (access(path.c_str(), F_OK) == 0) {
      auto s = shm::StatsRegion::Open(path);
      if (s.ok()) return s;
    }
    if (!dp.Running())
      return absl::FailedPreconditionError("dsrlb-dataplane exited:\n" +
                                           dp.Log());
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError("no stats region " + path +
                                         "; log:\n" + dp.Log());
    usleep(10000);
  }
}

absl::Status WaitForCounter(const shm::StatsRegion& stats, int counter,
                            uint64_t value, DataplaneProcess& dp,
                            absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    uint64_t now = stats.Sum().counters[counter];
    if (now >= value) return absl::OkStatus();
    if (!dp.Running())
      return absl::FailedPreconditionError("dsrlb-dataplane exited:\n" +
                                           dp.Log());
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError(
          absl::StrCat(shm::CounterName(counter), " is ", now, ", waited for ",
                       value, "; log:\n", dp.Log()));
    usleep(5000);
  }
}

absl::Status WaitForGeneration(const shm::StatsRegion& stats,
                               uint64_t generation, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    bool all = true;
    for (uint32_t i = 0; i < stats.geometry().max_lcores; i++) {
      const dsrlb_lcore_stats* l = stats.lcore(i);
      if ((__atomic_load_n(&l->flags, __ATOMIC_ACQUIRE) & DSRLB_LCORE_ACTIVE) &&
          __atomic_load_n(&l->seen_generation, __ATOMIC_ACQUIRE) < generation)
        all = false;
    }
    if (all) return absl::OkStatus();
    if (absl::Now() > deadline)
      return absl::DeadlineExceededError(
          absl::StrCat("lcores did not reach generation ", generation));
    usleep(2000);
  }
}

}  // namespace dsrlb::testing
