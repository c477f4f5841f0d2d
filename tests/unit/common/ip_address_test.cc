// Address and MAC parsing.
#include "common/ip_address.h"

#include <gtest/gtest.h>

namespace dsrlb {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::Parse("192.168.4.15");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family, 4);
  EXPECT_EQ(v4->bytes[3], 15);
  EXPECT_EQ(v4->ToString(), "192.168.4.15");
  auto v6 = IpAddress::Parse("2001:db8::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family, 6);
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
}

TEST(IpAddress, RejectsGarbageByName) {
  auto bad = IpAddress::Parse("192.168.4.256");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("192.168.4.256"),
            std::string::npos);
  EXPECT_FALSE(IpAddress::Parse("").ok());
}

TEST(Mac, RoundTripsAndRejectsBadText) {
  auto m = ParseMac("02:00:c0:a8:04:64");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(MacToString(m->data()), "02:00:c0:a8:04:64");
  EXPECT_FALSE(ParseMac("02:00:c0:a8:04").ok());
  EXPECT_FALSE(ParseMac("02:00:c0:a8:04:64:11").ok());
  EXPECT_FALSE(ParseMac("zz:00:c0:a8:04:64").ok());
}

}  // namespace
}  // namespace dsrlb
