// Table-driven packet fixtures {description, input, verdict, output}: every
// parse branch of the pipeline, against a real Maglev table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/dataplane/pipeline_env.h"

namespace dsrlb::dataplane::test {
namespace {

struct Counted {
  bool drop;
  int index;
};
Counted Forwarded() { return {false, DSRLB_CTR_FORWARDED}; }
Counted Excepted() { return {false, DSRLB_CTR_EXCEPTION}; }
Counted Dropped(dsrlb_drop d) { return {true, d}; }

struct Case {
  std::string description;
  Bytes input;
  Verdict verdict;
  Bytes output;     // the frame after Process
  Counted counted;  // the one verdict counter that must move by one
};

const IpAddress kClient = Ip("192.0.2.10");
const IpAddress kClient6 = Ip("2001:db8:ff::10");
const IpAddress kVip = Ip("10.0.0.1");
const IpAddress kVip6 = Ip("2001:db8::1");
constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmp6 = 58;

class PipelinePacketsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_.Publish(DefaultSpec()).ok()); }

  // `frame` forwarded to the ring's backend for the client->VIP tuple.
  Case Fwd(std::string description, Bytes frame, int vip, const IpAddress& src,
           const IpAddress& dst, uint16_t sport, uint16_t dport,
           uint8_t proto) {
    uint16_t b = env_.RingBackend(vip, src, dst, sport, dport, proto);
    EXPECT_NE(b, 0) << description;
    Bytes out = Rewritten(frame, env_.MacOf(b), kTableMac);
    return {std::move(description), std::move(frame), Verdict::kForward,
            std::move(out), Forwarded()};
  }
  static Case Same(std::string description, Bytes frame, Verdict v, Counted c) {
    Bytes out = frame;
    return {std::move(description), std::move(frame), v, std::move(out), c};
  }

  // The fixture rows: a table of data, not steps.
  // NOLINTNEXTLINE(readability-function-size)
  std::vector<Case> Cases() {
    const Bytes tcp4 = Ipv4(kClient, kVip, kTcp, Tcp(40000, 80, 10));
    const Bytes tcp6 = Ipv6(kClient6, kVip6, kTcp, Tcp(40001, 443));
    // The backend's reply as a router quotes it: VIP -> client.
    const Bytes reply4 = Ipv4(kVip, kClient, kTcp, Tcp(80, 40000, 1400));
    const Bytes reply6 = Ipv6(kVip6, kClient6, kTcp, Tcp(443, 40001, 1400));
    const Ipv4Options first_frag{0x2000, {}, 0, 0};
    const Ipv4Options later_frag{0x0010, {}, 0, 0};
    Bytes too_many_ext;
    for (int i = 0; i < kMaxIpv6ExtensionHeaders; i++)
      too_many_ext = Cat({too_many_ext, Ipv6Ext(60)});
    too_many_ext = Cat({too_many_ext, Ipv6Ext(kTcp), Tcp(1, 443)});
    too_many_ext[0] = 60;

    return {
        Fwd("ipv4 tcp to a vip", Ether(0x0800, tcp4), kVipTcp4, kClient, kVip,
            40000, 80, kTcp),
        Fwd("ipv4 udp to a vip",
            Ether(0x0800, Ipv4(kClient, kVip, kUdp, Udp(5353, 53, 20))),
            kVipUdp4, kClient, kVip, 5353, 53, kUdp),
        Fwd("802.1Q tagged", Ether(0x0800, tcp4, {0x8100}), kVipTcp4, kClient,
            kVip, 40000, 80, kTcp),
        Fwd("802.1ad + 802.1Q (QinQ)", Ether(0x0800, tcp4, {0x88a8, 0x8100}),
            kVipTcp4, kClient, kVip, 40000, 80, kTcp),
        Same("three vlan tags: not ours",
             Ether(0x0800, tcp4, {0x88a8, 0x8100, 0x8100}), Verdict::kException,
             Excepted()),
        Fwd("ipv4 with options (ihl 8)",
            Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(40002, 80),
                               {0x4000, Bytes(12, 1), 0, 0})),
            kVipTcp4, kClient, kVip, 40002, 80, kTcp),
        Fwd("ethernet padding after the ip packet is kept",
            Cat({Ether(0x0800, Ipv4(kClient, kVip, kUdp, Udp(7, 53))),
                 Bytes(18, 0)}),
            kVipUdp4, kClient, kVip, 7, 53, kUdp),
        Same("ipv4 first fragment",
             Ether(0x0800,
                   Ipv4(kClient, kVip, kUdp, Udp(7, 53, 100), first_frag)),
             Verdict::kDrop, Dropped(DSRLB_DROP_FRAGMENT)),
        Same("ipv4 non-first fragment",
             Ether(0x0800, Ipv4(kClient, kVip, kUdp, Bytes(64, 9), later_frag)),
             Verdict::kDrop, Dropped(DSRLB_DROP_FRAGMENT)),
        Same(
            "fragmented ping to the host",
            Ether(0x0800, Ipv4(kClient, kVip, kIcmp, Bytes(64, 8), first_frag)),
            Verdict::kException, Excepted()),
        Fwd("ipv6 tcp to a vip", Ether(0x86dd, tcp6), kVipTcp6, kClient6, kVip6,
            40001, 443, kTcp),
        Fwd("ipv6 udp to a vip",
            Ether(0x86dd,
                  Ipv6(kClient6, Ip("2001:db8::2"), kUdp, Udp(9, 53, 3))),
            kVipUdp6, kClient6, Ip("2001:db8::2"), 9, 53, kUdp),
        Fwd("ipv6 hop-by-hop, routing, destination options",
            Ether(0x86dd, Ipv6(kClient6, kVip6, 0,
                               Cat({Ipv6Ext(43), Ipv6Ext(60, 1),
                                    Ipv6Ext(kTcp, 2), Tcp(40003, 443)}))),
            kVipTcp6, kClient6, kVip6, 40003, 443, kTcp),
        Fwd("ipv6 atomic fragment is a whole datagram",
            Ether(0x86dd,
                  Ipv6(kClient6, kVip6, 44,
                       Cat({Ipv6Frag(kTcp, 0, false), Tcp(40004, 443)}))),
            kVipTcp6, kClient6, kVip6, 40004, 443, kTcp),
        Same("ipv6 first fragment",
             Ether(0x86dd, Ipv6(kClient6, kVip6, 0,
                                Cat({Ipv6Ext(44), Ipv6Frag(kTcp, 0, true),
                                     Tcp(1, 443)}))),
             Verdict::kDrop, Dropped(DSRLB_DROP_FRAGMENT)),
        Same("ipv6 non-first fragment without l4 header",
             Ether(0x86dd,
                   Ipv6(kClient6, kVip6, 44,
                        Cat({Ipv6Frag(kUdp, 100, false), Bytes(16, 5)}))),
             Verdict::kDrop, Dropped(DSRLB_DROP_FRAGMENT)),
        Same("ipv6 extension chain too long",
             Ether(0x86dd, Ipv6(kClient6, kVip6, 0, too_many_ext)),
             Verdict::kDrop, Dropped(DSRLB_DROP_UNSUPPORTED_L4)),
        Same("ipv6 extension header past the payload",
             Ether(0x86dd,
                   Ipv6(kClient6, kVip6, 0, Prefix(Ipv6Ext(kTcp, 1), 12))),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Fwd("icmp frag-needed about a vip's reply goes to the flow's backend",
            Ether(0x0800, Ipv4(Ip("198.51.100.1"), kVip, kIcmp,
                               Icmp(3, 4, Prefix(reply4, 28)))),
            kVipTcp4, kClient, kVip, 40000, 80, kTcp),
        Fwd("icmpv6 packet-too-big about a vip's reply goes to the flow's "
            "backend",
            Ether(0x86dd, Ipv6(Ip("2001:db8:ee::1"), kVip6, kIcmp6,
                               Icmp6PacketTooBig(Prefix(reply6, 48)))),
            kVipTcp6, kClient6, kVip6, 40001, 443, kTcp),
        Same("icmp frag-needed about the host's own traffic",
             Ether(0x0800, Ipv4(Ip("198.51.100.1"), Ip("10.0.0.9"), kIcmp,
                                Icmp(3, 4,
                                     Prefix(Ipv4(Ip("10.0.0.9"), kClient, kTcp,
                                                 Tcp(22, 5000)),
                                            28)))),
             Verdict::kException, Excepted()),
        Same("icmp frag-needed quoting too little",
             Ether(0x0800, Ipv4(Ip("198.51.100.1"), kVip, kIcmp,
                                Icmp(3, 4, Prefix(reply4, 22)))),
             Verdict::kDrop, Dropped(DSRLB_DROP_ICMP_UNMATCHED)),
        Same("icmpv6 packet-too-big quoting garbage",
             Ether(0x86dd, Ipv6(Ip("2001:db8:ee::1"), kVip6, kIcmp6,
                                Icmp6PacketTooBig(Bytes(48, 0x11)))),
             Verdict::kDrop, Dropped(DSRLB_DROP_ICMP_UNMATCHED)),
        Same(
            "ping to a vip address is the host's",
            Ether(0x0800, Ipv4(kClient, kVip, kIcmp, Icmp(8, 0, Bytes(16, 0)))),
            Verdict::kException, Excepted()),
        Same("ipv6 neighbour solicitation",
             Ether(0x86dd, Ipv6(kClient6, kVip6, kIcmp6,
                                Bytes{135, 0, 0, 0, 0, 0, 0, 0})),
             Verdict::kException, Excepted()),
        Same("arp", Arp(), Verdict::kException, Excepted()),
        Same("ipv4 to an address that is no vip",
             Ether(0x0800, Ipv4(kClient, Ip("10.0.0.99"), kTcp, Tcp(1, 80))),
             Verdict::kException, Excepted()),
        Same("vip address, port without a vip",
             Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 22))),
             Verdict::kException, Excepted()),
        Fwd("all-ports vip takes any port",
            Ether(0x0800, Ipv4(kClient, Ip("10.0.0.2"), kTcp, Tcp(1234, 8443))),
            kVipAllPorts, kClient, Ip("10.0.0.2"), 1234, 8443, kTcp),
        Same("vip of which this host is backup",
             Ether(0x0800, Ipv4(kClient, Ip("10.0.0.3"), kTcp, Tcp(1, 80))),
             Verdict::kDrop, Dropped(DSRLB_DROP_VIP_INACTIVE)),
        Same("vip with every backend down",
             Ether(0x0800, Ipv4(kClient, Ip("10.0.0.4"), kTcp, Tcp(1, 80))),
             Verdict::kDrop, Dropped(DSRLB_DROP_NO_BACKEND)),
        Same("empty frame", Bytes{}, Verdict::kDrop,
             Dropped(DSRLB_DROP_TRUNCATED)),
        Same("runt ethernet", Prefix(Ether(0x0800, tcp4), 13), Verdict::kDrop,
             Dropped(DSRLB_DROP_TRUNCATED)),
        Same("vlan tag cut", Prefix(Ether(0x0800, tcp4, {0x8100}), 15),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("ipv4 header cut", Prefix(Ether(0x0800, tcp4), 14 + 19),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("ipv4 total length past the frame",
             Ether(0x0800,
                   Ipv4(kClient, kVip, kTcp, Tcp(1, 80), {0x4000, {}, 1, 0})),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("tcp header cut",
             Ether(0x0800, Ipv4(kClient, kVip, kTcp, Prefix(Tcp(1, 80), 19))),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("udp header cut",
             Ether(0x0800, Ipv4(kClient, kVip, kUdp, Prefix(Udp(1, 53), 7))),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("ipv6 header cut", Prefix(Ether(0x86dd, tcp6), 14 + 39),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("ipv6 payload length past the frame",
             Ether(0x86dd, Ipv6(kClient6, kVip6, kTcp, Tcp(1, 443), 1)),
             Verdict::kDrop, Dropped(DSRLB_DROP_TRUNCATED)),
        Same("ipv4 header says version 5",
             Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80),
                                {0x4000, {}, 0, 0x55})),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_IPV4)),
        Same("ipv4 ihl below 5",
             Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80),
                                {0x4000, {}, 0, 0x44})),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_IPV4)),
        Same("ipv4 total length below its header",
             Ether(0x0800,
                   Ipv4(kClient, kVip, kTcp, Tcp(1, 80), {0x4000, {}, -21, 0})),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_IPV4)),
        Same("ipv6 header says version 4",
             Ether(0x86dd, Ipv6(kClient6, kVip6, kTcp, Tcp(1, 443), 0, 4)),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_IPV6)),
        Same("tcp data offset below 5",
             Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80, 0, 2))),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_L4)),
        Same("tcp data offset past the packet",
             Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80, 0, 15))),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_L4)),
        Same("udp length past the packet",
             Ether(0x0800, Ipv4(kClient, kVip, kUdp, Udp(1, 53, 4, 1))),
             Verdict::kDrop, Dropped(DSRLB_DROP_BAD_L4)),
    };
  }

  PipelineEnv env_;
};

