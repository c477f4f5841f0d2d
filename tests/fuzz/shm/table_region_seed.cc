// Writes the seed corpus of table_region_fuzz: small published table
// regions (IPv4 and IPv6 VIPs, persistent and not, a draining backend).
// Run once; the output is committed under corpus/.
//   usage: table_region_seed DIR
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "controlplane/tables/table_builder.h"
#include "dataplane/shm/table_region.h"

namespace {

dsrlb::tables::VipSpec Vip(const char* addr, uint8_t proto, uint16_t port,
                           int n, uint32_t persistence) {
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
    be.mac = {2, 0, 0, 0, 0, static_cast<uint8_t>(b)};
    be.state = b == 1 ? DSRLB_BACKEND_DRAINING : DSRLB_BACKEND_UP;
    v.backends.push_back(be);
  }
  return v;
}

int Write(const std::string& out, const dsrlb::tables::TableSpec& spec,
          int publishes) {
  const std::string path = "/dev/shm/dsrlb-seed-" + std::to_string(getpid());
  auto w = dsrlb::shm::TableWriter::Create(
      path, dsrlb::shm::TableGeometry{4, 16, 8, 4 * 13});
  unlink(path.c_str());
  if (!w.ok()) return 1;
  for (int i = 0; i < publishes; i++)
    if (!dsrlb::tables::PublishSpec(*w, spec, nullptr).ok()) return 1;
  const auto& r = w->region();
  std::ofstream(out, std::ios::binary)
      .write(reinterpret_cast<const char*>(r.header()),
             static_cast<std::streamsize>(r.header()->region_size));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: table_region_seed DIR\n", stderr);
    return 2;
  }
  const std::string dir = argv[1];
  dsrlb::tables::TableSpec v4;
  v4.ring_size = 13;
  v4.hash_seed = 1;
  v4.vips.push_back(Vip("10.0.0.1", 6, 80, 3, 0));
  v4.vips.push_back(Vip("10.0.0.2", 17, 0, 2, 300));
  dsrlb::tables::TableSpec v6 = v4;
  v6.vips = {Vip("2001:db8::1", 6, 443, 3, 0),
             Vip("2001:db8::2", 17, 53, 1, 60)};
  dsrlb::tables::TableSpec empty;
  empty.ring_size = 13;
  return Write(dir + "/v4_one_publish", v4, 1) |
         Write(dir + "/v4_two_publishes", v4, 2) |
         Write(dir + "/v6_one_publish", v6, 1) |
         Write(dir + "/no_vips", empty, 1);
}
