// nftables through the nft command (Debian's nftables package): one
// transaction per change, so the table is never half made.
#include "controlplane/daemon/kernel_guard.h"

#include <cstdio>
#include <regex>

#include "absl/strings/str_cat.h"

namespace dsrlb::api {
namespace {

std::string Match(const VsKey& k) {
  const std::string family = k.address.family == 6 ? "ip6" : "ip";
  const std::string proto =
      k.protocol == config::Protocol::kUdp ? "udp" : "tcp";
  std::string m = absl::StrCat(family, " daddr ", k.address.ToString(), " ");
  if (k.port == 0) return absl::StrCat(m, "meta l4proto ", proto);
  return absl::StrCat(m, proto, " dport ", k.port);
}

// Runs `cmd` through the shell with `input` on stdin; its exit status.
int RunWithInput(const std::string& cmd, const std::string& input) {
  FILE* p = popen(cmd.c_str(), "w");
  if (p == nullptr) return -1;
  fwrite(input.data(), 1, input.size(), p);
  return pclose(p);
}

}  // namespace

std::string GuardRuleset(const std::vector<VsKey>& keys) {
  // Declaring the table, counter and chain first makes the flush valid on
  // the first run; the counter survives the flush of the chain.
  std::string s = absl::StrCat(
      "table inet ", kGuardTable,
      " {\n  counter vip_drops {\n  }\n  chain input {\n"
      "    type filter hook input priority filter - 10; policy accept;\n"
      "  }\n}\nflush chain inet ",
      kGuardTable, " input\n");
  for (const VsKey& k : keys)
    absl::StrAppend(&s, "add rule inet ", kGuardTable, " input ", Match(k),
                    " counter name vip_drops drop\n");
  return s;
}

absl::Status KernelGuard::Apply(const std::vector<VsKey>& keys) {
  if (in_place_ && keys == keys_) return absl::OkStatus();
  const int rc = RunWithInput("nft -f -", GuardRuleset(keys));
  if (rc != 0)
    return absl::UnavailableError(absl::StrCat(
        "nft -f - exited with status ", rc,
        ": the kernel would answer the VIP's connections with RST while no "
        "dataplane forwards; install nftables (scripts/setup.sh)"));
  in_place_ = true;
  keys_ = keys;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> KernelGuard::Drops() const {
  if (!in_place_) return absl::FailedPreconditionError("no guard table");
  FILE* p = popen(absl::StrCat("nft list counter inet ", kGuardTable,
                               " vip_drops 2>/dev/null")
                      .c_str(),
                  "r");
  if (p == nullptr) return absl::UnavailableError("cannot run nft");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  const int rc = pclose(p);
  std::smatch m;
  if (rc != 0 || !std::regex_search(out, m, std::regex(R"(packets (\d+))")))
    return absl::UnavailableError("nft list counter: no packet count");
  return std::stoull(m[1].str());
}

void KernelGuard::Remove() {
  if (!in_place_) return;
  (void)RunWithInput(
      absl::StrCat("nft delete table inet ", kGuardTable, " 2>/dev/null"), "");
  in_place_ = false;
}

}  // namespace dsrlb::api