TEST_F(PipelinePacketsTest, EveryFixtureGetsItsVerdictOutputAndOneCounter) {
  for (const Case& c : Cases()) {
    PipelineEnv env;  // fresh flow table and counters per fixture
    ASSERT_TRUE(env.Publish(DefaultSpec()).ok());
    Bytes frame = c.input;
    Verdict v = env.Send(frame);
    EXPECT_EQ(static_cast<int>(v), static_cast<int>(c.verdict))
        << c.description;
    EXPECT_EQ(frame, c.output) << c.description;
    uint64_t moved =
        c.counted.drop
            ? env.drop(static_cast<dsrlb_drop>(c.counted.index))
            : env.counter(static_cast<dsrlb_counter>(c.counted.index));
    EXPECT_EQ(moved, 1u) << c.description;
    uint64_t verdict_counters = env.counter(DSRLB_CTR_FORWARDED) +
                                env.counter(DSRLB_CTR_EXCEPTION) +
                                env.total_drops();
    EXPECT_EQ(verdict_counters, 1u)
        << c.description << ": exactly one verdict counter";
  }
}

TEST_F(PipelinePacketsTest, IcmpErrorReachesTheBackendOfItsEstablishedFlow) {
  // The flow first, then the router's complaint about the backend's reply.
  Bytes syn = Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(40000, 80)));
  ASSERT_EQ(env_.Send(syn), Verdict::kForward);
  Bytes icmp = Ether(
      0x0800,
      Ipv4(Ip("198.51.100.1"), kVip, kIcmp,
           Icmp(3, 4,
                Prefix(Ipv4(kVip, kClient, kTcp, Tcp(80, 40000, 1400)), 28))));
  ASSERT_EQ(env_.Send(icmp), Verdict::kForward);
  EXPECT_EQ(env_.BackendOf(icmp), env_.BackendOf(syn));
  EXPECT_EQ(env_.counter(DSRLB_CTR_FLOW_HIT), 1u);
  // It followed the flow without creating a second entry.
  EXPECT_EQ(env_.flows().Occupied(), 1u);
}

