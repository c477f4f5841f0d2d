// keepalived's quorum, hysteresis, alpha, sorry_server and misc_dynamic
// weights in the service model, observed where a user sees them: the
// quorum scripts the state hands over, the events `dsrlbctl watch` shows,
// and the table the publisher writes (decoded from the region).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controlplane/config/parser.h"
#include "controlplane/model/lb_state.h"
#include "controlplane/tables/publisher.h"
#include "controlplane/tables/region_decoder.h"
#include "dataplane/shm/mapped_file.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }
const VsKey kVs{Ip("10.0.0.1"), 80, config::Protocol::kTcp};
RsKey Rs(int i) { return RsKey{Ip(absl::StrCat("10.0.1.", i).c_str()), 80}; }

// N real servers of one weight with a checker each, the block's extra
// lines (quorum, sorry_server...) first.
std::string VirtualServerText(int servers, const std::string& extra,
                              const std::string& rs_extra = "",
                              int weight = 1) {
  std::string text = absl::StrCat(
      "virtual_server 10.0.0.1 80 {\n lb_algo wrr\n lb_kind DR\n", extra);
  for (int i = 1; i <= servers; i++)
    absl::StrAppend(&text, " real_server 10.0.1.", i, " 80 {\n  weight ",
                    weight, "\n", rs_extra, "  TCP_CHECK {\n  }\n }\n");
  return text + "}\n";
}

class QuorumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.SetQuorumListener(
        [this](const QuorumChange& c) { changes_.push_back(c); });
    TableOptions options;
    options.ring_size = 1009;
    publisher_ =
        *Publisher::Create(dir_.File("table"), dir_.File("stats"), options);
  }

  void Apply(const std::string& text) {
    absl::StatusOr<config::Config> c = config::ParseConfigText(text, "q.conf");
    ASSERT_TRUE(c.ok()) << c.status();
    for (const config::VirtualServer& vs : c->virtual_servers) {
      for (const config::RealServer& rs : vs.real_servers)
        state_.SetNeighbor(rs.address, NeighborState{Mac{2, 0, 0, 0, 0, 1}});
      if (vs.sorry_server.has_value())
        state_.SetNeighbor(vs.sorry_server->address,
                           NeighborState{Mac{2, 0, 0, 0, 0, 9}});
    }
    ASSERT_TRUE(state_.ApplyConfig(*c).ok());
  }

  void Health(int i, bool up, std::optional<uint32_t> weight = std::nullopt) {
    ASSERT_TRUE(state_.SetHealth(kVs, Rs(i), up, "test", weight).ok());
  }

  bool QuorumUp() { return state_.Snapshot().virtual_servers[0].quorum_up; }

  // Publishes and returns backend address -> decoded table record.
  std::map<std::string, nlohmann::json> Table() {
    auto g = publisher_->Publish(state_.Snapshot());
    EXPECT_TRUE(g.ok()) << g.status();
    auto file = *shm::MappedFile::Open(dir_.File("table"), false);
    auto region = *shm::TableRegion::FromMemory(file.data(), file.size());
    nlohmann::json j = *tables::DecodeTable(region);
    std::map<std::string, nlohmann::json> out;
    for (const auto& b : j["vips"][0]["backends"])
      out[b["address"].get<std::string>()] = b;
    return out;
  }

  testing::TempDir dir_;
  EventHub events_;
  LbState state_{&events_};
  std::unique_ptr<Publisher> publisher_;
  std::vector<QuorumChange> changes_;
};

