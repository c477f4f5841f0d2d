// Flow state across packets and table changes: stickiness, drain, down
// backends, re-indexed records, timeouts, eviction, persistence.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/dataplane/pipeline_env.h"

namespace dsrlb::dataplane::test {
namespace {

const IpAddress kClient = Ip("192.0.2.10");
const IpAddress kVip = Ip("10.0.0.1");
const IpAddress kPersistVip = Ip("10.0.0.5");
constexpr uint8_t kTcp = 6, kUdp = 17;

Bytes Syn(uint16_t sport, const IpAddress& vip = kVip, uint8_t proto = kTcp,
          const IpAddress& client = kClient) {
  Bytes l4 = proto == kTcp ? Tcp(sport, 80) : Udp(sport, 53);
  return Ether(0x0800, Ipv4(client, vip, proto, l4));
}

class PipelineFlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = DefaultSpec();
    ASSERT_TRUE(env_.Publish(spec_).ok());
  }
  // Backend index a frame was forwarded to, 0 if it was not.
  uint16_t SendGet(Bytes frame, uint64_t now = kSecond) {
    return env_.Send(frame, now) == Verdict::kForward ? env_.BackendOf(frame)
                                                      : 0;
  }
  uint16_t Ring(uint16_t sport) {
    return env_.RingBackend(kVipTcp4, kClient, kVip, sport, 80, kTcp);
  }
  // A client port whose ring backend is `b` in the current table.
  uint16_t PortOnBackend(uint16_t b) {
    for (uint16_t p = 1024; p < 60000; p++)
      if (Ring(p) == b) return p;
    ADD_FAILURE() << "no port maps to backend " << b;
    return 0;
  }

  PipelineEnv env_;
  tables::TableSpec spec_;
};

TEST_F(PipelineFlowsTest, EstablishedFlowsStayWhenTheRingChanges) {
  std::vector<uint16_t> before;
  for (uint16_t p = 2000; p < 2200; p++) before.push_back(SendGet(Syn(p)));
  // A fifth backend joins: the new ring moves some of these tuples.
  spec_.vips[kVipTcp4] = MakeVip("10.0.0.1", kTcp, 80, 0, 5);
  ASSERT_TRUE(env_.Publish(spec_).ok());
  int moved_in_ring = 0;
  for (uint16_t p = 2000; p < 2200; p++) {
    moved_in_ring += Ring(p) != before[p - 2000];
    EXPECT_EQ(SendGet(Syn(p)), before[p - 2000]) << "port " << p;
  }
  ASSERT_GT(moved_in_ring, 0) << "the new ring must move some tuples";
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_HIT), 200u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_MISS), 200u);
  // A new flow follows the new ring.
  EXPECT_EQ(SendGet(Syn(5000)), Ring(5000));
}

TEST_F(PipelineFlowsTest, DrainingBackendKeepsItsFlowsButTakesNoNewOnes) {
  const uint16_t port = PortOnBackend(2);
  ASSERT_EQ(SendGet(Syn(port)), 2);
  spec_.vips[kVipTcp4].backends[1].state = DSRLB_BACKEND_DRAINING;  // record 2
  ASSERT_TRUE(env_.Publish(spec_).ok());
  EXPECT_EQ(SendGet(Syn(port)), 2)
      << "existing flow stays on a draining backend";
  std::set<uint16_t> picked;
  for (uint16_t p = 10000; p < 12000; p++) picked.insert(SendGet(Syn(p)));
  EXPECT_EQ(picked.count(2), 0u) << "a new flow picked the draining backend";
  EXPECT_EQ(picked.size(), 3u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_REHASHED), 0u);
}

TEST_F(PipelineFlowsTest, FlowOnADownBackendIsRehashedAndCounted) {
  const uint16_t port = PortOnBackend(2);
  ASSERT_EQ(SendGet(Syn(port)), 2);
  spec_.vips[kVipTcp4].backends[1].state = DSRLB_BACKEND_DOWN;
  ASSERT_TRUE(env_.Publish(spec_).ok());
  const uint16_t now_on = SendGet(Syn(port));
  EXPECT_NE(now_on, 2);
  EXPECT_EQ(now_on, Ring(port));
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_REHASHED), 1u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_MISS), 2u);
  // ... and then sticks to its new backend.
  EXPECT_EQ(SendGet(Syn(port)), now_on);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_HIT), 1u);
}

TEST_F(PipelineFlowsTest,
       EntryIsNotHonouredWhenItsRecordNowNamesAnotherServer) {
  const uint16_t port = PortOnBackend(1);
  ASSERT_EQ(SendGet(Syn(port)), 1);
  const IpAddress old_server = spec_.vips[kVipTcp4].backends[0].address;
  // Record 1 is now a different server (the list changed order).
  std::swap(spec_.vips[kVipTcp4].backends[0], spec_.vips[kVipTcp4].backends[3]);
  ASSERT_TRUE(env_.Publish(spec_).ok());
  const uint16_t b = SendGet(Syn(port));
  EXPECT_EQ(b, Ring(port));
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_REHASHED), 1u);
  // Maglev keys on the address: the same server (now record 4) still wins.
  EXPECT_EQ(
      std::memcmp(env_.table()->backends[b].addr, old_server.bytes.data(), 16),
      0);
}

