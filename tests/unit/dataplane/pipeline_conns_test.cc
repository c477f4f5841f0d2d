// Connections as the pipeline counts them per backend (ActiveConn,
// InActConn, Conns): client packet sequences against the INPUT-ONLY rows of
// LVS's TCP state table (net/netfilter/ipvs/ip_vs_proto_tcp.c), which is
// what LVS-DR counts by; then expiry, the sweep, re-hashing, eviction,
// affinity entries and the hit path.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/dataplane/pipeline_env.h"

namespace dsrlb::dataplane::test {
namespace {

const IpAddress kClient = Ip("192.0.2.10");
const IpAddress kClient6 = Ip("2001:db8:ff::10");
const IpAddress kVip = Ip("10.0.0.1");
constexpr uint8_t kTcp = 6, kUdp = 17;
constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

// A client packet of flow `sport` to 10.0.0.1:80 (or VIP `vip`, or over
// IPv6 to [2001:db8::1]:443) with these TCP flags.
Bytes TcpFrame(uint16_t sport, uint8_t flags, const IpAddress& vip = kVip) {
  Bytes f = Ether(0x0800, Ipv4(kClient, vip, kTcp, Tcp(sport, 80, 10)));
  f[14 + 20 + 13] = flags;
  return f;
}
Bytes Tcp6Frame(uint16_t sport, uint8_t flags) {
  Bytes f =
      Ether(0x86dd, Ipv6(kClient6, Ip("2001:db8::1"), kTcp, Tcp(sport, 443)));
  f[14 + 40 + 13] = flags;
  return f;
}

struct Conns {
  uint64_t active = 0, inactive = 0, new_conns = 0;
  bool operator==(const Conns& o) const {
    return active == o.active && inactive == o.inactive &&
           new_conns == o.new_conns;
  }
};
std::ostream& operator<<(std::ostream& os, const Conns& c) {
  return os << "{active " << c.active << ", inactive " << c.inactive << ", new "
            << c.new_conns << "}";
}

// One client packet and the counts ipvsadm would show after it: LVS-DR's
// INPUT-ONLY transitions (syn: sNO->sSR, sES->sES, sFW/sTW/sCL->sSR; fin:
// sNO->sCL, sES->sFW, sSR->sTW; ack: sNO->sES, sSR->sES; rst: sNO/sES/sFW->
// sCL, sSR->sSR; RST ranks over SYN over FIN over ACK), active = sES.
struct Step {
  uint8_t flags;
  Conns after;
};
struct Sequence {
  const char* description;
  std::vector<Step> steps;
};

const std::vector<Sequence>& Sequences() {
  static const std::vector<Sequence> kSequences = {
      {"handshake, data, the client closes",
       {{SYN, {0, 1, 1}},
        {ACK, {1, 0, 1}},
        {PSH | ACK, {1, 0, 1}},
        {FIN | ACK, {0, 1, 1}},
        {ACK, {0, 1, 1}}}},
      {"SYN retransmitted, then established",
       {{SYN, {0, 1, 1}}, {SYN, {0, 1, 1}}, {ACK, {1, 0, 1}}}},
      {"reset while established",
       {{SYN, {0, 1, 1}}, {ACK, {1, 0, 1}}, {RST | ACK, {0, 1, 1}}}},
      {"RST in SYN_RECV leaves it there; the ACK establishes",
       {{SYN, {0, 1, 1}}, {RST, {0, 1, 1}}, {ACK, {1, 0, 1}}}},
      {"picked up mid-stream (a failover): active, not a new connection",
       {{ACK, {1, 0, 0}}, {PSH | ACK, {1, 0, 0}}, {FIN | ACK, {0, 1, 0}}}},
      {"FIN first closes; later ACKs stay closed",
       {{FIN | ACK, {0, 1, 0}}, {ACK, {0, 1, 0}}}},
      {"the client reuses its port after closing: a new connection",
       {{SYN, {0, 1, 1}},
        {ACK, {1, 0, 1}},
        {FIN | ACK, {0, 1, 1}},
        {SYN, {0, 1, 2}},
        {ACK, {1, 0, 2}}}},
      {"no flags at all changes nothing; an ACK then establishes",
       {{0, {0, 1, 0}}, {0, {0, 1, 0}}, {ACK, {1, 0, 0}}}},
  };
  return kSequences;
}

class PipelineConnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = DefaultSpec();
    ASSERT_TRUE(env_.Publish(spec_).ok());
  }
  // Summed over every backend.
  Conns Total() const {
    Conns c;
    for (uint32_t b = 0; b < PipelineEnv::kMaxBackends; b++) {
      c.active += env_.conn_stats(static_cast<int>(b)).active;
      c.inactive += env_.conn_stats(static_cast<int>(b)).inactive;
      c.new_conns += env_.conn_stats(static_cast<int>(b)).new_conns;
    }
    return c;
  }
  Conns Of(uint16_t backend) const {
    const dsrlb_conn_counts& c = env_.conn_stats(backend);
    return {c.active, c.inactive, c.new_conns};
  }
  // Sends `frame`; returns the backend it went to (0: not forwarded).
  uint16_t SendGet(Bytes frame, uint64_t now = kSecond) {
    return env_.Send(frame, now) == Verdict::kForward ? env_.BackendOf(frame)
                                                      : 0;
  }
  void SweepAll(uint64_t now) {
    env_.pipeline().Sweep(now, env_.flows().capacity() / FlowTable::kWays);
  }

