// Golden test of the real dsrlb-dataplane binary: a capture of many flows in
// through net_pcap, the output capture checked packet by packet against the
// Maglev ring of the published table, drops read back from the stats region.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tests/packet/dataplane_process.h"
#include "tests/packet/frames.h"
#include "tests/packet/test_table.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {
namespace {

const Mac kClientMac = MacFromString("02:00:00:00:00:c1");
const Mac kPortMac = MacFromString("02:00:00:00:00:aa");
constexpr absl::Duration kTimeout = absl::Seconds(60);

tables::TableSpec TwoVipSpec() {
  tables::TableSpec spec;
  spec.hash_seed = 0x5eed;
  spec.port_mac = kPortMac;
  tables::VipSpec web;
  web.address = Ip("192.168.4.15");
  web.port = 80;
  web.proto = 6;
  web.backends = {Backend("192.168.4.100", "02:00:00:00:01:01", 1),
                  Backend("192.168.4.101", "02:00:00:00:01:02", 2),
                  Backend("192.168.4.102", "02:00:00:00:01:03", 1)};
  tables::VipSpec dns;
  dns.address = Ip("2001:db8::15");
  dns.port = 53;
  dns.proto = 17;
  dns.backends = {Backend("2001:db8::100", "02:00:00:00:02:01"),
                  Backend("2001:db8::101", "02:00:00:00:02:02")};
  tables::VipSpec standby;  // configured, but this host is not master
  standby.address = Ip("192.168.4.16");
  standby.port = 80;
  standby.active = false;
  standby.backends = {Backend("192.168.4.110", "02:00:00:00:03:01")};
  spec.vips = {web, dns, standby};
  return spec;
}

struct Input {
  std::vector<Frame> frames;
  std::vector<int> flow_of;  // index into flows, -1 for non-flow frames
  std::vector<FlowTuple> flows;
};

// `n4` TCP flows to the web VIP and `n6` UDP flows to the DNS VIP, `per`
// packets each, shuffled (fixed seed) with per-flow order kept; plus frames
// that must be dropped: ARP, no VIP, inactive VIP, truncated.
Input MakeInput(int n4, int n6, int per, std::map<std::string, int>* junk) {
  Input in;
  for (int i = 0; i < n4; i++)
    in.flows.push_back({Ip("10.1." + std::to_string(i / 250) + "." +
                           std::to_string(i % 250 + 1)),
                        Ip("192.168.4.15"), static_cast<uint16_t>(20000 + i),
                        80, 6});
  for (int i = 0; i < n6; i++)
    in.flows.push_back({Ip("2001:db8:1::" + std::to_string(i + 1)),
                        Ip("2001:db8::15"), static_cast<uint16_t>(30000 + i),
                        53, 17});
  std::vector<int> order;
  for (int f = 0; f < static_cast<int>(in.flows.size()); f++)
    for (int k = 0; k < per; k++) order.push_back(f);
  for (int k = 0; k < 40; k++) order.push_back(-1);  // ARP
  for (int k = 0; k < 30; k++) order.push_back(-2);  // no VIP
  for (int k = 0; k < 20; k++) order.push_back(-3);  // inactive VIP
  for (int k = 0; k < 10; k++) order.push_back(-4);  // truncated IPv4
  std::mt19937 rng(42);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int> seen(in.flows.size(), 0);
  for (int o : order) {
    if (o >= 0) {
      uint8_t flags = seen[o]++ == 0 ? 0x02 : 0x10;  // SYN, then ACKs
      in.frames.push_back(BuildL4(in.flows[o], kPortMac, kClientMac,
                                  static_cast<size_t>(o % 7) * 13, flags));
    } else if (o == -1) {
      in.frames.push_back(
          BuildArp(kClientMac, Ip("192.168.4.1"), Ip("192.168.4.15")));
    } else if (o == -2) {
      in.frames.push_back(
          BuildL4({Ip("10.9.9.9"), Ip("192.168.4.99"), 1234, 80, 6}, kPortMac,
                  kClientMac, 0));
    } else if (o == -3) {
      in.frames.push_back(
          BuildL4({Ip("10.9.9.9"), Ip("192.168.4.16"), 1234, 80, 6}, kPortMac,
                  kClientMac, 0));
    } else {
      Frame f = BuildL4({Ip("10.9.9.9"), Ip("192.168.4.15"), 1234, 80, 6},
                        kPortMac, kClientMac, 0);
      f.resize(14 + 12);  // cut inside the IPv4 header
      in.frames.push_back(f);
    }
    in.flow_of.push_back(o);
  }
  (*junk)["drop_not_ip"] = 40;
  (*junk)["drop_no_vip"] = 30;
  (*junk)["drop_vip_inactive"] = 20;
  (*junk)["truncated"] = 10;
  return in;
}

std::vector<std::string> PcapPortArgs(const std::string& in,
                                      const std::string& out) {
  std::vector<std::string> eal = TestEalArgs();
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + in + ",tx_pcap=" + out);
  return eal;
}

