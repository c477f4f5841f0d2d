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
};

struct VipSpec {
  IpAddress address;
  uint8_t proto = 6;  // IPPROTO_TCP
  uint16_t port = 0;  // 0 = all ports
  bool active = true;
  uint32_t persistence_timeout_s = 0;  // 0 = no persistence
  std::vector<BackendSpec> backends;
};

struct TableSpec {
  // VIP i of the spec becomes VIP record i: keep the order stable across
  // publishes so per-VIP counters keep their meaning.
  std::vector<VipSpec> vips;
  uint32_t ring_size = kDefaultRingSize;
  uint64_t hash_seed = 0;  // the same on every scheduler of a cluster
  std::array<uint8_t, 6> port_mac{};
  uint32_t tcp_timeout_s = 900;  // LVS defaults (ipvsadm --set)
  uint32_t udp_timeout_s = 300;
};

}  // namespace dsrlb::tables

#endif  // DSRLB_CONTROLPLANE_TABLES_TABLE_SPEC_H_