// The repro: two weight-1 servers, quorum 2, one fails.
TEST_F(QuorumTest, LosingQuorumRunsQuorumDownAndKeepsTheLiveServer) {
  Apply(VirtualServerText(2,
                          " quorum 2\n quorum_up /bin/up\n"
                          " quorum_down /bin/down\n"));
  // keepalived starts the virtual server with quorum up and says so.
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_TRUE(changes_[0].up);
  EXPECT_EQ(changes_[0].script, "/bin/up");
  EXPECT_TRUE(QuorumUp());

  uint64_t cursor = events_.NextSeq();
  Health(2, false);
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_FALSE(changes_[1].up);
  EXPECT_EQ(changes_[1].script, "/bin/down");
  EXPECT_EQ(changes_[1].reason, "Lost quorum 2-0=2 > 1");
  EXPECT_FALSE(QuorumUp());
  EXPECT_EQ(state_.Snapshot().virtual_servers[0].live_weight, 1u);
  uint64_t lost = 0;
  std::vector<Event> ev = events_.Wait(&cursor, absl::ZeroDuration(), &lost);
  ASSERT_EQ(ev.size(), 2u);  // the real server, then the quorum
  EXPECT_EQ(ev[1].kind, Event::Kind::kQuorum);
  EXPECT_FALSE(ev[1].quorum_up);
  // No sorry server: keepalived leaves the live servers in IPVS.
  auto t = Table();
  EXPECT_EQ(t["10.0.1.1"]["state"], "up");
  EXPECT_EQ(t["10.0.1.1"]["ring_share"], 1.0);

  Health(2, true);
  ASSERT_EQ(changes_.size(), 3u);
  EXPECT_TRUE(changes_[2].up);
  EXPECT_EQ(changes_[2].script, "/bin/up");
}

// keepalived's doc/samples/keepalived.conf.quorum: ten servers, alpha,
// quorum 7, hysteresis 2: "the quorum will not be reached until 9 (7+2)
// live servers are present", and "will not break until the pool has 5
// (7-2) or more live servers".
TEST_F(QuorumTest, HysteresisAsKeepalivedsQuorumSampleDescribes) {
  Apply(VirtualServerText(10,
                          " alpha\n omega\n quorum 7\n hysteresis 2\n"
                          " quorum_up /q-up\n quorum_down /q-down\n"));
  EXPECT_FALSE(QuorumUp());  // alpha: all down at start
  EXPECT_TRUE(changes_.empty());
  for (int i = 1; i <= 8; i++) Health(i, true);
  EXPECT_FALSE(QuorumUp()) << "8 live servers";
  Health(9, true);
  EXPECT_TRUE(QuorumUp()) << "9 live servers";
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].script, "/q-up");
  EXPECT_EQ(changes_[0].reason, "Gained quorum 7+2=9 <= 9");
  for (int i = 9; i >= 6; i--) Health(i, false);
  EXPECT_TRUE(QuorumUp()) << "5 live servers";
  EXPECT_EQ(changes_.size(), 1u);
  Health(5, false);
  EXPECT_FALSE(QuorumUp()) << "4 live servers";
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_EQ(changes_[1].script, "/q-down");
  // Back to 7 (the nominal quorum): still down until 9.
  for (int i = 5; i <= 7; i++) Health(i, true);
  EXPECT_FALSE(QuorumUp()) << "7 live servers";
}

TEST_F(QuorumTest, DrainedServersAndWeightsCountAsTheRingWouldUseThem) {
  Apply(VirtualServerText(2, " quorum 2\n"));
  ASSERT_TRUE(state_.SetDrain(kVs, Rs(1), true).ok());
  EXPECT_FALSE(QuorumUp());
  ASSERT_TRUE(state_.SetWeight(kVs, Rs(2), 2).ok());
  EXPECT_TRUE(QuorumUp());
  ASSERT_EQ(changes_.size(), 3u);  // up at start, down, up
}

TEST_F(QuorumTest, SorryServerTakesTheRingWhileQuorumIsLost) {
  Apply(VirtualServerText(2, " quorum 2\n sorry_server 10.0.0.9\n"));
  auto t = Table();
  EXPECT_EQ(t["10.0.0.9"]["state"], "down");
  EXPECT_EQ(t["10.0.0.9"]["ring_slots"], 0);
  EXPECT_NEAR(t["10.0.1.1"]["ring_share"].get<double>(), 0.5, 0.01);

  Health(2, false);
  t = Table();
  EXPECT_EQ(t["10.0.0.9"]["state"], "up");
  EXPECT_EQ(t["10.0.0.9"]["ring_share"], 1.0);
  // keepalived takes the live server out for the sorry server.
  EXPECT_EQ(t["10.0.1.1"]["state"], "down");
  EXPECT_EQ(t["10.0.1.1"]["ring_slots"], 0);
  const VirtualServerState vs = state_.Snapshot().virtual_servers[0];
  ASSERT_EQ(vs.real_servers.size(), 3u);
  EXPECT_TRUE(vs.real_servers[2].sorry);

  Health(2, true);
  t = Table();
  EXPECT_EQ(t["10.0.0.9"]["state"], "down");
  EXPECT_EQ(t["10.0.0.9"]["ring_slots"], 0);
  EXPECT_EQ(t["10.0.1.2"]["state"], "up");
}

