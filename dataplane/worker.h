// The per-lcore forwarding loop (DPDK l2fwd style): rx burst, pipeline,
// tx on the same port and queue.
#ifndef DSRLB_DATAPLANE_WORKER_H_
#define DSRLB_DATAPLANE_WORKER_H_

#include <atomic>
#include <cstdint>

#include "dataplane/pipeline/pipeline.h"
#include "dataplane/shm/dsrlb_shm.h"
#include "dataplane/table_attachment.h"

namespace dsrlb::dataplane {

// Everything one worker lcore owns, found by its index; cache-aligned so
// two workers never share a line.
struct alignas(64) WorkerContext {
  uint32_t index = 0;  // worker number = queue = stats lcore block
  uint16_t port = 0;
  uint16_t queue = 0;
  uint32_t idle_sleep_us = 0;
  TableAttachment* table = nullptr;
  Pipeline* pipeline = nullptr;
  dsrlb_lcore_stats* lcore_stats = nullptr;
  uint64_t* counters = nullptr;  // [DSRLB_CTR_MAX]
  uint64_t* drops = nullptr;     // [DSRLB_DROP_MAX]
  const std::atomic<bool>* quit = nullptr;
};

// rte_eal_remote_launch entry point; `arg` is a WorkerContext*.
int WorkerMain(void* arg);

}  // namespace dsrlb::dataplane

#endif  // DSRLB_DATAPLANE_WORKER_H_
