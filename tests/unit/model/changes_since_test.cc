// LbState::ChangesSince: what the publisher reads after a change is the
// virtual servers that change touched (with what their table needs), or
// the whole state after a change of shape; changes the table does not
// read touch nothing.
#include <gtest/gtest.h>

#include <string>

#include "controlplane/model/lb_state.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const std::string& s) { return *IpAddress::Parse(s); }
VsKey Vs(int v, uint16_t port = 80) {
  return VsKey{Ip("10.100.0." + std::to_string(v + 1)), port,
               config::Protocol::kTcp};
}
RsKey Rs(int v, int r, uint16_t port = 80) {
  return RsKey{Ip("172.16." + std::to_string(v) + "." + std::to_string(r + 1)),
               port};
}

class ChangesSinceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int v = 0; v < 5; v++) {
      ASSERT_TRUE(state_.AddVirtualServer(Vs(v), config::LbAlgo::kWrr, 0).ok());
      for (int r = 0; r < 2; r++) {
        ASSERT_TRUE(state_.AddRealServer(Vs(v), Rs(v, r), 1).ok());
        state_.SetNeighbor(Rs(v, r).address,
                           NeighborState{Mac{2, 0, 0, 0, uint8_t(v), 1}, ""});
      }
    }
    // Vs(2)'s address serves port 443 too.
    ASSERT_TRUE(
        state_.AddVirtualServer(Vs(2, 443), config::LbAlgo::kWrr, 0).ok());
    ASSERT_TRUE(state_.AddRealServer(Vs(2, 443), Rs(2, 0, 443), 1).ok());
    seen_ = state_.Version();
  }

  LbState state_{nullptr};
  uint64_t seen_ = 0;
};

TEST_F(ChangesSinceTest, SinceZeroOrAnUnknownVersionIsTheWholeState) {
  StateChanges c = state_.ChangesSince(0);
  EXPECT_TRUE(c.whole);
  EXPECT_EQ(c.snapshot.virtual_servers.size(), 6u);
  EXPECT_EQ(c.snapshot.neighbors.size(), 10u);
  EXPECT_TRUE(state_.ChangesSince(seen_ + 1).whole);
}

TEST_F(ChangesSinceTest, AWeightChangeTouchesItsVirtualServerAlone) {
  ASSERT_TRUE(state_.SetWeight(Vs(3), Rs(3, 1), 5).ok());
  StateChanges c = state_.ChangesSince(seen_);
  ASSERT_FALSE(c.whole);
  EXPECT_EQ(c.virtual_servers, 6u);
  ASSERT_EQ(c.positions, std::vector<size_t>{3});
  ASSERT_EQ(c.snapshot.virtual_servers.size(), 1u);
  EXPECT_EQ(c.snapshot.virtual_servers[0].key, Vs(3));
  EXPECT_EQ(c.snapshot.virtual_servers[0].real_servers[1].weight, 5u);
  // Its real servers' neighbours come along, no other.
  EXPECT_EQ(c.snapshot.neighbors.size(), 2u);
  EXPECT_TRUE(c.snapshot.neighbors.contains(Rs(3, 0).address));
  EXPECT_EQ(c.snapshot.version, state_.Version());
  // Nothing since the version that change made.
  c = state_.ChangesSince(state_.Version());
  EXPECT_FALSE(c.whole);
  EXPECT_TRUE(c.positions.empty());
}

TEST_F(ChangesSinceTest, HealthDrainAndActivityTouchWhatTheyChange) {
  ASSERT_TRUE(state_.SetHealth(Vs(1), Rs(1, 0), false, "refused").ok());
  ASSERT_TRUE(state_.SetDrain(Vs(4), Rs(4, 1), true).ok());
  state_.SetVipActive(Vs(2).address, false);  // both services of 10.100.0.3
  StateChanges c = state_.ChangesSince(seen_);
  ASSERT_FALSE(c.whole);
  EXPECT_EQ(c.positions, (std::vector<size_t>{1, 2, 4, 5}));
  ASSERT_TRUE(c.snapshot.vip_active.contains(Vs(2).address));
  EXPECT_FALSE(c.snapshot.vip_active.at(Vs(2).address));
  // Only what happened after a given version.
  const uint64_t mid = state_.Version();
  ASSERT_TRUE(
      state_.EditVirtualServer(Vs(0), config::LbAlgo::kSh, std::nullopt).ok());
  EXPECT_EQ(state_.ChangesSince(mid).positions, std::vector<size_t>{0});
}

TEST_F(ChangesSinceTest, ANewShapeOrMacIsTheWholeStateFromThenOn) {
  ASSERT_TRUE(state_.AddRealServer(Vs(0), Rs(0, 7), 1).ok());
  EXPECT_TRUE(state_.ChangesSince(seen_).whole);
  const uint64_t after_add = state_.Version();
  EXPECT_FALSE(state_.ChangesSince(after_add).whole);
  state_.SetNeighbor(Rs(4, 0).address,
                     NeighborState{Mac{2, 9, 9, 9, 9, 9}, ""});
  EXPECT_TRUE(state_.ChangesSince(after_add).whole);
}

TEST_F(ChangesSinceTest, ANeighboursReasonAloneTouchesNothing) {
  state_.SetNeighbor(Ip("192.0.2.99"), NeighborState{std::nullopt, "FAILED"});
  EXPECT_GT(state_.Version(), seen_);
  StateChanges c = state_.ChangesSince(seen_);
  EXPECT_FALSE(c.whole);
  EXPECT_TRUE(c.positions.empty());
}

}  // namespace
}  // namespace dsrlb::api
