// Traffic to many VIPs at once: consecutive packets of a burst go to
// different VIPs, so a hit cannot lean on the last VIP looked up. Every
// frame must still reach the backend its VIP's ring names, be counted
// under its own VIP and backend, and stop at once when its VIP goes
// inactive; in both burst shapes and packet by packet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "tests/unit/dataplane/pipeline_env.h"

namespace dsrlb::dataplane::test {
namespace {

constexpr int kVips = 12, kClients = 8, kBackends = 4;
constexpr uint8_t kTcp = 6;

IpAddress VipAddress(int v) {
  return Ip(("10.9.0." + std::to_string(v + 1)).c_str());
}
IpAddress Client(int c) {
  return Ip(("192.0.2." + std::to_string(c + 10)).c_str());
}

tables::TableSpec ManyVips() {
  tables::TableSpec s = DefaultSpec();
  s.vips.clear();
  for (int v = 0; v < kVips; v++)
    s.vips.push_back(
        MakeVip(VipAddress(v).ToString().c_str(), kTcp, 80, v, kBackends));
  return s;
}

// One round: every client's flow to every VIP, VIP changing with every
// frame (v fastest). ACKs without SYN: established at the first packet.
std::vector<Bytes> Round() {
  std::vector<Bytes> frames;
  for (int c = 0; c < kClients; c++)
    for (int v = 0; v < kVips; v++)
      frames.push_back(
          Ether(0x0800, Ipv4(Client(c), VipAddress(v), kTcp,
                             Tcp(static_cast<uint16_t>(4000 + c), 80, 10))));
  return frames;
}

enum class Shape { kOneByOne, kBurst };

// Sends `frames` through env in bursts of 32 (or one by one); verdicts out.
std::vector<Verdict> Send(PipelineEnv& env, std::vector<Bytes>& frames,
                          Shape shape, uint64_t now) {
  std::vector<Verdict> out(frames.size());
  if (shape == Shape::kOneByOne) {
    for (size_t i = 0; i < frames.size(); i++)
      out[i] = env.Send(frames[i], now);
    return out;
  }
  std::vector<uint8_t*> ptrs;
  std::vector<uint32_t> lens;
  for (Bytes& f : frames) {
    ptrs.push_back(f.data());
    lens.push_back(static_cast<uint32_t>(f.size()));
  }
  for (size_t at = 0; at < frames.size(); at += 32) {
    const size_t n = std::min<size_t>(32, frames.size() - at);
    env.pipeline().ProcessBurst(env.table(), ptrs.data() + at, lens.data() + at,
                                static_cast<uint32_t>(n), now, out.data() + at);
  }
  return out;
}

// Many live flows elsewhere put the burst on its prefetch passes.
void Prefill(FlowTable& t, uint32_t n) {
  FlowTable::InsertResult ir;
  for (uint32_t i = 0; i < n; i++) {
    FlowKey k{};
    const uint8_t src[4] = {203, 0, 113, static_cast<uint8_t>(i)};
    const uint8_t dst[4] = {198, 51, 100, 1};
    std::memcpy(k.src, src, 4);
    std::memcpy(k.dst, dst, 4);
    k.sport = static_cast<uint16_t>(1024 + (i >> 8));
    k.dport = 80;
    k.family = 4;
    k.proto = kTcp;
    t.Insert(k, FlowTable::Hash(k), 0, 1u << 30, &ir);
  }
}

void ExpectEveryVipServedAndCounted(Shape shape, uint32_t prefill) {
  PipelineEnv env(1u << 16);
  Prefill(env.flows(), prefill);
  ASSERT_TRUE(env.Publish(ManyVips()).ok());
  const int rounds = 4;
  for (int r = 0; r < rounds; r++) {
    std::vector<Bytes> frames = Round();
    const std::vector<Verdict> got = Send(env, frames, shape, kSecond + r);
    for (size_t i = 0; i < frames.size(); i++) {
      const int c = static_cast<int>(i) / kVips,
                v = static_cast<int>(i) % kVips;
      ASSERT_EQ(got[i], Verdict::kForward) << "round " << r << " frame " << i;
      const uint16_t want =
          env.RingBackend(v, Client(c), VipAddress(v),
                          static_cast<uint16_t>(4000 + c), 80, kTcp);
      EXPECT_EQ(env.BackendOf(frames[i]), want) << "round " << r << " " << i;
    }
  }
  // The first round made the flows; every later packet was a hit.
  const uint64_t per_round = kClients * kVips;
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_MISS), per_round);
  EXPECT_EQ(env.counter(DSRLB_CTR_FLOW_HIT), per_round * (rounds - 1));
  EXPECT_EQ(env.counter(DSRLB_CTR_FORWARDED), per_round * rounds);
  const uint64_t frame_len = Round()[0].size();
  uint64_t backend_packets = 0;
  for (int v = 0; v < kVips; v++) {
    EXPECT_EQ(env.vip_stats(v).packets, uint64_t{kClients} * rounds) << v;
    EXPECT_EQ(env.vip_stats(v).bytes, uint64_t{kClients} * rounds * frame_len);
    // Each backend record belongs to one VIP: its packets are that VIP's.
    uint64_t of_vip = 0;
    for (uint16_t b = 1; b < env.table()->hdr->num_backends; b++)
      if (env.table()->backends[b].vip == v)
        of_vip += env.backend_stats(b).packets;
    EXPECT_EQ(of_vip, uint64_t{kClients} * rounds) << v;
    backend_packets += of_vip;
  }
  EXPECT_EQ(backend_packets, per_round * rounds);
}

TEST(PipelineManyVipsTest, OneByOneEveryVipIsServedAndCountedOnItsOwn) {
  ExpectEveryVipServedAndCounted(Shape::kOneByOne, 0);
}

TEST(PipelineManyVipsTest, OnePassBurstEveryVipIsServedAndCountedOnItsOwn) {
  ExpectEveryVipServedAndCounted(Shape::kBurst, 0);
}

TEST(PipelineManyVipsTest, PrefetchBurstEveryVipIsServedAndCountedOnItsOwn) {
  ExpectEveryVipServedAndCounted(Shape::kBurst, 6000);
}

TEST(PipelineManyVipsTest, AVipGoingInactiveStopsItsEstablishedFlowsAtOnce) {
  for (uint32_t prefill : {0u, 6000u}) {
    PipelineEnv env(1u << 16);
    Prefill(env.flows(), prefill);
    ASSERT_TRUE(env.Publish(ManyVips()).ok());
    std::vector<Bytes> frames = Round();
    Send(env, frames, Shape::kBurst, kSecond);
    frames = Round();
    Send(env, frames, Shape::kBurst, kSecond + 1);  // marked: hits
    tables::TableSpec spec = ManyVips();
    spec.vips[5].active = false;
    ASSERT_TRUE(env.Publish(spec).ok());
    frames = Round();
    const std::vector<Verdict> got =
        Send(env, frames, Shape::kBurst, kSecond + 2);
    for (size_t i = 0; i < got.size(); i++)
      EXPECT_EQ(got[i], static_cast<int>(i) % kVips == 5 ? Verdict::kDrop
                                                         : Verdict::kForward)
          << "prefill " << prefill << " frame " << i;
    EXPECT_EQ(env.drop(DSRLB_DROP_VIP_INACTIVE), uint64_t{kClients});
  }
}

}  // namespace
}  // namespace dsrlb::dataplane::test
