// Pipeline (work in progress: drops everything).
#include "dataplane/pipeline/pipeline.h"

#include <cstring>

namespace dsrlb::dataplane {

Pipeline::Pipeline(FlowTable* flows, const LcoreCounters& counters,
                   const uint8_t port_mac[6])
    : flows_(flows), counters_(counters) {
  std::memcpy(port_mac_, port_mac, 6);
}

Verdict Pipeline::Process(const shm::SlotView*, uint8_t*, uint32_t, uint64_t) {
  return Drop(DSRLB_DROP_NO_TABLE);
}

void Pipeline::ProcessBurst(const shm::SlotView* table, uint8_t* const* frames,
                            const uint32_t* lens, uint32_t n, uint64_t now_ns,
                            Verdict* verdicts) {
  for (uint32_t i = 0; i < n; i++)
    verdicts[i] = Process(table, frames[i], lens[i], now_ns);
}

}  // namespace dsrlb::dataplane
