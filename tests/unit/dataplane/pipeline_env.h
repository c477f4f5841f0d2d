// A real table region (TableWriter + FillSlot), a flow table, a pipeline and
// plain counter arrays: the harness of the pipeline tests.
#ifndef DSRLB_TESTS_UNIT_DATAPLANE_PIPELINE_ENV_H_
#define DSRLB_TESTS_UNIT_DATAPLANE_PIPELINE_ENV_H_

#include <cstring>
#include <optional>
#include <string>

#include "controlplane/tables/table_builder.h"
#include "dataplane/pipeline/pipeline.h"
#include "tests/testutil/temp_dir.h"
#include "tests/unit/dataplane/packet_builder.h"

namespace dsrlb::dataplane::test {

inline constexpr uint32_t kRing = 1021;
inline constexpr Mac kTableMac = {0x02, 0xcc, 0, 0, 0, 3};
inline constexpr uint64_t kSecond = 1000000000ull;

// VIP indices of DefaultSpec().
enum : int {
  kVipTcp4 = 0,      // 10.0.0.1 tcp/80, 4 backends up
  kVipUdp4 = 1,      // 10.0.0.1 udp/53, 3 up
  kVipTcp6 = 2,      // 2001:db8::1 tcp/443, 3 up
  kVipAllPorts = 3,  // 10.0.0.2 tcp/*, 2 up
  kVipInactive = 4,  // 10.0.0.3 tcp/80, not master here
  kVipAllDown = 5,   // 10.0.0.4 tcp/80, 2 down
  kVipPersist = 6,   // 10.0.0.5 tcp/80, persistence 300 s, 4 up
  kVipUdp6 = 7,      // 2001:db8::2 udp/53, 2 up
};

inline tables::VipSpec MakeVip(const char* addr, uint8_t proto, uint16_t port,
                               int index, int backends,
                               dsrlb_backend_state state = DSRLB_BACKEND_UP) {
  tables::VipSpec v;
  v.address = Ip(addr);
  v.proto = proto;
  v.port = port;
  for (int b = 0; b < backends; b++) {
    tables::BackendSpec be;
    std::string a = v.address.is_v4() ? "10.1." + std::to_string(index) + "." +
                                            std::to_string(b + 1)
                                      : "2001:db8:1::" + std::to_string(index) +
                                            ":" + std::to_string(b + 1);
    be.address = Ip(a.c_str());
    be.port = port;
    be.state = state;
    be.mac = {
        0x02, 0xbe, static_cast<uint8_t>(index), static_cast<uint8_t>(b + 1),
        0,    0};
    v.backends.push_back(be);
  }
  return v;
}

inline tables::TableSpec DefaultSpec() {
  tables::TableSpec s;
  s.ring_size = kRing;
  s.hash_seed = 42;
  s.port_mac = kTableMac;
  s.tcp_timeout_s = 10;
  s.udp_timeout_s = 5;
  s.vips.push_back(MakeVip("10.0.0.1", 6, 80, 0, 4));
  s.vips.push_back(MakeVip("10.0.0.1", 17, 53, 1, 3));
  s.vips.push_back(MakeVip("2001:db8::1", 6, 443, 2, 3));
  s.vips.push_back(MakeVip("10.0.0.2", 6, 0, 3, 2));
  s.vips.push_back(MakeVip("10.0.0.3", 6, 80, 4, 2));
  s.vips.back().active = false;
  s.vips.push_back(MakeVip("10.0.0.4", 6, 80, 5, 2, DSRLB_BACKEND_DOWN));
  s.vips.push_back(MakeVip("10.0.0.5", 6, 80, 6, 4));
  s.vips.back().persistence_timeout_s = 300;
  s.vips.push_back(MakeVip("2001:db8::2", 17, 53, 7, 2));
  return s;
}

class PipelineEnv {
 public:
  static constexpr uint32_t kMaxVips = 16;
  static constexpr uint32_t kMaxBackends = 64;

  explicit PipelineEnv(uint32_t flow_capacity = 1024)
      : flows_(flow_capacity),
        pipeline_(&flows_,
                  LcoreCounters{counters_, drops_, vips_, backends_, kMaxVips,
                                kMaxBackends, conns_},
                  kPortMac.data()) {
    auto w = shm::TableWriter::Create(
        dir_.File("table"),
        shm::TableGeometry{kMaxVips, kMaxBackends, 64, kMaxVips * kRing});
    if (w.ok()) writer_.emplace(std::move(*w));
  }

  absl::Status Publish(const tables::TableSpec& spec) {
    if (!writer_) return absl::InternalError("no table region");
    absl::Status st = tables::PublishSpec(*writer_, spec, nullptr);
    if (st.ok()) table_ = *writer_->region().ValidatedCurrent();
    return st;
  }
  const shm::SlotView* table() const { return table_; }

  Verdict Send(Bytes& frame, uint64_t now_ns = kSecond) {
    return pipeline_.Process(table_, frame.data(),
                             static_cast<uint32_t>(frame.size()), now_ns);
  }

  // The backend the Maglev ring gives this tuple, computed from the table
  // without the pipeline.
  uint16_t RingBackend(int vip, const IpAddress& src, const IpAddress& dst,
                       uint16_t sport, uint16_t dport, uint8_t proto) const {
    const bool persistent =
        (table_->vips[vip].flags & DSRLB_VIP_PERSISTENT) != 0;
    uint64_t h =
        dsrlb_flow_hash(table_->hdr->hash_seed, src.family, src.bytes.data(),
                        dst.bytes.data(), sport, dport, proto, persistent);
    return table_->Ring(vip)[dsrlb_ring_index(h, table_->RingSize(vip))];
  }
  const uint8_t* MacOf(uint16_t backend) const {
    return table_->backends[backend].mac;
  }
  // The backend whose MAC a forwarded frame carries, 0 if none.
  uint16_t BackendOf(const Bytes& frame) const {
    for (uint16_t b = 1; b < table_->hdr->num_backends; b++)
      if (std::memcmp(frame.data(), table_->backends[b].mac, 6) == 0) return b;
    return 0;
  }

  uint64_t counter(dsrlb_counter c) const { return counters_[c]; }
  uint64_t drop(dsrlb_drop d) const { return drops_[d]; }
  uint64_t total_drops() const {
    uint64_t n = 0;
    for (uint64_t d : drops_) n += d;
    return n;
  }
  const dsrlb_pkt_bytes& vip_stats(int v) const { return vips_[v]; }
  const dsrlb_pkt_bytes& backend_stats(int b) const { return backends_[b]; }
  const dsrlb_conn_counts& conn_stats(int b) const { return conns_[b]; }

  Pipeline& pipeline() { return pipeline_; }
  FlowTable& flows() { return flows_; }

 private:
  dsrlb::testing::TempDir dir_;
  std::optional<shm::TableWriter> writer_;
  const shm::SlotView* table_ = nullptr;
  uint64_t counters_[DSRLB_CTR_MAX] = {};
  uint64_t drops_[DSRLB_DROP_MAX] = {};
  dsrlb_pkt_bytes vips_[kMaxVips] = {};
  dsrlb_pkt_bytes backends_[kMaxBackends] = {};
  dsrlb_conn_counts conns_[kMaxBackends] = {};
  FlowTable flows_;
  Pipeline pipeline_;
};

}  // namespace dsrlb::dataplane::test

#endif  // DSRLB_TESTS_UNIT_DATAPLANE_PIPELINE_ENV_H_