  PipelineEnv env_;
  tables::TableSpec spec_;
};

Conns Minus(const Conns& a, const Conns& b) {
  return {a.active - b.active, a.inactive - b.inactive,
          a.new_conns - b.new_conns};
}

TEST_F(PipelineConnsTest, PacketSequencesCountAsLvsDrDoes) {
  uint16_t sport = 3000;
  for (const Sequence& seq : Sequences()) {
    SCOPED_TRACE(seq.description);
    sport++;
    const uint16_t backend =
        env_.RingBackend(kVipTcp4, kClient, kVip, sport, 80, kTcp);
    const Conns total_before = Total(), backend_before = Of(backend);
    for (size_t i = 0; i < seq.steps.size(); i++) {
      ASSERT_EQ(SendGet(TcpFrame(sport, seq.steps[i].flags)), backend)
          << "step " << i;
      // Counted on the backend the packets went to, and nowhere else.
      EXPECT_EQ(Minus(Of(backend), backend_before), seq.steps[i].after)
          << "step " << i;
      EXPECT_EQ(Minus(Total(), total_before), seq.steps[i].after)
          << "step " << i;
    }
  }
}

TEST_F(PipelineConnsTest, CountsLandOnTheBackendThatCarriesTheFlow) {
  const uint16_t b = SendGet(TcpFrame(4000, SYN));
  ASSERT_NE(b, 0);
  EXPECT_EQ(Of(b), (Conns{0, 1, 1}));
  EXPECT_EQ(SendGet(TcpFrame(4000, ACK)), b);
  EXPECT_EQ(Of(b), (Conns{1, 0, 1}));
  EXPECT_EQ(Total(), (Conns{1, 0, 1}));
}

// The same sequences in one burst each: established flows' ACKs take the
// hit path, which must still hand FIN / RST / SYN to the state machine.
TEST_F(PipelineConnsTest, OneBurstPerSequenceCountsTheSame) {
  uint16_t sport = 5000;
  Conns before;
  for (const Sequence& seq : Sequences()) {
    SCOPED_TRACE(seq.description);
    sport++;
    std::vector<Bytes> frames;
    for (const Step& s : seq.steps) frames.push_back(TcpFrame(sport, s.flags));
    std::vector<uint8_t*> ptrs;
    std::vector<uint32_t> lens;
    for (Bytes& f : frames) {
      ptrs.push_back(f.data());
      lens.push_back(static_cast<uint32_t>(f.size()));
    }
    std::vector<Verdict> verdicts(frames.size());
    env_.pipeline().ProcessBurst(env_.table(), ptrs.data(), lens.data(),
                                 static_cast<uint32_t>(frames.size()), kSecond,
                                 verdicts.data());
    for (Verdict v : verdicts) ASSERT_EQ(v, Verdict::kForward);
    EXPECT_EQ(Minus(Total(), before), seq.steps.back().after);
    before = Total();
  }
}

TEST_F(PipelineConnsTest, FinAfterManyHitsLeavesTheActiveCount) {
  const uint16_t b = SendGet(TcpFrame(4100, SYN));
  for (int i = 0; i < 50; i++) ASSERT_EQ(SendGet(TcpFrame(4100, ACK)), b);
  EXPECT_EQ(Of(b), (Conns{1, 0, 1}));
  EXPECT_GE(env_.counter(DSRLB_CTR_FLOW_HIT), 50u);
  SendGet(TcpFrame(4100, FIN | ACK));
  EXPECT_EQ(Of(b), (Conns{0, 1, 1}));
}

TEST_F(PipelineConnsTest, UdpFlowsAreNewAndInactive) {
  Bytes f = Ether(0x0800, Ipv4(kClient, kVip, kUdp, Udp(7000, 53, 4)));
  Bytes g = f;
  ASSERT_NE(SendGet(f), 0);
  ASSERT_NE(SendGet(g), 0);
  EXPECT_EQ(Total(), (Conns{0, 1, 1}));
}

TEST_F(PipelineConnsTest, Ipv6FlowsAreTrackedToo) {
  ASSERT_NE(SendGet(Tcp6Frame(7100, SYN)), 0);
  ASSERT_NE(SendGet(Tcp6Frame(7100, ACK)), 0);
  EXPECT_EQ(Total(), (Conns{1, 0, 1}));
  ASSERT_NE(SendGet(Tcp6Frame(7100, FIN | ACK)), 0);
  EXPECT_EQ(Total(), (Conns{0, 1, 1}));
}

