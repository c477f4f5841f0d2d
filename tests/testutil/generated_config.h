// keepalived.conf of many virtual servers, for capacity tests and the
// capacity benchmark: VS i is 10.(100 + i/65536).(i/256%256).(i%256):80/TCP,
// real servers 172.16.0.0/12 numbered from 1 across all virtual servers,
// spread as evenly as `real_servers` allows.
#ifndef DSRLB_TESTS_TESTUTIL_GENERATED_CONFIG_H_
#define DSRLB_TESTS_TESTUTIL_GENERATED_CONFIG_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace dsrlb::testing {

inline std::string GeneratedVip(uint32_t i) {
  return absl::StrCat(10, ".", 100 + i / 65536, ".", i / 256 % 256, ".",
                      i % 256);
}

// Real server n (from 1): 172.16.0.0 + n.
inline std::string GeneratedRealServer(uint32_t n) {
  uint32_t a = (172u << 24) | (16u << 16) | n;
  return absl::StrCat(a >> 24, ".", a >> 16 & 255, ".", a >> 8 & 255, ".",
                      a & 255);
}

// The MAC a test gives real server n: 02:00 and its IPv4 address.
inline std::array<uint8_t, 6> GeneratedMac(uint32_t n) {
  uint32_t a = (172u << 24) | (16u << 16) | n;
  return {0x02,
          0x00,
          static_cast<uint8_t>(a >> 24),
          static_cast<uint8_t>(a >> 16),
          static_cast<uint8_t>(a >> 8),
          static_cast<uint8_t>(a)};
}

// Number of real servers of VS i when `real_servers` are spread over `vs`.
inline uint32_t GeneratedShare(uint32_t i, uint32_t vs, uint32_t real_servers) {
  return real_servers / vs + (i < real_servers % vs ? 1 : 0);
}

inline std::string GeneratedKeepalivedConf(uint32_t vs, uint32_t real_servers) {
  std::string out = "global_defs {\n    router_id capacity\n}\n";
  uint32_t n = 1;
  for (uint32_t i = 0; i < vs; i++) {
    absl::StrAppend(&out, "virtual_server ", GeneratedVip(i),
                    " 80 {\n    lb_algo wrr\n    lb_kind DR\n"
                    "    protocol TCP\n");
    for (uint32_t k = 0; k < GeneratedShare(i, vs, real_servers); k++, n++)
      absl::StrAppend(&out, "    real_server ", GeneratedRealServer(n),
                      " 80 {\n        weight 1\n    }\n");
    out += "}\n";
  }
  return out;
}

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_TESTUTIL_GENERATED_CONFIG_H_
