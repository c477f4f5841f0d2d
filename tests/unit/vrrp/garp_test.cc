// GARP and unsolicited NA frames, byte for byte against RFC 826/5227 and
// RFC 4861.
#include "controlplane/vrrp/garp.h"

#include "controlplane/vrrp/vrrp_packet.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

const std::array<uint8_t, 6> kMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

TEST(Garp, ArpAnnouncementClaimsTheVipForOurMac) {
  std::vector<uint8_t> f = GarpFrame(kMac, *IpAddress::Parse("10.0.0.50"));
  const std::vector<uint8_t> want = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0,
      0,    1,    0x08, 0x06,                               // Ethernet
      0,    1,    0x08, 0x00, 6,    4,    0,    1,          // ARP request
      0x02, 0,    0,    0,    0,    1,    10,   0, 0, 50,   // sender = us, VIP
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10,   0, 0, 50};  // target = VIP
  EXPECT_EQ(f, want);
}

TEST(Garp, UnsolicitedNaOverridesWithAValidChecksum) {
  IpAddress vip = *IpAddress::Parse("2001:db8::50");
  std::vector<uint8_t> f = UnsolicitedNaFrame(kMac, vip);
  ASSERT_EQ(f.size(), 14u + 40 + 32);
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 6),
            (std::vector<uint8_t>{0x33, 0x33, 0, 0, 0,
                                  1}));  // all-nodes multicast MAC
  EXPECT_EQ(f[12], 0x86);
  EXPECT_EQ(f[13], 0xdd);
  EXPECT_EQ(f[14 + 6], 58);   // ICMPv6
  EXPECT_EQ(f[14 + 7], 255);  // hop limit
  const size_t icmp = 14 + 40;
  EXPECT_EQ(f[icmp], 136);        // neighbour advertisement
  EXPECT_EQ(f[icmp + 4], 0x20);   // O flag only (not solicited, not router)
  EXPECT_EQ(f[icmp + 24], 2);     // target link-layer address option
  EXPECT_EQ(f[icmp + 31], 0x01);  // ... carrying our MAC
  absl::Span<const uint8_t> body(f.data() + icmp, 32);
  EXPECT_EQ(InternetChecksum(
                PseudoHeader(vip, *IpAddress::Parse("ff02::1"), 58, 32), body),
            0);
}

}  // namespace
}  // namespace dsrlb::vrrp
