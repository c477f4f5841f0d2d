// dsrlb_persistence_source(): the client address a persistent VIP hashes
// and remembers under persistence_granularity (ipvsadm -M), against
// networks written out by hand.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "common/ip_address.h"
#include "dataplane/shm/dsrlb_shm.h"

namespace dsrlb::shm {
namespace {

std::string Masked(const char* client, uint8_t prefix_len) {
  IpAddress ip = *IpAddress::Parse(client);
  IpAddress out;
  out.family = ip.family;
  dsrlb_persistence_source(ip.family, ip.bytes.data(), prefix_len,
                           out.bytes.data());
  return out.ToString();
}

TEST(PersistenceSource, ClearsTheBitsPastThePrefix) {
  EXPECT_EQ(Masked("10.3.7.200", 24), "10.3.7.0");
  EXPECT_EQ(Masked("10.3.7.200", 16), "10.3.0.0");
  EXPECT_EQ(Masked("10.3.7.200", 20), "10.3.0.0");    // 7 = 0000 0111
  EXPECT_EQ(Masked("10.3.23.200", 20), "10.3.16.0");  // 23 = 0001 0111
  EXPECT_EQ(Masked("10.3.7.200", 1), "0.0.0.0");
  EXPECT_EQ(Masked("200.3.7.200", 1), "128.0.0.0");
  EXPECT_EQ(Masked("2001:db8:1:2:3:4:5:6", 64), "2001:db8:1:2::");
  EXPECT_EQ(Masked("2001:db8:1:2:3:4:5:6", 56), "2001:db8:1::");
  EXPECT_EQ(Masked("2001:db8:1:2ff:3:4:5:6", 60), "2001:db8:1:2f0::");
}

TEST(PersistenceSource, ZeroOrTheWholeWidthKeepsTheAddress) {
  EXPECT_EQ(Masked("10.3.7.200", 0), "10.3.7.200");
  EXPECT_EQ(Masked("10.3.7.200", 32), "10.3.7.200");
  EXPECT_EQ(Masked("10.3.7.200", 128), "10.3.7.200");
  EXPECT_EQ(Masked("2001:db8::1", 0), "2001:db8::1");
  EXPECT_EQ(Masked("2001:db8::1", 128), "2001:db8::1");
}

TEST(PersistenceSource, AnIPv4ResultHasNoBytesPastItsFour) {
  const uint8_t src[16] = {10, 3, 7, 200, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9};
  uint8_t out[16];
  dsrlb_persistence_source(DSRLB_AF_INET, src, 24, out);
  const uint8_t want[16] = {10, 3, 7, 0};
  EXPECT_EQ(0, memcmp(out, want, 16));
}

TEST(Layout, VipRecordCarriesThePersistencePrefix) {
  EXPECT_EQ(offsetof(dsrlb_vip, persistence_prefix_len), 40u);
  EXPECT_GE(DSRLB_FORMAT_VERSION, 3u);  // the version that added it
}

}  // namespace
}  // namespace dsrlb::shm
