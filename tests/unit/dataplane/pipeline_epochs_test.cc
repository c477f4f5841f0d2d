// Table epochs and the marks of validated flow entries: an entry validated
// in one epoch is used without a look at the table only in that epoch. The
// epoch counter is 15 bits (bit 15 of a mark flags a persistent VIP's
// entry): when it wraps, every mark is cleared, so an entry validated
// 32767 table changes ago is checked again, not taken for current.
#include <gtest/gtest.h>

#include "tests/unit/dataplane/pipeline_env.h"

namespace dsrlb::dataplane::test {
namespace {

const IpAddress kClient = Ip("192.0.2.10");
const IpAddress kVip = Ip("10.0.0.1");
constexpr uint8_t kTcp = 6;

Bytes Ack(uint16_t sport) {
  return Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(sport, 80)));
}

TEST(PipelineEpochsTest, AMarkFromBeforeTheEpochWrappedIsCheckedAgain) {
  // Table A: VIP 0's servers up. Table B: the same servers, all down.
  PipelineEnv a, b;
  ASSERT_TRUE(a.Publish(DefaultSpec()).ok());
  tables::TableSpec down = DefaultSpec();
  for (tables::BackendSpec& be : down.vips[kVipTcp4].backends)
    be.state = DSRLB_BACKEND_DOWN;
  ASSERT_TRUE(b.Publish(down).ok());
  Pipeline& p = a.pipeline();
  // Established and marked under A (epoch 1); one hit to be sure.
  Bytes f = Ack(4000);
  ASSERT_EQ(
      p.Process(a.table(), f.data(), static_cast<uint32_t>(f.size()), kSecond),
      Verdict::kForward);
  f = Ack(4000);
  ASSERT_EQ(
      p.Process(a.table(), f.data(), static_cast<uint32_t>(f.size()), kSecond),
      Verdict::kForward);
  const uint64_t hits = a.counter(DSRLB_CTR_FLOW_HIT);
  // 32767 table changes with no packet of the flow (ARP frames: each
  // Process call notices the other table), ending under B in what is
  // epoch 1 again after the wrap.
  Bytes arp = Arp();
  for (int i = 0; i < 32767; i++)
    p.Process(i % 2 == 0 ? b.table() : a.table(), arp.data(),
              static_cast<uint32_t>(arp.size()), kSecond);
  // Under B the flow's server is down: the entry must be checked, found
  // unusable and the flow re-hashed (no server left: dropped), not
  // forwarded on a stale mark.
  f = Ack(4000);
  EXPECT_EQ(
      p.Process(b.table(), f.data(), static_cast<uint32_t>(f.size()), kSecond),
      Verdict::kDrop);
  EXPECT_EQ(a.counter(DSRLB_CTR_FLOW_HIT), hits);
  EXPECT_EQ(a.counter(DSRLB_CTR_FLOW_REHASHED), 1u);
  EXPECT_EQ(a.drop(DSRLB_DROP_NO_BACKEND), 1u);
}

}  // namespace
}  // namespace dsrlb::dataplane::test
