// One resolution pass: dump, match, solicit.
#include "controlplane/neighbor/neighbor_resolver.h"

#include <linux/neighbour.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "controlplane/neighbor/neighbor.h"

namespace dsrlb::api {
namespace {

// An unresolved address is solicited at most this often.
constexpr absl::Duration kSolicitEvery = absl::Seconds(1);

}  // namespace

void NeighborResolver::RunOnce(absl::Time now) {
  std::vector<IpAddress> addresses = state_->RealServerAddresses();
  if (addresses.empty()) return;
  if (ifindex_ < 0) {
    ifindex_ = 0;
    if (!options_.interface.empty()) {
      auto idx = InterfaceIndex(options_.interface);
      if (idx.ok()) ifindex_ = *idx;
    }
  }
  std::vector<NeighborEntry> entries;
  std::string dump_error;
  if (auto dumped = DumpNeighbors(ifindex_); dumped.ok()) {
    entries = std::move(*dumped);
  } else {
    dump_error = std::string(dumped.status().message());
  }
  for (const IpAddress& a : addresses) {
    if (auto s = options_.static_neighbors.find(a);
        s != options_.static_neighbors.end()) {
      state_->SetNeighbor(a, NeighborState{s->second, ""});
      continue;
    }
    const NeighborEntry* found = nullptr;
    for (const NeighborEntry& e : entries)
      if (e.address == a) found = &e;
    NeighborState n;
    bool probe = false;
    if (found != nullptr && IsUsable(*found)) {
      n.mac = found->mac;
      probe = (found->nud_state & NUD_STALE) != 0 &&
              now - last_probe_[a] >= options_.reprobe_stale;
    } else {
      probe = now - last_probe_[a] >= kSolicitEvery;
      if (!dump_error.empty()) {
        n.reason = absl::StrCat("neighbour table unreadable: ", dump_error);
      } else if (found == nullptr) {
        n.reason = absl::StrCat("no neighbour entry",
                                options_.interface.empty() ? "" : " on ",
                                options_.interface, ", ARP/ND solicited");
      } else {
        n.reason = absl::StrCat("neighbour entry ", NudName(found->nud_state),
                                ", ARP/ND solicited");
      }
    }
    state_->SetNeighbor(a, std::move(n));
    if (probe) {
      last_probe_[a] = now;
      // A failed send (no route) shows as the entry staying unresolved.
      (void)Solicit(a, options_.interface);
    }
  }
}

}  // namespace dsrlb::api
