// Flow table (work in progress).
#include "dataplane/pipeline/flow_table.h"

namespace dsrlb::dataplane {

uint64_t FlowTable::Hash(const FlowKey&) { return 0; }
FlowTable::FlowTable(uint32_t capacity) : capacity_(capacity), bucket_mask_(0) {}
uint32_t FlowTable::Find(const FlowKey&, uint64_t, uint32_t, FindResult* r) {
  *r = FindResult::kMiss;
  return kNone;
}
uint32_t FlowTable::Insert(const FlowKey&, uint64_t, uint32_t, uint32_t,
                           InsertResult*) {
  return kNone;
}
uint32_t FlowTable::Occupied() const { return 0; }
void FlowTable::Clear() {}

}  // namespace dsrlb::dataplane