std::vector<std::string> OwnArgs(const TempDir& dir) {
  return {"--table-region",    dir.File("table"),
          "--stats-region",    dir.File("stats"),
          "--flow-table-size", "16384",
          "--idle-sleep-us",   "200"};
}

// Checks `out` against `frames` (flow_of[i]: flow of frames[i], < 0 for
// frames that must be dropped): forwarded frames in input order, each
// rewritten for its flow's Maglev backend, nothing else changed or added.
void CheckOutput(const Input& in, const std::vector<Frame>& frames,
                 const std::vector<int>& flow_of, const std::vector<Frame>& out,
                 const shm::SlotView& slot,
                 std::map<int, uint64_t>* per_backend) {
  size_t o = 0;
  for (size_t i = 0; i < frames.size(); i++) {
    int f = flow_of[i];
    if (f < 0) continue;
    ASSERT_LT(o, out.size()) << "output ends before input frame " << i;
    int b = RingBackend(slot, in.flows[f]);
    ASSERT_GT(b, 0);
    Frame want = frames[i];
    std::copy_n(slot.backends[b].mac, 6, want.begin());
    std::copy(kPortMac.begin(), kPortMac.end(), want.begin() + 6);
    ASSERT_EQ(out[o], want) << "input frame " << i << " (flow " << f
                            << ") should go to backend " << b;
    (*per_backend)[b]++;
    o++;
  }
  EXPECT_EQ(o, out.size()) << "frames that should have been dropped came out";
}

int DropIndex(const std::string& name) {
  for (int d = 0; d < DSRLB_DROP_MAX; d++)
    if (name == shm::DropName(d)) return d;
  return -1;
}

