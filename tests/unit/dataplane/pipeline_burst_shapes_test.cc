// The pipeline has two burst shapes: one pass for flow tables that fit in
// the cache, and parse / prefetch / decide passes for larger ones. Both must
// give exactly what packet-by-packet processing gives.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/unit/dataplane/pipeline_env.h"

namespace dsrlb::dataplane::test {
namespace {

const IpAddress kClient = Ip("192.0.2.10");
const IpAddress kClient6 = Ip("2001:db8:ff::10");
const IpAddress kVip = Ip("10.0.0.1");
const IpAddress kVip6 = Ip("2001:db8::1");
constexpr uint8_t kTcp = 6, kUdp = 17;

// 200 frames: repeated and new flows of several VIPs (IPv4, IPv6, a
// persistent one, an inactive one, UDP), a VLAN-tagged copy of a flow,
// drops and exceptions, in a fixed order.
std::vector<Bytes> MixedFrames() {
  std::vector<Bytes> frames;
  for (int i = 0; i < 200; i++) {
    const uint16_t port = static_cast<uint16_t>(3000 + (i / 7) % 9);
    switch (i % 7) {
      case 0:
        frames.push_back(
            Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(port, 80))));
        break;
      case 1:
        frames.push_back(
            Ether(0x86dd, Ipv6(kClient6, kVip6, kTcp, Tcp(port, 443))));
        break;
      case 2:
        frames.push_back(Ether(0x0800, Ipv4(Ip("198.18.0.7"), Ip("10.0.0.5"),
                                            kTcp, Tcp(port, 80))));
        break;
      case 3:
        frames.push_back(i % 4 ? Arp() : Prefix(Arp(), 20));
        break;
      case 4:
        frames.push_back(
            Ether(0x0800, Ipv4(kClient, Ip("10.0.0.3"), kTcp, Tcp(port, 80))));
        break;
      case 5:
        frames.push_back(
            Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(port, 80)), {0x8100}));
        break;
      default:
        frames.push_back(
            Ether(0x0800, Ipv4(kClient, kVip, kUdp, Udp(port, 53))));
        break;
    }
  }
  return frames;
}

// `n` entries of flows no frame belongs to (sources in 203.0.113.0/24 to
// a non-VIP address), so that the table holds that many live flows.
void Prefill(FlowTable& t, uint32_t n) {
  FlowTable::InsertResult ir;
  for (uint32_t i = 0; i < n; i++) {
    FlowKey k{};
    k.src[0] = 203;
    k.src[1] = 0;
    k.src[2] = 113;
    k.src[3] = static_cast<uint8_t>(i);
    k.dst[0] = 198;
    k.dst[1] = 51;
    k.dst[2] = 100;
    k.dst[3] = 1;
    k.sport = static_cast<uint16_t>(1024 + (i >> 8));
    k.dport = 80;
    k.family = 4;
    k.proto = kTcp;
    t.Insert(k, FlowTable::Hash(k), 0, 1u << 30, &ir);
  }
}