TEST_F(QuorumTest, SorryServerInhibitAndInhibitOnFailureQuiesceInstead) {
  Apply(VirtualServerText(2,
                          " quorum 2\n sorry_server 10.0.0.9 80\n"
                          " sorry_server_inhibit\n",
                          "  inhibit_on_failure\n"));
  auto t = Table();
  EXPECT_EQ(t["10.0.0.9"]["state"], "draining");  // in IPVS at weight 0
  EXPECT_EQ(t["10.0.0.9"]["ring_slots"], 0);
  Health(1, false);
  t = Table();
  EXPECT_EQ(t["10.0.0.9"]["state"], "up");
  EXPECT_EQ(t["10.0.0.9"]["ring_share"], 1.0);
  EXPECT_EQ(t["10.0.1.2"]["state"], "draining");  // weight 0, not removed
}

TEST_F(QuorumTest, AlphaWithSorryServerStartsOnTheSorryServer) {
  Apply(VirtualServerText(2,
                          " alpha\n sorry_server 10.0.0.9\n"
                          " quorum_down /down\n"));
  // keepalived: "Starting with quorum down", sorry server added.
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_FALSE(changes_[0].up);
  EXPECT_TRUE(changes_[0].init);
  EXPECT_EQ(changes_[0].script, "/down");
  EXPECT_EQ(Table()["10.0.0.9"]["state"], "up");
  Health(1, true);
  EXPECT_TRUE(QuorumUp());
  auto t = Table();
  EXPECT_EQ(t["10.0.0.9"]["state"], "down");
  EXPECT_EQ(t["10.0.1.1"]["ring_share"], 1.0);
  EXPECT_EQ(t["10.0.1.2"]["state"], "down");  // alpha: not checked yet
}

TEST_F(QuorumTest, ReloadKeepsQuorumAndDoesNotRepeatTheScripts) {
  const std::string text =
      VirtualServerText(2, " quorum 2\n sorry_server 10.0.0.9\n");
  Apply(text);
  Health(1, false);
  ASSERT_EQ(changes_.size(), 2u);
  Apply(text);
  EXPECT_EQ(changes_.size(), 2u);
  EXPECT_FALSE(QuorumUp());
  EXPECT_EQ(Table()["10.0.0.9"]["state"], "up");
}

// MISC_CHECK misc_dynamic: an exit code of 5 sets weight 3.
TEST_F(QuorumTest, MiscDynamicWeightReachesTheTableAndTheQuorum) {
  Apply(VirtualServerText(2, " quorum 3\n", "", /*weight=*/2));
  EXPECT_TRUE(QuorumUp());
  Health(1, true, 3);
  const VirtualServerState vs = state_.Snapshot().virtual_servers[0];
  EXPECT_EQ(vs.real_servers[0].check_weight, 3u);
  EXPECT_EQ(vs.live_weight, 5u);
  auto t = Table();
  EXPECT_EQ(t["10.0.1.1"]["weight"], 3);
  EXPECT_NEAR(t["10.0.1.1"]["ring_share"].get<double>(), 3.0 / 5, 0.01);
  Health(1, true, 0);  // exit 2: weight 0, quiesced
  t = Table();
  EXPECT_EQ(t["10.0.1.1"]["state"], "draining");
  EXPECT_FALSE(QuorumUp()) << "live weight 0 + 2 < quorum 3";
}

}  // namespace
}  // namespace dsrlb::api