TEST(GoldenForwarding, EveryFlowReachesItsMaglevBackendWithOnlyMacsRewritten) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), TwoVipSpec()).ok());
  auto table = OpenTable(dir.File("table"));
  ASSERT_TRUE(table.ok()) << table.status();
  std::map<std::string, int> junk;
  Input in = MakeInput(600, 200, 3, &junk);
  ASSERT_TRUE(WritePcap(dir.File("in.pcap"), in.frames).ok());

  auto dp = DataplaneProcess::Start(
      PcapPortArgs(dir.File("in.pcap"), dir.File("out.pcap")), OwnArgs(dir),
      dir.File("log"));
  ASSERT_TRUE(dp.ok()) << dp.status();
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_TRUE(WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, in.frames.size(),
                             *dp, kTimeout)
                  .ok());
  auto rc = dp->Stop(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << dp->Log();

  // Packet by packet: forwarded frames come out in input order.
  auto out = ReadPcap(dir.File("out.pcap"));
  ASSERT_TRUE(out.ok()) << out.status();
  const shm::SlotView& slot = *(*table)->slot;
  std::map<int, uint64_t> per_backend;
  CheckOutput(in, in.frames, in.flow_of, *out, slot, &per_backend);

  // Counters a user reads from the stats region.
  shm::StatsTotals t = stats->Sum();
  EXPECT_EQ(t.counters[DSRLB_CTR_RX_PACKETS], in.frames.size());
  EXPECT_EQ(t.counters[DSRLB_CTR_TX_PACKETS], out->size());
  EXPECT_EQ(t.counters[DSRLB_CTR_FORWARDED], out->size());
  EXPECT_EQ(t.counters[DSRLB_CTR_FLOW_MISS], in.flows.size());
  for (const std::string name :
       {"drop_not_ip", "drop_no_vip", "drop_vip_inactive"})
    EXPECT_EQ(t.drops[DropIndex(name)], static_cast<uint64_t>(junk[name]))
        << name;
  uint64_t all_drops = 0;
  for (uint64_t d : t.drops) all_drops += d;
  EXPECT_EQ(all_drops, in.frames.size() - out->size());
  for (auto [b, n] : per_backend)
    EXPECT_EQ(t.backends[b].packets, n) << "backend " << b;

  // Clean shutdown: not running, no lcore claims to read tables, and the
  // table region is left valid for the next dataplane.
  EXPECT_EQ(stats->header()->running, 0u);
  for (uint32_t l = 0; l < stats->geometry().max_lcores; l++)
    EXPECT_EQ(stats->lcore(l)->flags & DSRLB_LCORE_ACTIVE, 0u)
        << "lcore block " << l;
  EXPECT_TRUE(OpenTable(dir.File("table")).ok());
}

TEST(GoldenForwarding, WaitsForATableRegionThatAppearsLater) {
  TempDir dir;
  std::map<std::string, int> junk;
  Input in = MakeInput(50, 0, 2, &junk);
  ASSERT_TRUE(WritePcap(dir.File("in.pcap"), in.frames).ok());
  auto dp = DataplaneProcess::Start(
      PcapPortArgs(dir.File("in.pcap"), dir.File("out.pcap")), OwnArgs(dir),
      dir.File("log"));
  ASSERT_TRUE(dp.ok()) << dp.status();
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  absl::Time deadline = absl::Now() + kTimeout;
  while (dp->Log().find("waiting for the table region") == std::string::npos) {
    ASSERT_TRUE(dp->Running()) << dp->Log();
    ASSERT_LT(absl::Now(), deadline) << dp->Log();
    usleep(10000);
  }
  ASSERT_TRUE(Publish(dir.File("table"), TwoVipSpec()).ok());
  ASSERT_TRUE(WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, in.frames.size(),
                             *dp, kTimeout)
                  .ok());
  ASSERT_TRUE(dp->Stop(kTimeout).ok());
  EXPECT_EQ(stats->Sum().counters[DSRLB_CTR_FORWARDED], 100u);
}

