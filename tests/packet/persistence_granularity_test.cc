// persistence_granularity through the real dsrlb-dataplane: with
// persistence and a /24 granularity (ipvsadm -M 255.255.255.0), two clients
// of one /24 land on one real server, the one the Maglev ring gives the
// network's address; without granularity each client is hashed on its own.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/packet/dataplane_process.h"
#include "tests/packet/frames.h"
#include "tests/packet/test_table.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {
namespace {

const Mac kClientMac = MacFromString("02:00:00:00:00:c1");
const Mac kPortMac = MacFromString("02:00:00:00:00:aa");
constexpr absl::Duration kTimeout = absl::Seconds(60);
constexpr int kNetworks = 16;

tables::VipSpec StickyVip(const std::string& address, uint8_t prefix_len) {
  tables::VipSpec vip;
  vip.address = Ip(address);
  vip.port = 443;
  vip.proto = 6;
  vip.persistence_timeout_s = 300;
  vip.persistence_prefix_len = prefix_len;
  vip.backends = {Backend("192.168.5.100", "02:00:00:00:01:01"),
                  Backend("192.168.5.101", "02:00:00:00:01:02"),
                  Backend("192.168.5.102", "02:00:00:00:01:03"),
                  Backend("192.168.5.103", "02:00:00:00:01:04")};
  return vip;
}

tables::TableSpec Spec() {
  tables::TableSpec spec;
  spec.hash_seed = 0x24;
  spec.ring_size = 251;
  spec.port_mac = kPortMac;
  spec.vips = {StickyVip("192.168.5.15", 24), StickyVip("192.168.5.16", 0)};
  return spec;
}

// Client `host` of network 10.3.`net`.0/24, to `vip`.
FlowTuple Client(int net, int host, const std::string& vip) {
  return {Ip("10.3." + std::to_string(net) + "." + std::to_string(host)),
          Ip(vip), static_cast<uint16_t>(40000 + net * 256 + host), 443, 6};
}

TEST(PersistenceGranularity, TwoClientsOfOneSlash24LandOnOneServer) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), Spec()).ok());
  auto table = OpenTable(dir.File("table"));
  ASSERT_TRUE(table.ok()) << table.status();
  const shm::SlotView& slot = *(*table)->slot;

  // Per network: client .7 then client .200, to the /24 VIP, then to the
  // per-address VIP.
  std::vector<Frame> frames;
  for (int net = 0; net < kNetworks; net++)
    for (const char* vip : {"192.168.5.15", "192.168.5.16"})
      for (int host : {7, 200})
        frames.push_back(
            BuildL4(Client(net, host, vip), kPortMac, kClientMac, 10, 0x02));
  ASSERT_TRUE(WritePcap(dir.File("in.pcap"), frames).ok());
  std::vector<std::string> eal = TestEalArgs();
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + dir.File("in.pcap") +
                ",tx_pcap=" + dir.File("out.pcap"));
  auto dp = DataplaneProcess::Start(eal,
                                    {"--table-region", dir.File("table"),
                                     "--stats-region", dir.File("stats")},
                                    dir.File("log"));
  ASSERT_TRUE(dp.ok()) << dp.status();
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_TRUE(
      WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, frames.size(), *dp, kTimeout)
          .ok());
  auto rc = dp->Stop(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << dp->Log();
  auto out = ReadPcap(dir.File("out.pcap"));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), frames.size()) << dp->Log();

  auto mac_of = [&](int backend) { return MacOf(slot.backends[backend].mac); };
  int split_without_granularity = 0;
  for (int net = 0; net < kNetworks; net++) {
    const size_t i = static_cast<size_t>(net) * 4;
    // The /24 VIP: both clients on the ring's choice for the network's
    // own address (the frames' hash of 10.3.net.0, computed from the
    // contract's hash, not by the pipeline).
    const int network_choice =
        RingBackend(slot, Client(net, 0, "192.168.5.15"));
    ASSERT_GT(network_choice, 0);
    EXPECT_EQ(MacOf((*out)[i].data()), mac_of(network_choice))
        << "10.3." << net << ".7";
    EXPECT_EQ(MacOf((*out)[i + 1].data()), mac_of(network_choice))
        << "10.3." << net << ".200";
    // The per-address VIP: each client where its own address hashes.
    const int a = RingBackend(slot, Client(net, 7, "192.168.5.16"));
    const int b = RingBackend(slot, Client(net, 200, "192.168.5.16"));
    EXPECT_EQ(MacOf((*out)[i + 2].data()), mac_of(a));
    EXPECT_EQ(MacOf((*out)[i + 3].data()), mac_of(b));
    split_without_granularity += a != b;
  }
  // Without granularity the same pairs would have been split: the test
  // would notice a dataplane that ignores it.
  EXPECT_GT(split_without_granularity, kNetworks / 4);
  // Each /24's second client followed the first one's affinity.
  EXPECT_EQ(stats->Sum().counters[DSRLB_CTR_PERSIST_HIT],
            static_cast<uint64_t>(kNetworks));
}

}  // namespace
}  // namespace dsrlb::testing
