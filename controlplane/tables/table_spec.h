// What the control plane wants the dataplane to do, before it is a table.
#ifndef DSRLB_CONTROLPLANE_TABLES_TABLE_SPEC_H_
#define DSRLB_CONTROLPLANE_TABLES_TABLE_SPEC_H_

#include <array>
#include <cstdint>
#include <vector>

#include "common/ip_address.h"
#include "controlplane/tables/maglev.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::tables {

struct BackendSpec {
  IpAddress address;
  uint16_t port = 0;
  uint32_t weight = 1;
  dsrlb_backend_state state = DSRLB_BACKEND_UP;
  std::array<uint8_t, 6> mac{};
  // Backend record (from 1); 0 = the next after the previous backend's.
  // The publisher keeps a server's record across publishes, so its
  // per-backend counters and flows stay its own.
  uint32_t record = 0;
};

struct VipSpec {
  IpAddress address;
  uint8_t proto = 6;  // IPPROTO_TCP
  uint16_t port = 0;  // 0 = all ports
  bool active = true;
  uint32_t persistence_timeout_s = 0;  // 0 = no persistence
  // persistence_granularity: clients sharing this prefix are one client;
  // 0 = the whole address.
  uint8_t persistence_prefix_len = 0;
  uint32_t ring_size = 0;  // prime; 0 = TableSpec::ring_size
  std::vector<BackendSpec> backends;
};

struct TableSpec {
  std::vector<VipSpec> vips;
  // The VIP record vips[i] goes into: vip_records[i], or i when empty.
  // Records no VIP names stay unused (gaps), so a VIP keeps its index, and
  // its per-VIP counters, while others come and go.
  std::vector<uint32_t> vip_records;
  uint32_t ring_size = kDefaultRingSize;
  uint64_t hash_seed = 0;  // the same on every scheduler of a cluster
  std::array<uint8_t, 6> port_mac{};
  uint32_t tcp_timeout_s = 900;  // LVS defaults (ipvsadm --set)
  uint32_t udp_timeout_s = 300;

  uint32_t RecordOf(size_t i) const {
    return vip_records.empty() ? static_cast<uint32_t>(i) : vip_records[i];
  }
  uint32_t RingSizeOf(const VipSpec& v) const {
    return v.ring_size != 0 ? v.ring_size : ring_size;
  }
};

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_TABLE_SPEC_H_
