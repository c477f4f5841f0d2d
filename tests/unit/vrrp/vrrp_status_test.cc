// dsrlb-vrrpd's status file: state, master, transitions and drops by name.
#include "controlplane/vrrp/vrrp_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

using ::testing::HasSubstr;

TEST(VrrpStatus, StatusFileListsStateMasterAndDropsByName) {
  InstanceStatus s;
  s.name = "VI_1";
  s.state = State::kMaster;
  s.master_addr = *IpAddress::Parse("10.0.0.1");
  s.counters.drops[static_cast<size_t>(DropReason::kBadTtl)] = 3;
  s.transitions.push_back({"VI_1", absl::FromUnixSeconds(10), State::kBackup,
                           State::kMaster, "master down timer expired"});
  std::string j = StatusToJson({s});
  EXPECT_THAT(j, HasSubstr(R"("state": "MASTER")"));
  EXPECT_THAT(j, HasSubstr(R"("master": "10.0.0.1")"));
  EXPECT_THAT(j, HasSubstr(R"("bad_ttl": 3)"));
  EXPECT_THAT(j, HasSubstr(R"("at_unix_ns": 10000000000)"));
}

}  // namespace
}  // namespace dsrlb::vrrp
