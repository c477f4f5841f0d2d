// BGP mode's status through the state and the API service in-process: what
// the BGP part hands to LbState::SetBgpStatus is what ListVirtualServers
// and GetVirtualServer report, on every virtual server of the address and
// on no other; reporting it changes no version (the part is not woken by
// its own report, no table is built).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controlplane/api/service.h"
#include "controlplane/model/lb_state.h"

namespace dsrlb::api {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

const VsKey kHttp{Ip("192.168.50.15"), 80, config::Protocol::kTcp};
const VsKey kHttps{Ip("192.168.50.15"), 443, config::Protocol::kTcp};
const VsKey kOther{Ip("192.168.50.16"), 80, config::Protocol::kTcp};

class BgpStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const VsKey& k : {kHttp, kHttps, kOther})
      ASSERT_TRUE(state_.AddVirtualServer(k, config::LbAlgo::kWrr, 0).ok());
  }
  v1::ListVirtualServersResponse List() {
    v1::ListVirtualServersResponse out;
    v1::ListVirtualServersRequest req;
    EXPECT_TRUE(service_.ListVirtualServers(nullptr, &req, &out).ok());
    return out;
  }

  LbState state_{nullptr};
  DsrlbService service_{ServiceDeps{&state_}};
};

TEST_F(BgpStatusTest, ListShowsTheReportedStatusOnEveryServerOfTheAddress) {
  BgpStatus st;
  st.announced = false;
  st.reason = "dataplane down: heartbeat stale";
  st.since_unix_ms = 1795000000123;
  st.speaker = "127.0.0.1:50051";
  const uint64_t version = state_.Version();
  state_.SetBgpStatus({{kHttp.address, st}});
  EXPECT_EQ(state_.Version(), version);
  v1::ListVirtualServersResponse l = List();
  ASSERT_EQ(l.virtual_servers_size(), 3);
  for (int i : {0, 1}) {
    const v1::VirtualServer& vs = l.virtual_servers(i);
    ASSERT_TRUE(vs.has_bgp()) << i;
    EXPECT_FALSE(vs.bgp().announced());
    EXPECT_EQ(vs.bgp().reason(), "dataplane down: heartbeat stale");
    EXPECT_EQ(vs.bgp().since_unix_ms(), 1795000000123);
    EXPECT_EQ(vs.bgp().speaker(), "127.0.0.1:50051");
    EXPECT_EQ(vs.bgp().next_hop(), "");
  }
  EXPECT_FALSE(l.virtual_servers(2).has_bgp());

  st.announced = true;
  st.reason = "";
  st.next_hop = Ip("10.10.0.11");
  state_.SetBgpStatus({{kHttp.address, st}});
  v1::GetVirtualServerRequest get;
  get.mutable_virtual_server()->set_address("192.168.50.15");
  get.mutable_virtual_server()->set_port(443);
  get.mutable_virtual_server()->set_protocol(v1::PROTOCOL_TCP);
  v1::VirtualServer vs;
  ASSERT_TRUE(service_.GetVirtualServer(nullptr, &get, &vs).ok());
  EXPECT_TRUE(vs.bgp().announced());
  EXPECT_EQ(vs.bgp().next_hop(), "10.10.0.11");

  // No bgp block any more: no status.
  state_.SetBgpStatus({});
  const v1::ListVirtualServersResponse after = List();
  for (const v1::VirtualServer& v : after.virtual_servers())
    EXPECT_FALSE(v.has_bgp());
}

}  // namespace
}  // namespace dsrlb::api
