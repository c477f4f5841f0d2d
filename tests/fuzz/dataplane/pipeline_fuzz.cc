// libFuzzer target: any bytes through Pipeline::Process over a real table.
// Besides memory errors (ASan/UBSan), it aborts when a verdict breaks the
// pipeline's promises: one verdict counter per frame, only the MACs of a
// forwarded frame change, nothing else is ever written.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "controlplane/tables/table_builder.h"
#include "dataplane/pipeline/pipeline.h"

namespace {

using dsrlb::dataplane::FlowTable;
using dsrlb::dataplane::LcoreCounters;
using dsrlb::dataplane::Pipeline;
using dsrlb::dataplane::Verdict;

dsrlb::tables::VipSpec Vip(const char* addr, uint8_t proto, uint16_t port,
                           int n, uint32_t persistence = 0) {
  dsrlb::tables::VipSpec v;
  v.address = *dsrlb::IpAddress::Parse(addr);
  v.proto = proto;
  v.port = port;
  v.persistence_timeout_s = persistence;
  for (int b = 0; b < n; b++) {
    dsrlb::tables::BackendSpec be;
    be.address = v.address;
    be.address.bytes[v.address.is_v4() ? 3 : 15] =
        static_cast<uint8_t>(100 + b);
    be.mac = {2, 0, 0, 0, static_cast<uint8_t>(port), static_cast<uint8_t>(b)};
    be.state = b == 2 ? DSRLB_BACKEND_DRAINING : DSRLB_BACKEND_UP;
    v.backends.push_back(be);
  }
  return v;
}

// The table: built once, read-only afterwards, so it carries nothing from
// one input to the next.
struct Table {
  static constexpr uint32_t kVips = 8, kBackends = 64;
  std::optional<dsrlb::shm::TableWriter> writer;
  const dsrlb::shm::SlotView* table = nullptr;

  Table() {
    // The seed corpus's addresses: 10.0.0.1, 2001:db8::1.
    dsrlb::tables::TableSpec spec;
    spec.ring_size = 251;
    spec.hash_seed = 7;
    spec.tcp_timeout_s = 3;
    spec.udp_timeout_s = 1;
    spec.vips.push_back(Vip("10.0.0.1", 6, 80, 4));
    spec.vips.push_back(Vip("10.0.0.1", 17, 53, 3, 5));
    spec.vips.push_back(Vip("10.0.0.2", 6, 0, 3));
    spec.vips.push_back(Vip("2001:db8::1", 6, 443, 3));
    spec.vips.push_back(Vip("2001:db8::1", 17, 0, 3, 5));
    spec.vips.push_back(Vip("10.0.0.3", 6, 80, 2));
    spec.vips.back().active = false;
    std::string path = "/dev/shm/dsrlb-fuzz-" + std::to_string(getpid());
    auto w = dsrlb::shm::TableWriter::Create(
        path, dsrlb::shm::TableGeometry{kVips, kBackends, 16, kVips * 251});
    if (!w.ok()) std::abort();
    writer.emplace(std::move(*w));
    unlink(path.c_str());  // the mapping stays; nothing is left behind
    if (!dsrlb::tables::PublishSpec(*writer, spec, nullptr).ok()) std::abort();
    table = *writer->region().ValidatedCurrent();
  }
};

// What the pipeline writes: made fresh for every input, so an input's
// outcome depends on its bytes alone (a crash reproduces from one file).
struct Harness {
  static constexpr uint32_t kVips = Table::kVips, kBackends = Table::kBackends;
  uint64_t counters[DSRLB_CTR_MAX] = {};
  uint64_t drops[DSRLB_DROP_MAX] = {};
  dsrlb_pkt_bytes vips[kVips] = {};
  dsrlb_pkt_bytes backends[kBackends] = {};
  dsrlb_conn_counts conns[kBackends] = {};
  FlowTable flows{64};  // small: eviction gets exercised
  std::unique_ptr<Pipeline> pipeline;

  Harness() {
    static const uint8_t kMac[6] = {2, 0xbb, 0, 0, 0, 1};
    pipeline = std::make_unique<Pipeline>(
        &flows,
        LcoreCounters{counters, drops, vips, backends, kVips, kBackends, conns},
        kMac);
  }

  uint64_t VerdictCount() const {
    uint64_t n = counters[DSRLB_CTR_FORWARDED] + counters[DSRLB_CTR_EXCEPTION];
    for (uint64_t d : drops) n += d;
    return n;
  }
};

// Checks one processed frame against its original bytes.
void CheckFrame(Verdict v, const uint8_t* frame, const uint8_t* original,
                size_t size) {
  if (v == Verdict::kForward && size < 12) std::abort();
  const size_t untouched_from = v == Verdict::kForward ? 12 : 0;
  if (size > untouched_from &&
      std::memcmp(frame + untouched_from, original + untouched_from,
                  size - untouched_from) != 0)
    std::abort();
}

// Exactly `size` bytes on the heap: ASan sees any read past the frame.
std::unique_ptr<uint8_t[]> Copy(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> frame(new uint8_t[size > 0 ? size : 1]);
  if (size > 0) std::memcpy(frame.get(), data, size);
  return frame;
}

// Inputs starting with 0xB5 0xNN are a burst: the rest cut into
// (NN % 40) + 1 frames (more than one prefetch chunk of 32), processed
// once, then again (fresh copies) (NN / 40) seconds later, so flows are
// found, or have expired (TCP 3 s, UDP 1 s), within the one input.
void FuzzBurst(const uint8_t* data, size_t size, const Table& t, Harness* h) {
  const uint32_t n = data[1] % 40u + 1;
  const uint64_t later_ns = 1000000000ull * (1 + data[1] / 40u);
  const uint8_t* rest = data + 2;
  const size_t each = (size - 2) / n;
  for (uint64_t now_ns : {uint64_t{1000000000}, later_ns}) {
    const uint64_t before = h->VerdictCount();
    std::unique_ptr<uint8_t[]> frames[40];
    uint8_t* ptrs[40];
    uint32_t lens[40];
    Verdict verdicts[40];
    for (uint32_t i = 0; i < n; i++) {
      const size_t len = i + 1 == n ? size - 2 - each * i : each;
      frames[i] = Copy(rest + each * i, len);
      ptrs[i] = frames[i].get();
      lens[i] = static_cast<uint32_t>(len);
    }
    h->pipeline->ProcessBurst(t.table, ptrs, lens, n, now_ns, verdicts);
    if (h->VerdictCount() != before + n) std::abort();
    for (uint32_t i = 0; i < n; i++)
      CheckFrame(verdicts[i], ptrs[i], rest + each * i, lens[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Table* t = new Table();
  if (size > 9216) return 0;  // jumbo frame bound
  Harness h;
  if (size >= 2 && data[0] == 0xb5) {
    FuzzBurst(data, size, *t, &h);
    return 0;
  }
  std::unique_ptr<uint8_t[]> frame = Copy(data, size);
  Verdict v = h.pipeline->Process(t->table, frame.get(),
                                  static_cast<uint32_t>(size), 1000000000ull);
  if (h.VerdictCount() != 1) std::abort();
  CheckFrame(v, frame.get(), data, size);
  return 0;
}
