// Golden VRRP packets (v2 PASS, v3 IPv4, v3 IPv6) and every malformed case.
#include "controlplane/vrrp/vrrp_packet.h"

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

std::array<uint8_t, 8> Pass(const char* s) {
  std::array<uint8_t, 8> a{};
  std::memcpy(a.data(), s, std::min<size_t>(8, strlen(s)));
  return a;
}

// RFC 3768 5.1: ver 2 | type 1, VRID 51, prio 100, 1 address, auth type 1
// (simple text), adver int 1 s, checksum over the VRRP message alone,
// 192.168.1.100, then "secret" zero-padded to 8 bytes.
const std::vector<uint8_t> kV2Pass = {0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x7b,
                                      0x71, 0xc0, 0xa8, 0x01, 0x64, 0x73, 0x65,
                                      0x63, 0x72, 0x65, 0x74, 0x00, 0x00};
// RFC 5798 5.1: ver 3 | type 1, VRID 51, prio 100, 1 address, 4 reserved
// bits + max adver int 100 cs, checksum including the IPv4 pseudo-header
// 10.0.0.1 → 224.0.0.18, proto 112, length 12.
const std::vector<uint8_t> kV3Ipv4 = {0x31, 0x33, 0x64, 0x01, 0x00, 0x64,
                                      0xbd, 0xca, 0xc0, 0xa8, 0x01, 0x64};
// VRID 1, prio 200, 10 cs, fe80::1 → ff02::12 (IPv6 pseudo-header, RFC
// 8200 8.1), 2001:db8::100.
const std::vector<uint8_t> kV3Ipv6 = {
    0x31, 0x01, 0xc8, 0x01, 0x00, 0x0a, 0xda, 0x1a, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};

Advert V2Advert() {
  Advert a;
  a.version = 2;
  a.vrid = 51;
  a.priority = 100;
  a.interval = absl::Seconds(1);
  a.auth_type = AuthType::kPass;
  a.auth_data = Pass("secret");
  a.addresses = {Ip("192.168.1.100")};
  return a;
}
Expectation V2Expect() {
  Expectation e;
  e.version = 2;
  e.family = 4;
  e.vrid = 51;
  e.auth_type = AuthType::kPass;
  e.auth_data = Pass("secret");
  e.interval = absl::Seconds(1);
  e.addresses = {Ip("192.168.1.100")};
  return e;
}
Expectation V3Expect() {
  Expectation e;
  e.version = 3;
  e.family = 4;
  e.vrid = 51;
  e.addresses = {Ip("192.168.1.100")};
  return e;
}

TEST(VrrpPacket, EncodesV2PassGolden) {
  auto b = EncodeAdvert(V2Advert(), Ip("10.0.0.1"), Ip("224.0.0.18"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, kV2Pass);
}

TEST(VrrpPacket, EncodesV3Ipv4GoldenWithPseudoHeaderChecksum) {
  Advert a;
  a.version = 3;
  a.vrid = 51;
  a.priority = 100;
  a.interval = absl::Seconds(1);
  a.addresses = {Ip("192.168.1.100")};
  auto b = EncodeAdvert(a, Ip("10.0.0.1"), Ip("224.0.0.18"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, kV3Ipv4);
  // The same payload from another source carries another checksum.
  auto other = EncodeAdvert(a, Ip("10.0.0.2"), Ip("224.0.0.18"));
  EXPECT_NE((*other)[6] << 8 | (*other)[7], 0xbdca);
}

TEST(VrrpPacket, EncodesV3Ipv6Golden) {
  Advert a;
  a.version = 3;
  a.vrid = 1;
  a.priority = 200;
  a.interval = absl::Milliseconds(100);
  a.addresses = {Ip("2001:db8::100")};
  auto b = EncodeAdvert(a, Ip("fe80::1"), Ip("ff02::12"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, kV3Ipv6);
}

TEST(VrrpPacket, DecodesGoldenPackets) {
  auto v2 =
      DecodeAdvert(kV2Pass, Ip("10.0.0.1"), Ip("224.0.0.18"), 255, V2Expect());
  ASSERT_TRUE(v2.ok) << v2.detail;
  EXPECT_EQ(v2.packet.advert, V2Advert());
  EXPECT_EQ(v2.packet.src, Ip("10.0.0.1"));

  auto v3 =
      DecodeAdvert(kV3Ipv4, Ip("10.0.0.1"), Ip("224.0.0.18"), 255, V3Expect());
  ASSERT_TRUE(v3.ok) << v3.detail;
  EXPECT_EQ(v3.packet.advert.priority, 100);
  EXPECT_EQ(v3.packet.advert.interval, absl::Seconds(1));

  Expectation e6;
  e6.family = 6;
  e6.vrid = 1;
  e6.addresses = {Ip("2001:db8::100")};
  auto v6 = DecodeAdvert(kV3Ipv6, Ip("fe80::1"), Ip("ff02::12"), 255, e6);
  ASSERT_TRUE(v6.ok) << v6.detail;
  EXPECT_EQ(v6.packet.advert.interval, absl::Milliseconds(100));
  EXPECT_EQ(v6.packet.advert.priority, 200);
}

TEST(VrrpPacket, V3LearnsAnyIntervalButV2DropsAMismatch) {
  Expectation e = V3Expect();
  e.interval = absl::Milliseconds(10);  // v3 backups learn the master's
  EXPECT_TRUE(
      DecodeAdvert(kV3Ipv4, Ip("10.0.0.1"), Ip("224.0.0.18"), 255, e).ok);
  Expectation e2 = V2Expect();
  e2.interval = absl::Seconds(2);
  auto r = DecodeAdvert(kV2Pass, Ip("10.0.0.1"), Ip("224.0.0.18"), 255, e2);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, DropReason::kIntervalMismatch);
}

TEST(VrrpPacket, Ipv4PacketRoundTrip) {
  auto p = EncodeIpv4Packet(V2Advert(), Ip("10.0.0.1"), Ip("224.0.0.18"));
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 40u);
  EXPECT_EQ((*p)[8], 255);  // TTL
  EXPECT_EQ((*p)[9], 112);  // protocol
  EXPECT_EQ(InternetChecksum({}, absl::MakeSpan(*p).subspan(0, 20)), 0);
  auto r = DecodeIpv4Packet(*p, V2Expect());
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.packet.advert, V2Advert());
}

