// A table change in the middle of a replay moves no established flow, except
// those whose backend went down. Deterministic: the capture is fed through a
// FIFO in two phases; the new table is published after the dataplane has
// forwarded all of phase 1 and before phase 2 is written, and the worker
// reads the table after each receive, so every phase-2 packet sees it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "controlplane/tables/table_builder.h"
#include "tests/packet/dataplane_process.h"
#include "tests/packet/frames.h"
#include "tests/packet/test_table.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {
namespace {

const Mac kClientMac = MacFromString("02:00:00:00:00:c1");
const Mac kPortMac = MacFromString("02:00:00:00:00:aa");
constexpr absl::Duration kTimeout = absl::Seconds(60);
// net_pcap blocks inside a burst of 32 until it has 32 frames: each phase
// is a whole number of bursts.
constexpr int kOldFlows = 640;
constexpr int kNewFlows = 64;

tables::TableSpec Spec(bool second) {
  tables::TableSpec spec;
  spec.hash_seed = 7;
  spec.port_mac = kPortMac;
  tables::VipSpec web;
  web.address = Ip("192.168.4.15");
  web.port = 80;
  web.backends = {Backend("192.168.4.100", "02:00:00:00:01:01"),
                  Backend("192.168.4.101", "02:00:00:00:01:02", 1,
                          second ? DSRLB_BACKEND_DOWN : DSRLB_BACKEND_UP),
                  Backend("192.168.4.102", "02:00:00:00:01:03")};
  if (second)
    web.backends.push_back(Backend("192.168.4.103", "02:00:00:00:01:04"));
  spec.vips = {web};
  return spec;
}

FlowTuple Flow(int i) {
  return {
      Ip("10.2." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1)),
      Ip("192.168.4.15"), static_cast<uint16_t>(40000 + i), 80, 6};
}

// Opens the FIFO for writing once the dataplane has opened it for reading.
FILE* OpenFifoWriter(const std::string& path, DataplaneProcess& dp) {
  absl::Time deadline = absl::Now() + kTimeout;
  for (;;) {
    int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fdopen(fd, "wb");
    }
    if (!dp.Running() || absl::Now() > deadline) return nullptr;
    usleep(10000);
  }
}

TEST(TableChange, MidReplayMovesOnlyFlowsOffADownBackend) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), Spec(false)).ok());
  auto table_a = OpenTable(dir.File("table"));
  ASSERT_TRUE(table_a.ok());
  // Ring A's choices, copied before the region changes under the snapshot.
  std::vector<int> backend_a;
  for (int i = 0; i < kOldFlows; i++)
    backend_a.push_back(RingBackend(*(*table_a)->slot, Flow(i)));

  ASSERT_EQ(mkfifo(dir.File("in.fifo").c_str(), 0600), 0);
  std::vector<std::string> eal = TestEalArgs();
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + dir.File("in.fifo") +
                ",tx_pcap=" + dir.File("out.pcap"));
  auto dp = DataplaneProcess::Start(
      eal,
      {"--table-region", dir.File("table"), "--stats-region", dir.File("stats"),
       "--flow-table-size", "16384"},
      dir.File("log"));
  ASSERT_TRUE(dp.ok());
  FILE* fifo = OpenFifoWriter(dir.File("in.fifo"), *dp);
  ASSERT_NE(fifo, nullptr) << dp->Log();
  PcapStreamWriter writer(fifo);
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();

  // Phase 1: every flow's first packet, on table A.
  std::vector<Frame> phase1, phase2;
  for (int i = 0; i < kOldFlows; i++)
    phase1.push_back(BuildL4(Flow(i), kPortMac, kClientMac, 10, 0x02));
  writer.Write(phase1);
  ASSERT_TRUE(
      WaitForCounter(*stats, DSRLB_CTR_TX_PACKETS, kOldFlows, *dp, kTimeout)
          .ok());

  // Table B: backend 2 down, backend 4 new.
  auto gen = Publish(dir.File("table"), Spec(true));
  ASSERT_TRUE(gen.ok()) << gen.status();
  auto table_b = OpenTable(dir.File("table"));
  ASSERT_TRUE(table_b.ok());
  const shm::SlotView& b = *(*table_b)->slot;

  // Phase 2: the old flows again, then new ones.
  for (int i = 0; i < kOldFlows + kNewFlows; i++)
    phase2.push_back(BuildL4(Flow(i), kPortMac, kClientMac, 10,
                             i < kOldFlows ? 0x10 : 0x02));
  writer.Write(phase2);
  writer.Close();  // EOF: net_pcap stops receiving
  ASSERT_TRUE(WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS,
                             phase1.size() + phase2.size(), *dp, kTimeout)
                  .ok());
  auto rc = dp->Stop(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << dp->Log();

  auto out = ReadPcap(dir.File("out.pcap"));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), phase1.size() + phase2.size()) << dp->Log();
  auto backend_mac = [&](int idx) { return MacOf(b.backends[idx].mac); };
  int kept_against_ring = 0, moved_off_down = 0;
  for (int i = 0; i < kOldFlows; i++) {
    ASSERT_EQ(MacOf((*out)[i].data()), backend_mac(backend_a[i]))
        << "phase 1, flow " << i;
    const Mac got = MacOf((*out)[kOldFlows + i].data());
    if (backend_a[i] == 2) {  // down: re-hashed on ring B
      EXPECT_EQ(got, backend_mac(RingBackend(b, Flow(i)))) << "flow " << i;
      moved_off_down++;
    } else {  // established: stays, whatever ring B says
      EXPECT_EQ(got, backend_mac(backend_a[i])) << "flow " << i << " moved";
      kept_against_ring += RingBackend(b, Flow(i)) != backend_a[i];
    }
  }
  for (int i = kOldFlows; i < kOldFlows + kNewFlows; i++)
    EXPECT_EQ(MacOf((*out)[kOldFlows + i].data()),
              backend_mac(RingBackend(b, Flow(i))))
        << "new flow " << i;
  // The test means something only if ring B would have moved some flows.
  EXPECT_GT(kept_against_ring, 0);
  EXPECT_GT(moved_off_down, 0);
  EXPECT_EQ(stats->Sum().counters[DSRLB_CTR_TABLE_SWITCHES],
            2u);  // 0 -> 1 -> 2
}