// Two worker lcores (sharing one CPU here), one queue pair each: every
// queue's frames are forwarded by its own worker, counted in its own block.
TEST(GoldenForwarding, EachWorkerLcoreForwardsItsOwnQueue) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), TwoVipSpec()).ok());
  auto table = OpenTable(dir.File("table"));
  ASSERT_TRUE(table.ok()) << table.status();
  std::map<std::string, int> junk;
  Input in = MakeInput(300, 100, 2, &junk);
  std::vector<Frame> q_frames[2];
  std::vector<int> q_flow_of[2];
  for (size_t i = 0; i < in.frames.size(); i++) {
    int q = in.flow_of[i] >= 0 ? in.flow_of[i] % 2 : static_cast<int>(i % 2);
    q_frames[q].push_back(in.frames[i]);
    q_flow_of[q].push_back(in.flow_of[i]);
  }
  ASSERT_TRUE(WritePcap(dir.File("in0.pcap"), q_frames[0]).ok());
  ASSERT_TRUE(WritePcap(dir.File("in1.pcap"), q_frames[1]).ok());
  std::vector<std::string> eal = TestEalArgs();
  for (size_t i = 0; i + 1 < eal.size(); i++)
    if (eal[i] == "-l") {
      eal[i] = "--lcores";
      eal[i + 1] = "0@0,(1-2)@1";
    }
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + dir.File("in0.pcap") + ",rx_pcap=" +
                dir.File("in1.pcap") + ",tx_pcap=" + dir.File("out0.pcap") +
                ",tx_pcap=" + dir.File("out1.pcap"));
  auto dp = DataplaneProcess::Start(eal, OwnArgs(dir), dir.File("log"));
  ASSERT_TRUE(dp.ok()) << dp.status();
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_TRUE(WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, in.frames.size(),
                             *dp, kTimeout)
                  .ok());
  auto rc = dp->Stop(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << dp->Log();
  EXPECT_NE(dp->Log().find("with 2 worker lcore(s)"), std::string::npos)
      << dp->Log();
  std::map<int, uint64_t> per_backend;
  for (int q = 0; q < 2; q++) {
    auto out = ReadPcap(dir.File("out" + std::to_string(q) + ".pcap"));
    ASSERT_TRUE(out.ok()) << out.status();
    CheckOutput(in, q_frames[q], q_flow_of[q], *out, *(*table)->slot,
                &per_backend);
    EXPECT_EQ(stats->counters(q)[DSRLB_CTR_RX_PACKETS], q_frames[q].size())
        << "worker " << q;
    EXPECT_EQ(stats->counters(q)[DSRLB_CTR_TX_PACKETS], out->size())
        << "worker " << q;
  }
  for (auto [b, n] : per_backend)
    EXPECT_EQ(stats->Sum().backends[b].packets, n) << "backend " << b;
}

// The binary refuses a table region that is not sound, and says why.
struct Corruption {
  const char* name;
  void (*apply)(uint8_t* base, size_t size);
  const char* message;
};

void RunCorruption(const Corruption& c) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), TwoVipSpec()).ok());
  {
    auto f = shm::MappedFile::Open(dir.File("table"), /*writable=*/true);
    ASSERT_TRUE(f.ok());
    c.apply(f->data(), f->size());
  }
  ASSERT_TRUE(WritePcap(dir.File("in.pcap"), {}).ok());
  auto dp = DataplaneProcess::Start(
      PcapPortArgs(dir.File("in.pcap"), dir.File("out.pcap")), OwnArgs(dir),
      dir.File("log"));
  ASSERT_TRUE(dp.ok());
  auto rc = dp->Wait(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 1) << c.name;
  EXPECT_NE(dp->Log().find(c.message), std::string::npos)
      << c.name << ": expected \"" << c.message << "\" in:\n"
      << dp->Log();
  EXPECT_NE(dp->Log().find(dir.File("table")), std::string::npos)
      << "names the file";
}

TEST(GoldenForwarding, RefusesACorruptTableRegionNamingTheProblem) {
  const Corruption cases[] = {
      {"flipped backend MAC byte",
       [](uint8_t* base, size_t) {
         auto* h = reinterpret_cast<dsrlb_table_header*>(base);
         dsrlb_slot_layout l =
             dsrlb_compute_slot_layout(h->max_vips, h->max_backends,
                                       h->vip_index_size, h->ring_pool_entries);
         base[h->slot_offset[h->generation & 1] + l.backends_offset +
              sizeof(dsrlb_backend) + offsetof(dsrlb_backend, mac)] ^= 0x5a;
       },
       "checksum mismatch"},
      {"bad magic", [](uint8_t* base, size_t) { base[0] ^= 0xff; },
       "bad magic"},
      {"other format version",
       [](uint8_t* base, size_t) {
         reinterpret_cast<dsrlb_table_header*>(base)->version = 99;
       },
       "format version 99"},
  };
  for (const Corruption& c : cases) RunCorruption(c);
}

}  // namespace
}  // namespace dsrlb::testing