TEST_F(PipelineFlowsTest, RecordOfTheSameServerUnderAnotherVipIsNotFollowed) {
  // The same real servers also serve udp/53; after a reorder, record 1 is
  // server A of the udp VIP: same address, wrong VIP.
  const uint16_t port = PortOnBackend(1);
  ASSERT_EQ(SendGet(Syn(port)), 1);
  spec_.vips[kVipUdp4].backends = spec_.vips[kVipTcp4].backends;
  for (auto& be : spec_.vips[kVipUdp4].backends) be.mac[5] = 0x55;
  std::swap(spec_.vips[kVipTcp4], spec_.vips[kVipUdp4]);
  ASSERT_TRUE(env_.Publish(spec_).ok());
  ASSERT_EQ(env_.table()->FindVip(4, kVip.bytes.data(), kTcp, 80), 1);
  ASSERT_EQ(std::memcmp(env_.table()->backends[1].addr,
                        spec_.vips[0].backends[0].address.bytes.data(), 16),
            0);
  const uint16_t b = SendGet(Syn(port));
  ASSERT_NE(b, 0);
  EXPECT_EQ(env_.table()->backends[b].vip, 1);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_REHASHED), 1u);
}

TEST_F(PipelineFlowsTest, IdleFlowsExpireAfterTheTablesTimeouts) {
  const uint64_t t0 = 1000 * kSecond;
  ASSERT_NE(SendGet(Syn(3000), t0), 0);
  ASSERT_NE(SendGet(Syn(3001, kVip, kUdp), t0), 0);
  // tcp_timeout_s = 10, udp_timeout_s = 5 (DefaultSpec).
  SendGet(Syn(3000), t0 + 9 * kSecond);
  SendGet(Syn(3001, kVip, kUdp), t0 + 4 * kSecond);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_HIT), 2u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_EXPIRED), 0u);
  // Idle for longer than each timeout since the last packet.
  SendGet(Syn(3000), t0 + 20 * kSecond);
  SendGet(Syn(3001, kVip, kUdp), t0 + 10 * kSecond);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_EXPIRED), 2u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_HIT), 2u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_MISS), 4u);
}

TEST_F(PipelineFlowsTest, ChangedTimeoutAppliesToEstablishedFlows) {
  const uint64_t t0 = 1000 * kSecond;
  ASSERT_NE(SendGet(Syn(3000), t0), 0);
  spec_.tcp_timeout_s = 100;  // was 10
  ASSERT_TRUE(env_.Publish(spec_).ok());
  SendGet(Syn(3000), t0 + 5 * kSecond);
  SendGet(Syn(3000), t0 + 55 * kSecond);  // 50 s idle: fine under 100 s
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_HIT), 2u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_EXPIRED), 0u);
}

TEST_F(PipelineFlowsTest, FullTableEvictsTheLeastRecentlyUsedFlow) {
  PipelineEnv env(FlowTable::kWays);  // one bucket of 8
  ASSERT_TRUE(env.Publish(spec_).ok());
  auto send = [&](uint16_t p, uint64_t t) {
    Bytes f = Syn(p);
    return env.Send(f, t);
  };
  for (uint16_t p = 0; p < 8; p++) send(4000 + p, kSecond + p * kSecond / 100);
  for (uint16_t p = 0; p < 8; p++)
    if (p != 3) send(4000 + p, 2 * kSecond);
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_HIT), 7u);
  send(4100, 3 * kSecond);  // the ninth flow
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_EVICTED), 1u);
  send(4003, 3 * kSecond);  // the evicted one comes back as a miss...
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_HIT), 7u);
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_EVICTED),
            2u);  // ...evicting the next oldest
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_MISS), 10u);
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_EXPIRED), 0u);
  EXPECT_EQ(env.counter(DSRLB_CTR_FORWARDED), 17u);
}

TEST_F(PipelineFlowsTest, PersistentVipSendsAClientsFlowsToOneBackend) {
  std::set<uint16_t> seen;
  for (uint16_t p = 100; p < 140; p++)
    seen.insert(SendGet(Syn(p, kPersistVip)));
  EXPECT_EQ(seen.size(), 1u);
  const uint16_t b = *seen.begin();
  EXPECT_EQ(b, env_.RingBackend(kVipPersist, kClient, kPersistVip, 1, 2, kTcp))
      << "the source address alone picks the backend";
  // New flows from other clients spread over the backends.
  std::set<uint16_t> others;
  for (int c = 1; c < 60; c++) {
    std::string a = "198.18.0." + std::to_string(c);
    others.insert(SendGet(Syn(1000, kPersistVip, kTcp, Ip(a.c_str()))));
  }
  EXPECT_EQ(others.size(), 4u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_PERSIST_HIT), 39u);
}