TEST_F(PipelinePacketsTest, NoTableDropsEverything) {
  PipelineEnv env;  // nothing published
  Bytes frame = Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80)));
  EXPECT_EQ(env.Send(frame), Verdict::kDrop);
  Bytes arp = Arp();
  EXPECT_EQ(env.Send(arp), Verdict::kDrop);
  EXPECT_EQ(env.drop(DSRLB_DROP_NO_TABLE), 2u);
}

TEST_F(PipelinePacketsTest, ZeroTableMacUsesThePortsOwnMac) {
  PipelineEnv env;
  tables::TableSpec spec = DefaultSpec();
  spec.port_mac = {};
  ASSERT_TRUE(env.Publish(spec).ok());
  Bytes frame = Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80)));
  ASSERT_EQ(env.Send(frame), Verdict::kForward);
  EXPECT_EQ(Bytes(frame.begin() + 6, frame.begin() + 12),
            Bytes(kPortMac.begin(), kPortMac.end()));
}

TEST_F(PipelinePacketsTest, WithoutExceptionPathNonVipTrafficIsACountedDrop) {
  env_.pipeline().set_exception_path(false);
  Bytes arp = Arp();
  EXPECT_EQ(env_.Send(arp), Verdict::kDrop);
  Bytes other = Ether(0x0800, Ipv4(kClient, Ip("10.0.0.99"), kTcp, Tcp(1, 80)));
  EXPECT_EQ(env_.Send(other), Verdict::kDrop);
  EXPECT_EQ(env_.drop(DSRLB_DROP_NOT_IP), 1u);
  EXPECT_EQ(env_.drop(DSRLB_DROP_NO_VIP), 1u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_EXCEPTION), 0u);
}