// A restarted control plane re-creates the region (new file, new inode,
// generations from 1 again): the dataplane maps the new one and forwards
// on it, without a restart.
TEST(TableChange, FollowsARegionReCreatedByARestartedControlPlane) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), Spec(false)).ok());
  ASSERT_EQ(mkfifo(dir.File("in.fifo").c_str(), 0600), 0);
  std::vector<std::string> eal = TestEalArgs();
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + dir.File("in.fifo") +
                ",tx_pcap=" + dir.File("out.pcap"));
  auto dp = DataplaneProcess::Start(eal,
                                    {"--table-region", dir.File("table"),
                                     "--stats-region", dir.File("stats")},
                                    dir.File("log"));
  ASSERT_TRUE(dp.ok());
  FILE* fifo = OpenFifoWriter(dir.File("in.fifo"), *dp);
  ASSERT_NE(fifo, nullptr) << dp->Log();
  PcapStreamWriter writer(fifo);
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  std::vector<Frame> frames;
  for (int i = 0; i < 64; i++)
    frames.push_back(BuildL4(Flow(i), kPortMac, kClientMac, 10, 0x02));
  writer.Write(frames);
  ASSERT_TRUE(
      WaitForCounter(*stats, DSRLB_CTR_TX_PACKETS, 64, *dp, kTimeout).ok());

  // The new control plane: a new file under the same path, other servers.
  tables::TableSpec spec;
  spec.hash_seed = 99;
  spec.port_mac = kPortMac;
  tables::VipSpec web;
  web.address = Ip("192.168.4.15");
  web.port = 80;
  web.backends = {Backend("192.168.4.200", "02:00:00:00:02:01"),
                  Backend("192.168.4.201", "02:00:00:00:02:02")};
  spec.vips = {web};
  {
    auto w = shm::TableWriter::Create(dir.File("table"), shm::TableGeometry{});
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE(tables::PublishSpec(*w, spec, nullptr).ok());
  }
  absl::Time deadline = absl::Now() + kTimeout;
  while (dp->Log().find("was re-created") == std::string::npos) {
    ASSERT_TRUE(dp->Running()) << dp->Log();
    ASSERT_LT(absl::Now(), deadline) << dp->Log();
    usleep(10000);
  }
  auto table = OpenTable(dir.File("table"));
  ASSERT_TRUE(table.ok());
  writer.Write(frames);  // the same flows: their old servers are gone
  writer.Close();
  ASSERT_TRUE(
      WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, 128, *dp, kTimeout).ok());
  ASSERT_TRUE(dp->Stop(kTimeout).ok());
  auto out = ReadPcap(dir.File("out.pcap"));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 128u) << dp->Log();
  const shm::SlotView& t = *(*table)->slot;
  for (int i = 0; i < 64; i++)
    EXPECT_EQ(MacOf((*out)[64 + i].data()),
              MacOf(t.backends[RingBackend(t, Flow(i))].mac))
        << "flow " << i;
}

}  // namespace
}  // namespace dsrlb::testing