// prefill: live flows put in both tables first; past 4096 the burst takes
// the prefetch passes.
void ExpectBurstMatchesOneByOne(uint32_t flow_capacity, uint32_t prefill,
                                bool prefetch) {
  std::vector<Bytes> frames = MixedFrames();
  PipelineEnv single(flow_capacity);
  Prefill(single.flows(), prefill);
  ASSERT_TRUE(single.Publish(DefaultSpec()).ok());
  std::vector<Bytes> one_by_one = frames;
  std::vector<Verdict> expected;
  for (Bytes& f : one_by_one) expected.push_back(single.Send(f));

  PipelineEnv burst(flow_capacity);
  Prefill(burst.flows(), prefill);
  ASSERT_EQ(burst.flows().prefetch_pays(), prefetch);
  ASSERT_TRUE(burst.Publish(DefaultSpec()).ok());
  std::vector<uint8_t*> ptrs;
  std::vector<uint32_t> lens;
  for (Bytes& f : frames) {
    ptrs.push_back(f.data());
    lens.push_back(static_cast<uint32_t>(f.size()));
  }
  std::vector<Verdict> got(frames.size());
  // Uneven bursts, as a NIC hands them over. `returned`: what ProcessBurst
  // says it forwarded (the worker sends a burst whole on it).
  uint64_t returned = 0;
  for (size_t at = 0, n = 1; at < frames.size(); at += n, n = n % 40 + 7) {
    const size_t len = std::min(n, frames.size() - at);
    returned += burst.pipeline().ProcessBurst(
        burst.table(), ptrs.data() + at, lens.data() + at,
        static_cast<uint32_t>(len), kSecond, got.data() + at);
  }
  for (size_t i = 0; i < frames.size(); i++) {
    EXPECT_EQ(got[i], expected[i]) << "frame " << i;
    EXPECT_EQ(frames[i], one_by_one[i]) << "frame " << i;
  }
  for (int c = 0; c < DSRLB_CTR_MAX; c++)
    EXPECT_EQ(burst.counter(static_cast<dsrlb_counter>(c)),
              single.counter(static_cast<dsrlb_counter>(c)))
        << "counter " << c;
  for (int d = 0; d < DSRLB_DROP_MAX; d++)
    EXPECT_EQ(burst.drop(static_cast<dsrlb_drop>(d)),
              single.drop(static_cast<dsrlb_drop>(d)))
        << "drop " << d;
  EXPECT_GT(burst.counter(DSRLB_CTR_FLOW_HIT), 0u);
  EXPECT_GT(burst.counter(DSRLB_CTR_PERSIST_HIT), 0u);
  // Per VIP and per backend: the same as packet by packet, and in total
  // exactly the forwarded frames and their lengths.
  uint64_t forwarded = 0, forwarded_bytes = 0;
  for (size_t i = 0; i < frames.size(); i++)
    if (expected[i] == Verdict::kForward) {
      forwarded++;
      forwarded_bytes += frames[i].size();
    }
  ASSERT_GT(forwarded, 0u);
  EXPECT_EQ(returned, forwarded);
  uint64_t vip_packets = 0, vip_bytes = 0, be_packets = 0, be_bytes = 0;
  for (uint32_t v = 0; v < PipelineEnv::kMaxVips; v++) {
    EXPECT_EQ(burst.vip_stats(v).packets, single.vip_stats(v).packets) << v;
    EXPECT_EQ(burst.vip_stats(v).bytes, single.vip_stats(v).bytes) << v;
    vip_packets += burst.vip_stats(v).packets;
    vip_bytes += burst.vip_stats(v).bytes;
  }
  for (uint32_t b = 0; b < PipelineEnv::kMaxBackends; b++) {
    EXPECT_EQ(burst.backend_stats(b).packets, single.backend_stats(b).packets)
        << b;
    EXPECT_EQ(burst.backend_stats(b).bytes, single.backend_stats(b).bytes) << b;
    be_packets += burst.backend_stats(b).packets;
    be_bytes += burst.backend_stats(b).bytes;
  }
  EXPECT_EQ(vip_packets, forwarded);
  EXPECT_EQ(vip_bytes, forwarded_bytes);
  EXPECT_EQ(be_packets, forwarded);
  EXPECT_EQ(be_bytes, forwarded_bytes);
}

TEST(PipelineBurstShapesTest, SmallTableBurstMatchesPacketByPacket) {
  ExpectBurstMatchesOneByOne(1024, 0, false);  // one pass
}

TEST(PipelineBurstShapesTest,
     LargeTableWithFewFlowsBurstMatchesPacketByPacket) {
  ExpectBurstMatchesOneByOne(1u << 16, 0, false);  // few flows: one pass
}

TEST(PipelineBurstShapesTest, ManyFlowsBurstMatchesPacketByPacket) {
  // 6000 live flows (750 KiB of lines at 128 B): prefetch passes.
  ExpectBurstMatchesOneByOne(1u << 16, 6000, true);
}

}  // namespace
}  // namespace dsrlb::dataplane::test