TEST_F(PipelinePacketsTest, CountsPacketsAndBytesPerVipAndBackend) {
  Bytes a = Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1000, 80, 100)));
  Bytes b = Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1000, 80, 10)));
  const size_t bytes = a.size() + b.size();
  ASSERT_EQ(env_.Send(a), Verdict::kForward);
  ASSERT_EQ(env_.Send(b), Verdict::kForward);
  EXPECT_EQ(env_.vip_stats(kVipTcp4).packets, 2u);
  EXPECT_EQ(env_.vip_stats(kVipTcp4).bytes, bytes);
  uint16_t be = env_.BackendOf(a);
  EXPECT_EQ(env_.backend_stats(be).packets, 2u);
  EXPECT_EQ(env_.backend_stats(be).bytes, bytes);
  EXPECT_EQ(env_.vip_stats(kVipUdp4).packets, 0u);
}

TEST_F(PipelinePacketsTest, BurstGivesTheSameVerdictsAsSinglePackets) {
  std::vector<Bytes> frames = {
      Ether(0x0800, Ipv4(kClient, kVip, kTcp, Tcp(1, 80))), Arp(),
      Prefix(Arp(), 5),
      Ether(0x86dd, Ipv6(kClient6, kVip6, kTcp, Tcp(2, 443)))};
  std::vector<uint8_t*> ptrs;
  std::vector<uint32_t> lens;
  for (Bytes& f : frames) {
    ptrs.push_back(f.data());
    lens.push_back(static_cast<uint32_t>(f.size()));
  }
  Verdict v[4];
  env_.pipeline().ProcessBurst(env_.table(), ptrs.data(), lens.data(), 4,
                               kSecond, v);
  EXPECT_EQ(v[0], Verdict::kForward);
  EXPECT_EQ(v[1], Verdict::kException);
  EXPECT_EQ(v[2], Verdict::kDrop);
  EXPECT_EQ(v[3], Verdict::kForward);
  EXPECT_EQ(env_.counter(DSRLB_CTR_FORWARDED), 2u);
  EXPECT_EQ(env_.counter(DSRLB_CTR_EXCEPTION), 1u);
  EXPECT_EQ(env_.drop(DSRLB_DROP_TRUNCATED), 1u);
}