struct Malformed {
  const char* description;
  std::function<void(std::vector<uint8_t>&, int& ttl, Expectation&)> mutate;
  DropReason expected;
};

TEST(VrrpPacket, EveryMalformedV2PacketIsDroppedWithItsReason) {
  auto fix = [](std::vector<uint8_t>& b) {  // re-checksum after a mutation
    b[6] = b[7] = 0;
    uint16_t s = InternetChecksum({}, b);
    b[6] = s >> 8;
    b[7] = s & 0xff;
  };
  std::vector<Malformed> cases = {
      {"empty", [](auto& b, int&, auto&) { b.clear(); },
       DropReason::kTruncated},
      {"7 bytes", [](auto& b, int&, auto&) { b.resize(7); },
       DropReason::kTruncated},
      {"ttl 64", [](auto&, int& t, auto&) { t = 64; }, DropReason::kBadTtl},
      {"version 3 to a v2 instance",
       [&](auto& b, int&, auto&) {
         b[0] = 0x31;
         fix(b);
       },
       DropReason::kBadVersion},
      {"version 0",
       [&](auto& b, int&, auto&) {
         b[0] = 0x01;
         fix(b);
       },
       DropReason::kBadVersion},
      {"type 2",
       [&](auto& b, int&, auto&) {
         b[0] = 0x22;
         fix(b);
       },
       DropReason::kBadType},
      {"count says 2 addresses",
       [&](auto& b, int&, auto&) {
         b[3] = 2;
         fix(b);
       },
       DropReason::kTruncated},
      {"one byte extra",
       [&](auto& b, int&, auto&) {
         b.push_back(0);
         fix(b);
       },
       DropReason::kBadLength},
      {"auth data cut", [](auto& b, int&, auto&) { b.resize(16); },
       DropReason::kTruncated},
      {"checksum off by one", [](auto& b, int&, auto&) { b[7] ^= 1; },
       DropReason::kBadChecksum},
      {"priority flipped, checksum not",
       [](auto& b, int&, auto&) { b[2] = 101; }, DropReason::kBadChecksum},
      {"vrid 52",
       [&](auto& b, int&, auto&) {
         b[1] = 52;
         fix(b);
       },
       DropReason::kVridMismatch},
      {"auth none",
       [&](auto& b, int&, auto&) {
         b[4] = 0;
         fix(b);
       },
       DropReason::kAuthTypeMismatch},
      {"auth AH",
       [&](auto& b, int&, auto&) {
         b[4] = 2;
         fix(b);
       },
       DropReason::kAuthTypeMismatch},
      {"wrong password",
       [&](auto& b, int&, auto&) {
         b[12] = 'S';
         fix(b);
       },
       DropReason::kAuthFailure},
      {"password one byte longer",
       [&](auto& b, int&, auto&) {
         b[18] = 'x';
         fix(b);
       },
       DropReason::kAuthFailure},
      {"other address",
       [&](auto& b, int&, auto&) {
         b[11] = 0x65;
         fix(b);
       },
       DropReason::kAddrListMismatch},
      {"we expect two addresses",
       [](auto&, int&, Expectation& e) {
         e.addresses.push_back(Ip("192.168.1.101"));
       },
       DropReason::kAddrListMismatch},
      {"interval 2 s",
       [&](auto& b, int&, auto&) {
         b[5] = 2;
         fix(b);
       },
       DropReason::kIntervalMismatch},
      {"interval 0",
       [&](auto& b, int&, auto&) {
         b[5] = 0;
         fix(b);
       },
       DropReason::kIntervalMismatch},
      {"instance is IPv6", [](auto&, int&, Expectation& e) { e.family = 6; },
       DropReason::kFamilyMismatch},
  };
  for (const Malformed& c : cases) {
    std::vector<uint8_t> b = kV2Pass;
    int ttl = 255;
    Expectation e = V2Expect();
    c.mutate(b, ttl, e);
    auto r = DecodeAdvert(b, Ip("10.0.0.1"), Ip("224.0.0.18"), ttl, e);
    EXPECT_FALSE(r.ok) << c.description;
    EXPECT_EQ(DropReasonName(r.reason), std::string(DropReasonName(c.expected)))
        << c.description << ": " << r.detail;
  }
}