TEST_F(PipelineFlowsTest, AffinityOutlivesARingChangeUntilItsTimeout) {
  const uint64_t t0 = 100 * kSecond;
  const uint16_t b = SendGet(Syn(100, kPersistVip), t0);
  ASSERT_NE(b, 0);
  // Find a ring change that moves this client: add backends until it moves.
  int added = 0;
  while (env_.RingBackend(kVipPersist, kClient, kPersistVip, 0, 0, kTcp) == b &&
         added < 20) {
    tables::BackendSpec extra = spec_.vips[kVipPersist].backends[0];
    extra.address.bytes[3] = static_cast<uint8_t>(100 + added);
    extra.mac[4] = static_cast<uint8_t>(100 + added++);
    spec_.vips[kVipPersist].backends.push_back(extra);
    ASSERT_TRUE(env_.Publish(spec_).ok());
  }
  const uint16_t ring_now =
      env_.RingBackend(kVipPersist, kClient, kPersistVip, 0, 0, kTcp);
  ASSERT_NE(ring_now, b) << "no ring change moved the client";
  // A new connection within the persistence timeout (300 s) keeps affinity.
  EXPECT_EQ(SendGet(Syn(101, kPersistVip), t0 + 200 * kSecond), b);
  EXPECT_EQ(env_.counter(DSRLB_CTR_PERSIST_HIT), 1u);
  // After 300 s without packets, a new connection follows the ring.
  EXPECT_EQ(SendGet(Syn(102, kPersistVip), t0 + 501 * kSecond), ring_now);
}

TEST_F(PipelineFlowsTest, ActiveConnectionKeepsItsClientsAffinityAlive) {
  spec_.tcp_timeout_s = 1000;  // connection A never idles out below
  ASSERT_TRUE(env_.Publish(spec_).ok());
  const uint64_t t0 = 100 * kSecond;
  const uint16_t b = SendGet(Syn(100, kPersistVip), t0);
  ASSERT_NE(b, 0);
  int added = 0;
  while (env_.RingBackend(kVipPersist, kClient, kPersistVip, 0, 0, kTcp) == b &&
         added < 20) {
    tables::BackendSpec extra = spec_.vips[kVipPersist].backends[0];
    extra.address.bytes[3] = static_cast<uint8_t>(100 + added);
    extra.mac[4] = static_cast<uint8_t>(100 + added++);
    spec_.vips[kVipPersist].backends.push_back(extra);
    ASSERT_TRUE(env_.Publish(spec_).ok());
  }
  ASSERT_NE(env_.RingBackend(kVipPersist, kClient, kPersistVip, 0, 0, kTcp), b);
  // Connection A talks every 100 s, past the 300 s persistence timeout.
  for (int s = 100; s <= 400; s += 100)
    EXPECT_EQ(SendGet(Syn(100, kPersistVip), t0 + s * kSecond), b);
  EXPECT_EQ(SendGet(Syn(101, kPersistVip), t0 + 450 * kSecond), b)
      << "a new connection while A is active keeps the client's backend";
}

TEST_F(PipelineFlowsTest, AffinityToADrainingBackendDoesNotTakeNewFlows) {
  const uint16_t b = SendGet(Syn(100, kPersistVip));
  ASSERT_NE(b, 0);
  // Records are numbered in spec order: find the first of this VIP's.
  uint16_t first = 1;
  while (env_.table()->backends[first].vip != kVipPersist) first++;
  spec_.vips[kVipPersist].backends[b - first].state = DSRLB_BACKEND_DRAINING;
  ASSERT_TRUE(env_.Publish(spec_).ok());
  EXPECT_EQ(SendGet(Syn(100, kPersistVip)), b) << "existing connection stays";
  EXPECT_NE(SendGet(Syn(101, kPersistVip)), b) << "new connection moves";
  EXPECT_EQ(env_.counter(DSRLB_CTR_PERSIST_HIT), 0u);
}

TEST_F(PipelineFlowsTest, IcmpErrorFollowsAPinnedFlowNotTheNewRing) {
  std::vector<uint16_t> before;
  for (uint16_t p = 2000; p < 2100; p++) before.push_back(SendGet(Syn(p)));
  spec_.vips[kVipTcp4] = MakeVip("10.0.0.1", kTcp, 80, 0, 5);
  ASSERT_TRUE(env_.Publish(spec_).ok());
  int checked = 0;
  for (uint16_t p = 2000; p < 2100; p++) {
    if (Ring(p) == before[p - 2000]) continue;
    Bytes icmp = Ether(
        0x0800,
        Ipv4(Ip("198.51.100.1"), kVip, 1,
             Icmp(3, 4, Prefix(Ipv4(kVip, kClient, kTcp, Tcp(80, p)), 28))));
    EXPECT_EQ(SendGet(icmp), before[p - 2000]);
    checked++;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace dsrlb::dataplane::test
