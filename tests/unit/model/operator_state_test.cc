// The operator's changes: kept in a file that a new process reads back, laid
// over a state loaded from the configuration, and refused when broken.
#include "controlplane/model/operator_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "controlplane/model/event_hub.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }
const VsKey kVs{Ip("192.168.4.15"), 80, config::Protocol::kTcp};
const VsKey kVs2{Ip("192.168.4.16"), 443, config::Protocol::kTcp};
const RsKey kWeb1{Ip("192.168.4.100"), 80};
const RsKey kWeb2{Ip("192.168.4.200"), 80};

config::Config SeedConfig() {
  config::Config c;
  config::VirtualServer vs;
  vs.address = kVs.address;
  vs.port = 80;
  vs.lb_algo = config::LbAlgo::kWrr;
  config::RealServer r1;
  r1.address = kWeb1.address;
  r1.port = 80;
  r1.weight = 1;
  config::RealServer r2 = r1;
  r2.address = kWeb2.address;
  r2.weight = 2;
  vs.real_servers = {r1, r2};
  c.virtual_servers.push_back(vs);
  return c;
}

const RealServerState* FindRs(const StateSnapshot& s, const VsKey& vs,
                              const RsKey& rs) {
  for (const VirtualServerState& v : s.virtual_servers) {
    if (v.key != vs) continue;
    for (const RealServerState& r : v.real_servers)
      if (r.key == rs) return &r;
  }
  return nullptr;
}

TEST(OperatorState, ChangesOutliveTheProcessAndLayOverTheConfiguration) {
  dsrlb::testing::TempDir dir;
  const std::string path = dir.File("keepalived.conf.state");
  {
    OperatorState recorded(path);
    ASSERT_TRUE(recorded.SetDrain(kVs, kWeb1, true).ok());
    ASSERT_TRUE(recorded.SetWeight(kVs, kWeb2, 5).ok());
    ASSERT_TRUE(recorded.AddVs(kVs2, config::LbAlgo::kRr, 300).ok());
    ASSERT_TRUE(recorded.AddRs(kVs2, RsKey{kWeb1.address, 443}, 3).ok());
  }
  OperatorState loaded(path);
  ASSERT_TRUE(loaded.Load().ok());
  EXPECT_EQ(loaded.size(), 4u);

  EventHub events;
  LbState state(&events);
  ASSERT_TRUE(state.ApplyConfig(SeedConfig()).ok());
  EXPECT_THAT(loaded.ApplyTo(&state), ElementsAre());
  StateSnapshot s = state.Snapshot();
  ASSERT_NE(FindRs(s, kVs, kWeb1), nullptr);
  EXPECT_TRUE(FindRs(s, kVs, kWeb1)->draining);
  EXPECT_EQ(FindRs(s, kVs, kWeb2)->weight, 5u);
  ASSERT_EQ(s.virtual_servers.size(), 2u);
  EXPECT_EQ(s.virtual_servers[1].key, kVs2);
  EXPECT_EQ(s.virtual_servers[1].algo, config::LbAlgo::kRr);
  EXPECT_EQ(s.virtual_servers[1].persistence_timeout_s, 300u);
  ASSERT_NE(FindRs(s, kVs2, RsKey{kWeb1.address, 443}), nullptr);
  EXPECT_EQ(FindRs(s, kVs2, RsKey{kWeb1.address, 443})->weight, 3u);
}

TEST(OperatorState, TheFileIsJsonAnOperatorCanRead) {
  dsrlb::testing::TempDir dir;
  const std::string path = dir.File("state");
  OperatorState o(path);
  ASSERT_TRUE(o.SetDrain(kVs, kWeb1, true).ok());
  ASSERT_TRUE(o.RemoveVs(kVs2).ok());
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["virtual_servers"][0]["address"], "192.168.4.16");
  EXPECT_EQ(j["virtual_servers"][0]["port"], 443);
  EXPECT_EQ(j["virtual_servers"][0]["change"], "remove");
  EXPECT_EQ(j["real_servers"][0]["address"], "192.168.4.100");
  EXPECT_EQ(j["real_servers"][0]["drain"], true);
  EXPECT_EQ(j["real_servers"][0]["virtual_server"]["protocol"], "TCP");
}

TEST(OperatorState, RemovingAVirtualServerForgetsItsRealServers) {
  dsrlb::testing::TempDir dir;
  OperatorState o(dir.File("state"));
  ASSERT_TRUE(o.SetWeight(kVs, kWeb2, 9).ok());
  ASSERT_TRUE(o.RemoveVs(kVs).ok());
  EventHub events;
  LbState state(&events);
  ASSERT_TRUE(state.ApplyConfig(SeedConfig()).ok());
  EXPECT_THAT(o.ApplyTo(&state), ElementsAre());
  EXPECT_TRUE(state.Snapshot().virtual_servers.empty());
  EXPECT_EQ(o.size(), 1u);
}

TEST(OperatorState, ChangesThatNoLongerApplyAreNamedNotFatal) {
  dsrlb::testing::TempDir dir;
  OperatorState o(dir.File("state"));
  const RsKey gone{Ip("192.168.4.250"), 80};
  ASSERT_TRUE(o.SetDrain(kVs, gone, true).ok());
  ASSERT_TRUE(o.SetDrain(kVs, kWeb2, true).ok());
  EventHub events;
  LbState state(&events);
  ASSERT_TRUE(state.ApplyConfig(SeedConfig()).ok());
  std::vector<std::string> stale = o.ApplyTo(&state);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_THAT(stale[0], HasSubstr("192.168.4.250"));
  EXPECT_TRUE(FindRs(state.Snapshot(), kVs, kWeb2)->draining);
}

TEST(OperatorState, ABrokenFileIsRefusedAndKeepsWhatWasLoaded) {
  dsrlb::testing::TempDir dir;
  const std::string path = dir.File("state");
  OperatorState o(path);
  ASSERT_TRUE(o.SetDrain(kVs, kWeb1, true).ok());
  for (const char* text :
       {"{ not json", "[]", R"({"version": 7})",
        R"({"version": 1, "real_servers": [{"address": "x"}]})",
        R"({"version": 1, "virtual_servers": [{"protocol": "SCTP",
            "address": "10.0.0.1", "port": 1, "change": "add"}]})"}) {
    std::ofstream(path) << text;
    absl::Status st = o.Load();
    EXPECT_FALSE(st.ok()) << text;
    EXPECT_THAT(st.message(), HasSubstr("state file " + path)) << text;
    EXPECT_EQ(o.size(), 1u) << text;
  }
}

TEST(OperatorState, NoFileMeansNoChangesAndNoPathMeansMemoryOnly) {
  dsrlb::testing::TempDir dir;
  OperatorState absent(dir.File("absent"));
  EXPECT_TRUE(absent.Load().ok());
  EXPECT_EQ(absent.size(), 0u);
  OperatorState memory("");
  ASSERT_TRUE(memory.SetDrain(kVs, kWeb1, true).ok());
  EXPECT_EQ(memory.size(), 1u);
}

}  // namespace
}  // namespace dsrlb::api
