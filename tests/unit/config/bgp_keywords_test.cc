// The bgp block (dsrlb's own, for BGP mode): its keywords land in the
// model, and every mistake is an error at the line that has it.
#include <string>

#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::config {
namespace {

using ::testing::HasSubstr;

constexpr char kVrrpAndBgp[] =
    "bgp {\n"
    "  speaker 127.0.0.1:50051\n"
    "  next_hop 10.0.0.11\n"
    "  next_hop6 fd00::11\n"
    "}\n"
    "vrrp_instance V {\n"
    "  interface eth0\n"
    "  virtual_router_id 51\n"
    "  virtual_ipaddress {\n"
    "    192.168.4.15\n"
    "  }\n"
    "}\n"
    "virtual_server 192.168.4.15 80 {\n"
    "  lb_kind DR\n"
    "}\n"
    "virtual_server 192.168.4.16 80 {\n"
    "  lb_kind DR\n"
    "}\n"
    "virtual_server 2001:db8::16 80 {\n"
    "  lb_kind DR\n"
    "}\n";

std::string Error(const std::string& text) {
  absl::StatusOr<Config> c = ParseConfigText(text, "b.conf");
  if (c.ok()) return "parsed";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(c.status().message());
}

TEST(BgpKeywordsTest, EveryKeywordIsRead) {
  absl::StatusOr<Config> c = ParseConfigText(kVrrpAndBgp, "b.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->bgp.has_value());
  EXPECT_EQ(c->bgp->speaker, "127.0.0.1:50051");
  EXPECT_EQ(c->bgp->next_hop, *IpAddress::Parse("10.0.0.11"));
  EXPECT_EQ(c->bgp->next_hop6, *IpAddress::Parse("fd00::11"));
  EXPECT_EQ(c->bgp->where.line, 1);
}

TEST(BgpKeywordsTest, WithoutTheBlockThereIsNoBgp) {
  absl::StatusOr<Config> c = ParseConfigText(
      "virtual_server 192.168.4.16 80 {\n  lb_kind DR\n}\n", "b.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->bgp.has_value());
}

TEST(BgpKeywordsTest, SpeakerIsRequired) {
  EXPECT_EQ(Error("bgp {\n  next_hop 10.0.0.11\n}\n"),
            "b.conf:1:1: bgp needs 'speaker HOST:PORT (gobgpd's gRPC API, "
            "e.g. 127.0.0.1:50051 or [::1]:50051)'");
}

TEST(BgpKeywordsTest, SpeakerMustBeHostAndPort) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
                          "::1:50051", ":50051", "[::1]", "[zz]:1"}) {
    EXPECT_EQ(Error(std::string("bgp {\n  speaker ") + bad + "\n}\n"),
              std::string("b.conf:2:11: speaker '") + bad +
                  "' is not HOST:PORT: write speaker HOST:PORT (gobgpd's "
                  "gRPC API, e.g. 127.0.0.1:50051 or [::1]:50051)")
        << bad;
  }
  for (const char* good : {"localhost:50051", "[::1]:50051", "10.0.0.1:1"}) {
    EXPECT_EQ(Error(std::string("bgp {\n  speaker ") + good + "\n}\n"),
              "parsed")
        << good;
  }
}

TEST(BgpKeywordsTest, NextHopOfTheWrongFamilyIsRefused) {
  EXPECT_EQ(Error("bgp {\n  speaker h:1\n  next_hop fd00::1\n}\n"),
            "b.conf:3:12: next_hop fd00::1 is not IPv4 (IPv6 VIPs take "
            "next_hop6)");
  EXPECT_EQ(Error("bgp {\n  speaker h:1\n  next_hop6 10.0.0.1\n}\n"),
            "b.conf:3:13: next_hop6 10.0.0.1 is not IPv6 (IPv4 VIPs take "
            "next_hop)");
}

TEST(BgpKeywordsTest, UnknownKeywordAndSecondBlockAreErrors) {
  EXPECT_THAT(Error("bgp {\n  speaker h:1\n  neighbor 10.0.0.1\n}\n"),
              HasSubstr("b.conf:3:3: unknown keyword 'neighbor' in bgp"));
  EXPECT_THAT(Error("bgp {\n  speaker h:1\n}\nbgp {\n  speaker h:2\n}\n"),
              HasSubstr("b.conf:4:1:"));
  EXPECT_THAT(Error("bgp 1 {\n  speaker h:1\n}\n"),
              HasSubstr("b.conf:1:1: 'bgp' wants a block and no value"));
}

TEST(BgpKeywordsTest, BgpModeVipNeedsANextHopOfItsFamily) {
  // 192.168.4.15 is VRRP's; the two others are announced.
  std::string text = kVrrpAndBgp;
  std::string no_v6 = text;
  no_v6.erase(no_v6.find("  next_hop6 fd00::11\n"), 21);
  EXPECT_EQ(Error(no_v6),
            "b.conf:18:1: virtual_server 2001:db8::16 is in BGP mode (no "
            "vrrp_instance lists it) but the bgp block at b.conf:1 has no "
            "'next_hop6 IPv6'");
  std::string no_v4 = text;
  no_v4.erase(no_v4.find("  next_hop 10.0.0.11\n"), 21);
  EXPECT_EQ(Error(no_v4),
            "b.conf:15:1: virtual_server 192.168.4.16 is in BGP mode (no "
            "vrrp_instance lists it) but the bgp block at b.conf:1 has no "
            "'next_hop IPv4'");
}

TEST(BgpKeywordsTest, CheckSummaryNamesTheSpeaker) {
  absl::StatusOr<Config> c = ParseConfigText(kVrrpAndBgp, "b.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(DescribeConfig(*c),
              HasSubstr("bgp: speaker 127.0.0.1:50051, next hop 10.0.0.11 / "
                        "fd00::11; 2 virtual server(s) in BGP mode"));
}

}  // namespace
}  // namespace dsrlb::config
