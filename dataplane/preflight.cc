// Start-up checks with actionable messages.
#include "dataplane/preflight.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace dsrlb::dataplane {

absl::Status CheckHugepages(const std::vector<std::string>& eal_args) {
  for (const std::string& a : eal_args)
    if (a == "--no-huge") return absl::OkStatus();
  uint64_t free_pages = 0;
  std::error_code ec;
  for (const auto& d :
       std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
    std::ifstream in(d.path() / "free_hugepages");
    uint64_t n = 0;
    if (in >> n) free_pages += n;
  }
  if (free_pages > 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "no free hugepages: reserve some (echo 512 > "
      "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages, and pass "
      "--in-memory to EAL) or run without them (EAL: --no-huge -m 256)");
}

namespace {

// Lcores in a plain list such as "0-3,5".
absl::StatusOr<int> CountPlain(absl::string_view list) {
  int n = 0;
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    std::vector<std::string> r = absl::StrSplit(part, '-');
    int lo = 0, hi = 0;
    if (r.size() == 1 && absl::SimpleAtoi(r[0], &lo)) {
      n++;
    } else if (r.size() == 2 && absl::SimpleAtoi(r[0], &lo) &&
               absl::SimpleAtoi(r[1], &hi) && hi >= lo) {
      n += hi - lo + 1;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("bad lcore list ", list));
    }
  }
  return n;
}

// Lcores in an EAL -l / --lcores list: "0-3,5", or with CPU sets as
// "0@0,(1-2)@1,3@(0-1)" (the lcores are what precedes each '@').
absl::StatusOr<int> CountList(const std::string& list) {
  int n = 0;
  size_t i = 0;
  while (i < list.size()) {
    size_t end;
    absl::string_view lcores;
    if (list[i] == '(') {
      end = list.find(')', i);
      if (end == std::string::npos)
        return absl::InvalidArgumentError("bad lcore list " + list);
      lcores = absl::string_view(list).substr(i + 1, end - i - 1);
      end++;
    } else {
      end = list.find_first_of(",@", i);
      if (end == std::string::npos) end = list.size();
      lcores = absl::string_view(list).substr(i, end - i);
    }
    auto c = CountPlain(lcores);
    if (!c.ok()) return c.status();
    n += *c;
    if (end < list.size() && list[end] == '@') {  // skip the CPU set
      end++;
      if (end < list.size() && list[end] == '(') {
        end = list.find(')', end);
        if (end == std::string::npos)
          return absl::InvalidArgumentError("bad lcore list " + list);
        end++;
      } else {
        end = list.find(',', end);
        if (end == std::string::npos) end = list.size();
      }
    }
    if (end < list.size() && list[end] != ',')
      return absl::InvalidArgumentError("bad lcore list " + list);
    i = end + 1;
  }
  return n;
}

}  // namespace

absl::StatusOr<int> CountWorkerLcores(
    const std::vector<std::string>& eal_args) {
  for (size_t i = 0; i + 1 < eal_args.size(); i++) {
    const std::string& a = eal_args[i];
    if (a == "-l" || a == "--lcores") {
      auto n = CountList(eal_args[i + 1]);
      if (!n.ok()) return n.status();
      return *n - 1;
    }
    if (a == "-c") {
      uint64_t mask = 0;
      std::string hex = eal_args[i + 1];
      if (hex.rfind("0x", 0) == 0) hex = hex.substr(2);
      if (!absl::SimpleHexAtoi(hex, &mask))
        return absl::InvalidArgumentError("bad -c coremask " + eal_args[i + 1]);
      return __builtin_popcountll(mask) - 1;
    }
  }
  for (const std::string& a : eal_args)
    if (a.rfind("-l", 0) == 0 && a.size() > 2) {
      auto n = CountList(a.substr(2));
      if (!n.ok()) return n.status();
      return *n - 1;
    }
  return static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)) - 1;
}

absl::StatusOr<std::string> FindXdpProgram(const std::string& given) {
  std::error_code ec;
  if (!given.empty()) {
    if (std::filesystem::exists(given, ec)) return given;
    return absl::NotFoundError(
        absl::StrCat("--xdp-prog ", given, ": no such file"));
  }
  std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::string> candidates = {
      (self.parent_path() / "xdp" / "dsrlb_xdp.bpf.o").string(),
      DSRLB_XDP_INSTALL_PATH,
  };
  for (const std::string& c : candidates)
    if (std::filesystem::exists(c, ec)) return c;
  return absl::NotFoundError(
      absl::StrCat("dsrlb's XDP program is neither at ", candidates[0],
                   " nor at ", candidates[1],
                   ": build it (ninja dataplane/xdp/dsrlb_xdp.bpf.o) or "
                   "pass --xdp-prog PATH"));
}

}  // namespace dsrlb::dataplane