TEST(VrrpPacket, V3ChecksumCoversThePseudoHeader) {
  // Same bytes, another source: the checksum no longer verifies.
  auto r =
      DecodeAdvert(kV3Ipv4, Ip("10.0.0.9"), Ip("224.0.0.18"), 255, V3Expect());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, DropReason::kBadChecksum);
  auto u =
      DecodeAdvert(kV3Ipv4, Ip("10.0.0.1"), Ip("10.0.0.2"), 255, V3Expect());
  EXPECT_EQ(u.reason, DropReason::kBadChecksum);
}

TEST(VrrpPacket, UnicastSkipsTheTtlCheckAsKeepalivedDoes) {
  Expectation e = V3Expect();
  e.check_ttl = false;
  EXPECT_TRUE(DecodeAdvert(kV3Ipv4, Ip("10.0.0.1"), Ip("224.0.0.18"), 3, e).ok);
}

TEST(VrrpPacket, MalformedIpv4HeadersAreDropped) {
  auto p = *EncodeIpv4Packet(V2Advert(), Ip("10.0.0.1"), Ip("224.0.0.18"));
  auto drop = [](std::vector<uint8_t> b) {
    return DecodeIpv4Packet(b, V2Expect());
  };
  std::vector<uint8_t> b = p;
  b.resize(19);
  EXPECT_EQ(drop(b).reason, DropReason::kTruncated);
  b = p;
  b[0] = 0x44;  // IHL 16 bytes
  EXPECT_EQ(drop(b).reason, DropReason::kBadIpHeader);
  b = p;
  b[0] = 0x4f;  // IHL 60 > packet
  EXPECT_EQ(drop(b).reason, DropReason::kBadIpHeader);
  b = p;
  b[3] += 1;  // total length lies
  EXPECT_EQ(drop(b).reason, DropReason::kBadIpHeader);
  b = p;
  b[9] = 6;
  EXPECT_EQ(drop(b).reason, DropReason::kBadIpHeader);
  b = p;
  b[8] = 254;
  EXPECT_EQ(drop(b).reason, DropReason::kBadTtl);
}

TEST(VrrpPacket, EncoderRefusesWhatTheWireCannotCarry) {
  Advert a = V2Advert();
  a.interval = absl::Milliseconds(500);
  EXPECT_EQ(EncodeAdvert(a, Ip("10.0.0.1"), Ip("224.0.0.18")).status().code(),
            absl::StatusCode::kInvalidArgument);
  a = V2Advert();
  EXPECT_FALSE(EncodeAdvert(a, Ip("fe80::1"), Ip("ff02::12")).ok());
  a.version = 3;
  a.interval = absl::Milliseconds(5);
  EXPECT_FALSE(EncodeAdvert(a, Ip("10.0.0.1"), Ip("224.0.0.18")).ok());
  a.interval = absl::Seconds(41);
  EXPECT_FALSE(EncodeAdvert(a, Ip("10.0.0.1"), Ip("224.0.0.18")).ok());
  a.interval = absl::Seconds(1);
  a.addresses = {Ip("2001:db8::1")};
  EXPECT_FALSE(EncodeAdvert(a, Ip("10.0.0.1"), Ip("224.0.0.18")).ok());
  a.version = 4;
  EXPECT_FALSE(EncodeAdvert(a, Ip("10.0.0.1"), Ip("224.0.0.18")).ok());
}

TEST(VrrpPacket, EveryDropReasonHasAName) {
  for (size_t i = 0; i < kDropReasonCount; i++)
    EXPECT_STRNE(DropReasonName(static_cast<DropReason>(i)), "unknown");
}

}  // namespace
}  // namespace dsrlb::vrrp