TEST_F(PipelinePacketsTest, LongBurstMatchesPacketByPacketProcessing) {
  // 100 frames (several prefetch chunks): repeated and new flows of several
  // VIPs, persistent clients, drops and exceptions, in a fixed order.
  std::vector<Bytes> frames;
  for (int i = 0; i < 100; i++) {
    const uint16_t port = static_cast<uint16_t>(3000 + (i / 6) % 5);
    switch (i % 6) {
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
      default:
        frames.push_back(
            Ether(0x0800, Ipv4(kClient, kVip, kUdp, Udp(port, 53))));
        break;
    }
  }
  PipelineEnv single;
  ASSERT_TRUE(single.Publish(DefaultSpec()).ok());
  std::vector<Bytes> one_by_one = frames;
  std::vector<Verdict> expected;
  for (Bytes& f : one_by_one) expected.push_back(single.Send(f));

  std::vector<uint8_t*> ptrs;
  std::vector<uint32_t> lens;
  for (Bytes& f : frames) {
    ptrs.push_back(f.data());
    lens.push_back(static_cast<uint32_t>(f.size()));
  }
  std::vector<Verdict> got(frames.size());
  env_.pipeline().ProcessBurst(env_.table(), ptrs.data(), lens.data(),
                               static_cast<uint32_t>(frames.size()), kSecond,
                               got.data());
  for (size_t i = 0; i < frames.size(); i++) {
    EXPECT_EQ(got[i], expected[i]) << "frame " << i;
    EXPECT_EQ(frames[i], one_by_one[i]) << "frame " << i;
  }
  for (int c = 0; c < DSRLB_CTR_MAX; c++)
    EXPECT_EQ(env_.counter(static_cast<dsrlb_counter>(c)),
              single.counter(static_cast<dsrlb_counter>(c)))
        << "counter " << c;
  for (int d = 0; d < DSRLB_DROP_MAX; d++)
    EXPECT_EQ(env_.drop(static_cast<dsrlb_drop>(d)),
              single.drop(static_cast<dsrlb_drop>(d)))
        << "drop " << d;
  EXPECT_GT(env_.counter(DSRLB_CTR_FLOW_HIT), 0u);
  EXPECT_GT(env_.counter(DSRLB_CTR_PERSIST_HIT), 0u);
}

}  // namespace
}  // namespace dsrlb::dataplane::test
