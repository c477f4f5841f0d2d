// libFuzzer target: any text through the keepalived.conf parser must give a
// Config or an InvalidArgument error with a location, never a crash.
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#include "controlplane/config/sections.h"

namespace {

// Relative includes resolve against a private directory with a few files,
// so the search reaches the include code without reading the host's files
// (and without a chdir, which would move libFuzzer's relative paths).
char sandbox[] = "/tmp/dsrlb-config-fuzz-XXXXXX";
const char* const kSandboxFiles[] = {"inc_a.conf", "inc_b.conf", "loop.conf"};

void RemoveIncludeSandbox() {
  for (const char* f : kSandboxFiles) {
    unlink((std::string(sandbox) + "/" + f).c_str());
  }
  rmdir(sandbox);
}

void MakeIncludeSandbox() {
  if (mkdtemp(sandbox) == nullptr) abort();
  atexit(RemoveIncludeSandbox);
  const std::string dir = std::string(sandbox) + "/";
  std::ofstream(dir + kSandboxFiles[0])
      << "vrrp_script s {\n script /bin/true\n}\n";
  std::ofstream(dir + kSandboxFiles[1]) << "include inc_a.conf\n";
  std::ofstream(dir + kSandboxFiles[2]) << "include loop.conf\n";
}

// "FILE:LINE:COLUMN: ..." with LINE and COLUMN positive numbers.
bool HasLocation(absl::string_view m) {
  size_t colon = m.find(':');
  if (colon == 0 || colon == absl::string_view::npos) return false;
  m.remove_prefix(colon + 1);
  for (int field = 0; field < 2; ++field) {
    size_t digits = 0;
    while (digits < m.size() && m[digits] >= '0' && m[digits] <= '9') ++digits;
    if (digits == 0 || m[0] == '0' || digits >= m.size() || m[digits] != ':') {
      return false;
    }
    m.remove_prefix(digits + 1);
  }
  return absl::StartsWith(m, " ");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MakeIncludeSandbox();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // A path with '/' could leave the sandbox.
  if (absl::StrContains(text, "include") && absl::StrContains(text, "/")) {
    return -1;
  }
  absl::StatusOr<dsrlb::config::Config> c =
      dsrlb::config::ParseTextRelativeTo(text, "fuzz.conf", sandbox);
  if (c.ok()) {
    std::string summary = dsrlb::config::DescribeConfig(*c);
    if (summary.size() > 64 * size + 4096) abort();
  } else if (c.status().code() != absl::StatusCode::kInvalidArgument ||
             !HasLocation(c.status().message())) {
    fprintf(stderr, "unexpected error: %s\n", c.status().ToString().c_str());
    abort();
  }
  return 0;
}
