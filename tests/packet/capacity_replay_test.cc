// Capacity end to end: a generated keepalived.conf of 4,096 virtual servers
// and 65,535 real servers goes through the control plane's own path
// (parser, service model, publisher) into one table region; the real
// dsrlb-dataplane then forwards a capture to a sample of 100 VIPs, and every
// frame must reach the server the published ring names, read back from the
// region with the contract header alone (frames.cc), and be one of the real
// servers the configuration gives that VIP.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "controlplane/config/parser.h"
#include "controlplane/model/capacity.h"
#include "controlplane/model/lb_state.h"
#include "controlplane/tables/publisher.h"
#include "tests/packet/dataplane_process.h"
#include "tests/packet/frames.h"
#include "tests/packet/test_table.h"
#include "tests/testutil/generated_config.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {
namespace {

const Mac kClientMac = MacFromString("02:00:00:00:00:c1");
const Mac kPortMac = MacFromString("02:00:00:00:00:aa");
constexpr absl::Duration kTimeout = absl::Seconds(240);
constexpr uint32_t kVirtualServers = 4096;
constexpr uint32_t kRealServers = 65535;
constexpr uint32_t kSampled = 100;
constexpr uint32_t kFlowsPerVip = 32;  // 3,200 frames: whole bursts of 32

// The config through the daemon's own steps: parse, apply with the format's
// limits, MACs for every server (as --static-neighbor pins them), publish.
absl::StatusOr<api::PublishedTable> PublishGenerated(const TempDir& dir) {
  const std::string path = dir.File("keepalived.conf");
  std::ofstream(path) << GeneratedKeepalivedConf(kVirtualServers, kRealServers);
  auto config = config::LoadConfigFile(path);
  if (!config.ok()) return config.status();
  api::LbState state(nullptr);
  state.SetLimits(api::Capacity{});
  auto applied = state.ApplyConfig(*config);
  if (!applied.ok()) return applied.status();
  for (uint32_t n = 1; n <= kRealServers; n++)
    state.SetNeighbor(Ip(GeneratedRealServer(n)),
                      api::NeighborState{GeneratedMac(n), ""});
  api::TableOptions options;
  options.hash_seed = 0x5eed;
  options.port_mac = kPortMac;
  auto publisher = api::Publisher::Create(dir.File("table"), "", options);
  if (!publisher.ok()) return publisher.status();
  auto start = std::chrono::steady_clock::now();
  auto g = (*publisher)->Publish(state.Snapshot());
  if (!g.ok()) return g.status();
  std::printf("full build + publish of %u VS / %u RS: %.0f ms\n",
              kVirtualServers, kRealServers,
              std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count());
  return (*publisher)->Published();
}

// The MACs of the real servers the configuration gives VS i.
std::set<Mac> ConfiguredMacs(uint32_t i) {
  uint32_t first = 1;
  for (uint32_t k = 0; k < i; k++)
    first += GeneratedShare(k, kVirtualServers, kRealServers);
  std::set<Mac> out;
  for (uint32_t k = 0; k < GeneratedShare(i, kVirtualServers, kRealServers);
       k++)
    out.insert(GeneratedMac(first + k));
  return out;
}

TEST(CapacityReplay, HundredOf4096VipsForwardToTheServersTheirRingsName) {
  TempDir dir;
  auto published = PublishGenerated(dir);
  ASSERT_TRUE(published.ok()) << published.status();
  ASSERT_EQ(published->vip_index.size(), kVirtualServers);
  ASSERT_EQ(published->backends.size(), kRealServers);
  auto table = OpenTable(dir.File("table"));
  ASSERT_TRUE(table.ok()) << table.status();
  const shm::SlotView& slot = *(*table)->slot;

  // VS i * 41 % 4096 for i < 100: spread over the whole table.
  std::vector<FlowTuple> flows;
  std::vector<uint32_t> vs_of;
  std::vector<Frame> frames;
  for (uint32_t s = 0; s < kSampled; s++) {
    uint32_t vs = s * 41 % kVirtualServers;
    for (uint32_t f = 0; f < kFlowsPerVip; f++) {
      flows.push_back(
          {Ip("10.1." + std::to_string(f) + "." + std::to_string(s + 1)),
           Ip(GeneratedVip(vs)),
           static_cast<uint16_t>(20000 + s * kFlowsPerVip + f), 80, 6});
      vs_of.push_back(vs);
      frames.push_back(BuildL4(flows.back(), kPortMac, kClientMac, 0, 0x02));
    }
  }
  ASSERT_TRUE(WritePcap(dir.File("in.pcap"), frames).ok());
  std::vector<std::string> eal = TestEalArgs();
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + dir.File("in.pcap") +
                ",tx_pcap=" + dir.File("out.pcap"));
  auto dp = DataplaneProcess::Start(
      eal,
      {"--table-region", dir.File("table"), "--stats-region", dir.File("stats"),
       "--flow-table-size", "16384", "--idle-sleep-us", "200"},
      dir.File("log"));
  ASSERT_TRUE(dp.ok()) << dp.status();
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_TRUE(
      WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, frames.size(), *dp, kTimeout)
          .ok())
      << dp->Log();
  auto rc = dp->Stop(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << dp->Log();

  auto out = ReadPcap(dir.File("out.pcap"));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), frames.size()) << dp->Log();
  std::map<uint32_t, uint64_t> per_record;
  for (size_t i = 0; i < frames.size(); i++) {
    int b = RingBackend(slot, flows[i]);
    ASSERT_GT(b, 0) << "VS " << vs_of[i] << " has an empty ring";
    Frame want = frames[i];
    std::copy_n(slot.backends[b].mac, 6, want.begin());
    std::copy(kPortMac.begin(), kPortMac.end(), want.begin() + 6);
    ASSERT_EQ((*out)[i], want) << "frame " << i << " to VS " << vs_of[i];
    EXPECT_TRUE(ConfiguredMacs(vs_of[i]).count(MacOf(slot.backends[b].mac)))
        << "VS " << vs_of[i] << " forwarded to backend " << b
        << ", not one of its real servers";
    api::VsKey key;
    key.address = Ip(GeneratedVip(vs_of[i]));
    key.port = 80;
    key.protocol = config::Protocol::kTcp;
    per_record[published->vip_index.at(key)]++;
  }
  // Per-VIP counters exist for every record of a 4,096-VIP table.
  shm::StatsTotals t = stats->Sum();
  for (auto [record, n] : per_record)
    EXPECT_EQ(t.vips[record].packets, n) << "VIP record " << record;
  EXPECT_GT(per_record.rbegin()->first, 256u) << "sample reaches high records";
}

}  // namespace
}  // namespace dsrlb::testing
