// vrrp_skip_check_adv_addr: keepalived 2.2.7 (vrrp_state_backup) checks the
// addresses of a received advert unless the flag is set and the advert
// comes from the master already followed; then neither the count nor the
// addresses are compared.
#include "controlplane/vrrp/vrrp_packet.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

const IpAddress kMaster = Ip("10.0.0.1");
const IpAddress kGroup = Ip("224.0.0.18");

// What a peer advertises: VRRPv3, VRID 51, priority 100, 1 s.
std::vector<uint8_t> AdvertFor(std::vector<IpAddress> addresses) {
  Advert a;
  a.version = 3;
  a.vrid = 51;
  a.priority = 100;
  a.addresses = std::move(addresses);
  return *EncodeAdvert(a, kMaster, kGroup);
}

Expectation Ours() {
  Expectation e;
  e.version = 3;
  e.family = 4;
  e.vrid = 51;
  e.addresses = {Ip("192.168.1.100"), Ip("192.168.1.101")};
  return e;
}

TEST(SkipCheckAdvAddr, WithoutItOtherAddressesAreDropped) {
  DecodeResult r = DecodeAdvert(AdvertFor({Ip("192.168.1.100")}), kMaster,
                                kGroup, 255, Ours());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, DropReason::kAddrListMismatch);
}

TEST(SkipCheckAdvAddr, TheFollowedMastersAdvertIsNotCompared) {
  Expectation e = Ours();
  e.skip_addr_check_from = kMaster;
  for (const auto& addresses : std::vector<std::vector<IpAddress>>{
           {Ip("192.168.1.100")},                          // fewer
           {Ip("192.168.1.100"), Ip("192.168.1.99")},      // others
           {Ip("192.168.1.101"), Ip("192.168.1.100")}}) {  // ours
    DecodeResult r =
        DecodeAdvert(AdvertFor(addresses), kMaster, kGroup, 255, e);
    EXPECT_TRUE(r.ok) << addresses.size();
    EXPECT_EQ(r.packet.advert.addresses, addresses);
  }
}

TEST(SkipCheckAdvAddr, ANewSourceIsStillChecked) {
  Expectation e = Ours();
  e.skip_addr_check_from = Ip("10.0.0.2");  // someone else is master
  DecodeResult r =
      DecodeAdvert(AdvertFor({Ip("192.168.1.100")}), kMaster, kGroup, 255, e);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, DropReason::kAddrListMismatch);
}

TEST(SkipCheckAdvAddr, OtherChecksStillApply) {
  Expectation e = Ours();
  e.skip_addr_check_from = kMaster;
  std::vector<uint8_t> b = AdvertFor({Ip("192.168.1.100")});
  b[7] ^= 1;  // checksum
  DecodeResult r = DecodeAdvert(b, kMaster, kGroup, 255, e);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, DropReason::kBadChecksum);
}

}  // namespace
}  // namespace dsrlb::vrrp