TEST_F(PipelineConnsTest, TheSweepRemovesIdleFlowsFromTheCounts) {
  // DefaultSpec: tcp_timeout_s 10.
  SendGet(TcpFrame(4200, SYN));
  SendGet(TcpFrame(4200, ACK));
  SweepAll(6 * kSecond);
  EXPECT_EQ(Total(), (Conns{1, 0, 1})) << "idle 5 s of 10: stays";
  SweepAll(12 * kSecond);
  EXPECT_EQ(Total(), (Conns{0, 0, 1})) << "idle 11 s of 10: gone";
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_EXPIRED), 1u);
  EXPECT_EQ(env_.flows().live(), 0u);
}

TEST_F(PipelineConnsTest, ClosingStatesExpireSoonerThanEstablished) {
  // LVS: FIN_WAIT 120 s, CLOSE 10 s, ESTABLISHED the table's (900 s here).
  spec_.tcp_timeout_s = 900;
  ASSERT_TRUE(env_.Publish(spec_).ok());
  for (uint16_t p : {4300, 4301, 4302}) {
    SendGet(TcpFrame(p, SYN));
    SendGet(TcpFrame(p, ACK));
  }
  SendGet(TcpFrame(4301, FIN | ACK));  // FIN_WAIT
  SendGet(TcpFrame(4302, RST));        // CLOSE
  EXPECT_EQ(Total(), (Conns{1, 2, 3}));
  SweepAll(kSecond + 12 * kSecond);
  EXPECT_EQ(Total(), (Conns{1, 1, 3})) << "CLOSE gone after 10 s";
  SweepAll(kSecond + 122 * kSecond);
  EXPECT_EQ(Total(), (Conns{1, 0, 3})) << "FIN_WAIT gone after 120 s";
  SweepAll(kSecond + 800 * kSecond);
  EXPECT_EQ(Total(), (Conns{1, 0, 3})) << "ESTABLISHED stays 900 s";
}

TEST_F(PipelineConnsTest, AFlowExpiredOnLookupIsUncountedOnce) {
  SendGet(TcpFrame(4400, SYN));
  SendGet(TcpFrame(4400, ACK));
  // Idle past 10 s, then a packet: the old entry goes, a new one (picked
  // up mid-stream) takes its place.
  SendGet(TcpFrame(4400, ACK), 20 * kSecond);
  EXPECT_EQ(Total(), (Conns{1, 0, 1}));
}

TEST_F(PipelineConnsTest, ARehashedFlowMovesItsCount) {
  const uint16_t b = SendGet(TcpFrame(4500, SYN));
  SendGet(TcpFrame(4500, ACK));
  ASSERT_EQ(Of(b), (Conns{1, 0, 1}));
  // That backend goes down: the flow is re-hashed on its next packet.
  for (tables::BackendSpec& be : spec_.vips[kVipTcp4].backends)
    if (be.mac[3] == env_.MacOf(b)[3]) be.state = DSRLB_BACKEND_DOWN;
  ASSERT_TRUE(env_.Publish(spec_).ok());
  const uint16_t moved = SendGet(TcpFrame(4500, ACK));
  ASSERT_NE(moved, 0);
  ASSERT_NE(moved, b);
  EXPECT_EQ(Of(b), (Conns{0, 0, 1}));
  EXPECT_EQ(Of(moved), (Conns{1, 0, 0}));
}

TEST(PipelineConnsEvictionTest, EvictedFlowsLeaveTheCounts) {
  PipelineEnv env(8);  // one bucket of 8 ways
  ASSERT_TRUE(env.Publish(DefaultSpec()).ok());
  for (uint16_t p = 0; p < 20; p++) {
    Bytes f = TcpFrame(static_cast<uint16_t>(6000 + p), SYN);
    ASSERT_EQ(env.Send(f), Verdict::kForward);
  }
  uint64_t counted = 0, created = 0;
  for (uint32_t b = 0; b < PipelineEnv::kMaxBackends; b++) {
    counted += env.conn_stats(static_cast<int>(b)).inactive +
               env.conn_stats(static_cast<int>(b)).active;
    created += env.conn_stats(static_cast<int>(b)).new_conns;
  }
  EXPECT_EQ(counted, env.flows().live());
  EXPECT_EQ(counted, 8u);
  EXPECT_EQ(created, 20u);
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_EVICTED), 12u);
}

TEST_F(PipelineConnsTest, AffinityEntriesAreNoConnections) {
  const IpAddress persist_vip = Ip("10.0.0.5");
  ASSERT_NE(SendGet(TcpFrame(4600, SYN, persist_vip)), 0);
  ASSERT_NE(SendGet(TcpFrame(4600, ACK, persist_vip)), 0);
  EXPECT_EQ(env_.flows().live(), 2u) << "the flow and its client's affinity";
  EXPECT_EQ(Total(), (Conns{1, 0, 1}));
}

TEST(ConnStateTest, FirstStateTableIsTheStateMachineFromNone) {
  for (int flags = 0; flags < 256; flags++)
    EXPECT_EQ(FirstTcpState(static_cast<uint8_t>(flags)),
              NextTcpState(kTcpNone, static_cast<uint8_t>(flags)))
        << "flags 0x" << std::hex << flags;
}

}  // namespace
}  // namespace dsrlb::dataplane::test
