// vrrp_garp_interval / vrrp_gna_interval (keepalived.conf(5): "Delay
// between gratuitous ARP messages sent on an interface", "Delay between
// unsolicited NA messages"): when each announcement of a batch goes out.
#include "controlplane/vrrp/garp.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

std::vector<std::pair<absl::Duration, std::string>> Flat(
    const std::vector<GarpSend>& sends) {
  std::vector<std::pair<absl::Duration, std::string>> out;
  for (const GarpSend& s : sends) out.emplace_back(s.at, s.vip.ToString());
  return out;
}

TEST(GarpSchedule, NoIntervalSendsTheWholeBatchAtOnce) {
  auto got = Flat(GarpSchedule({Ip("10.0.0.1"), Ip("10.0.0.2")}, 2,
                               absl::ZeroDuration(), absl::ZeroDuration()));
  const absl::Duration z = absl::ZeroDuration();
  EXPECT_EQ(
      got,
      (decltype(got){
          {z, "10.0.0.1"}, {z, "10.0.0.2"}, {z, "10.0.0.1"}, {z, "10.0.0.2"}}));
}

TEST(GarpSchedule, ArpsAreSpacedByTheGarpInterval) {
  const absl::Duration ms = absl::Milliseconds(1);
  auto got = Flat(GarpSchedule({Ip("10.0.0.1"), Ip("10.0.0.2")}, 2, 10 * ms,
                               absl::ZeroDuration()));
  EXPECT_EQ(got, (decltype(got){{0 * ms, "10.0.0.1"},
                                {10 * ms, "10.0.0.2"},
                                {20 * ms, "10.0.0.1"},
                                {30 * ms, "10.0.0.2"}}));
}

TEST(GarpSchedule, EachFamilyHasItsOwnInterval) {
  const absl::Duration us = absl::Microseconds(1);
  auto got = Flat(
      GarpSchedule({Ip("10.0.0.1"), Ip("2001:db8::1")}, 3, 1000 * us, 5 * us));
  EXPECT_EQ(got, (decltype(got){{0 * us, "10.0.0.1"},
                                {0 * us, "2001:db8::1"},
                                {1000 * us, "10.0.0.1"},
                                {5 * us, "2001:db8::1"},
                                {2000 * us, "10.0.0.1"},
                                {10 * us, "2001:db8::1"}}));
}

}  // namespace
}  // namespace dsrlb::vrrp
