// Golden flows: the real dsrlb-dataplane on net_pcap reads the committed
// golden/flows_in.pcap; what it sends must equal golden/flows_out.pcap byte
// for byte. The expected capture was made by golden/golden_flows.py from an
// independent flow hash and the rings pinned in golden/rings.txt, not by
// the code under test; the first test checks the pin.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_format.h"
#include "tests/packet/dataplane_process.h"
#include "tests/packet/frames.h"
#include "tests/packet/pcap_file.h"
#include "tests/packet/test_table.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(60);
const std::string kGolden = GOLDEN_DIR;

// golden_flows.py's SEED, RING_SIZE, MACs and VIPs.
tables::TableSpec GoldenSpec() {
  tables::TableSpec spec;
  spec.hash_seed = 0x601de1;
  spec.ring_size = 13;
  spec.port_mac = MacFromString("02:00:00:00:00:aa");
  tables::VipSpec web;
  web.address = Ip("192.168.7.15");
  web.port = 80;
  web.proto = 6;
  web.backends = {Backend("192.168.7.100", "02:00:00:00:01:01", 1),
                  Backend("192.168.7.101", "02:00:00:00:01:02", 2),
                  Backend("192.168.7.102", "02:00:00:00:01:03", 1)};
  tables::VipSpec dns;
  dns.address = Ip("2001:db8::15");
  dns.port = 53;
  dns.proto = 17;
  dns.backends = {Backend("2001:db8::100", "02:00:00:00:02:01"),
                  Backend("2001:db8::101", "02:00:00:00:02:02")};
  tables::VipSpec sticky;
  sticky.address = Ip("192.168.7.16");
  sticky.port = 443;
  sticky.proto = 6;
  sticky.persistence_timeout_s = 300;
  sticky.backends = {Backend("192.168.7.110", "02:00:00:00:03:01"),
                     Backend("192.168.7.111", "02:00:00:00:03:02"),
                     Backend("192.168.7.112", "02:00:00:00:03:03")};
  spec.vips = {web, dns, sticky};
  return spec;
}

// One rings.txt line: the VIP, then the backend MAC of each ring entry.
std::string RingLine(const shm::SlotView& slot, const tables::VipSpec& vip) {
  int v = slot.FindVip(vip.address.family, vip.address.bytes.data(), vip.proto,
                       vip.port);
  if (v < 0) return "VIP not found";
  std::string line = vip.address.ToString();
  for (uint32_t i = 0; i < slot.hdr->ring_size; i++) {
    const uint8_t* m = slot.backends[slot.Ring(v)[i]].mac;
    absl::StrAppendFormat(&line, " %02x%02x%02x%02x%02x%02x", m[0], m[1], m[2],
                          m[3], m[4], m[5]);
  }
  return line;
}

std::map<std::string, std::string> PinnedRings() {
  std::map<std::string, std::string> rings;
  std::ifstream in(kGolden + "/rings.txt");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#')
      rings[line.substr(0, line.find(' '))] = line;
  return rings;
}

TEST(GoldenFlows, TheMaglevRingsAreThePinnedOnes) {
  TempDir dir;
  const tables::TableSpec spec = GoldenSpec();
  ASSERT_TRUE(Publish(dir.File("table"), spec).ok());
  auto table = OpenTable(dir.File("table"));
  ASSERT_TRUE(table.ok()) << table.status();
  std::map<std::string, std::string> pinned = PinnedRings();
  for (const tables::VipSpec& vip : spec.vips) {
    EXPECT_EQ(RingLine(*(*table)->slot, vip), pinned[vip.address.ToString()])
        << "the ring differs from golden/rings.txt: a changed Maglev "
           "builder changes where flows go";
  }
}

TEST(GoldenFlows, OutputIsTheCommittedCaptureByteForByte) {
  TempDir dir;
  ASSERT_TRUE(Publish(dir.File("table"), GoldenSpec()).ok());
  auto in = ReadPcap(kGolden + "/flows_in.pcap");
  ASSERT_TRUE(in.ok()) << in.status();
  auto want = ReadPcap(kGolden + "/flows_out.pcap");
  ASSERT_TRUE(want.ok()) << want.status();
  std::vector<std::string> eal = TestEalArgs();
  eal.push_back("--vdev");
  eal.push_back("net_pcap0,rx_pcap=" + kGolden +
                "/flows_in.pcap,tx_pcap=" + dir.File("out.pcap"));
  auto dp = DataplaneProcess::Start(
      eal,
      {"--table-region", dir.File("table"), "--stats-region", dir.File("stats"),
       "--idle-sleep-us", "200"},
      dir.File("log"));
  ASSERT_TRUE(dp.ok()) << dp.status();
  auto stats = WaitForStatsRegion(dir.File("stats"), *dp, kTimeout);
  ASSERT_TRUE(stats.ok()) << stats.status();
  ASSERT_TRUE(
      WaitForCounter(*stats, DSRLB_CTR_RX_PACKETS, in->size(), *dp, kTimeout)
          .ok());
  auto rc = dp->Stop(kTimeout);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(*rc, 0) << dp->Log();
  auto out = ReadPcap(dir.File("out.pcap"));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), want->size());
  for (size_t i = 0; i < want->size(); i++)
    EXPECT_EQ((*out)[i], (*want)[i]) << "output frame " << i;
}

}  // namespace
}  // namespace dsrlb::testing
