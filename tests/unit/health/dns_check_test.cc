// DNS_CHECK against a real DNS responder on loopback (a UDP server on the
// test's loop answering with a fixed A record), with fake time; and
// keepalived's DNS_CHECK defaults read from a configuration file.
#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controlplane/config/parser.h"
#include "controlplane/health/health_monitor.h"
#include "tests/unit/health/check_fixture.h"
#include "tests/unit/health/health_test_util.h"
#include "tests/unit/health/udp_test_server.h"

namespace dsrlb::health {
namespace {

using testing::AdvanceTo;
using testing::Bytes;
using testing::OneServer;
using testing::RunUntil;
using testing::Settle;
using testing::TheRs;
using testing::TheVs;
using testing::UdpTestServer;

// What a responder read from a query (RFC 1035 4.1).
struct Question {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t qdcount = 0;
  std::string name;  // dotted, "" for the root
  uint16_t type = 0;
  uint16_t klass = 0;
};

Question ReadQuestion(const Bytes& q) {
  Question out;
  if (q.size() < 12) return out;
  out.id = static_cast<uint16_t>(q[0] << 8 | q[1]);
  out.flags = static_cast<uint16_t>(q[2] << 8 | q[3]);
  out.qdcount = static_cast<uint16_t>(q[4] << 8 | q[5]);
  size_t i = 12;
  while (i < q.size() && q[i] != 0) {
    if (!out.name.empty()) out.name += ".";
    out.name.append(q.begin() + i + 1, q.begin() + i + 1 + q[i]);
    i += q[i] + 1u;
  }
  i++;
  if (i + 4 > q.size()) return out;
  out.type = static_cast<uint16_t>(q[i] << 8 | q[i + 1]);
  out.klass = static_cast<uint16_t>(q[i + 2] << 8 | q[i + 3]);
  return out;
}

// The response to `query`: its id and question, QR|RD|RA, `rcode`, one
// A record 192.0.2.53 for the name; `id_delta` answers to another id.
Bytes Response(const Bytes& query, int rcode, int id_delta = 0) {
  Bytes r(query);
  const uint16_t id =
      static_cast<uint16_t>(((query[0] << 8) | query[1]) + id_delta);
  r[0] = static_cast<uint8_t>(id >> 8);
  r[1] = static_cast<uint8_t>(id);
  r[2] = 0x81;                                // QR, RD
  r[3] = static_cast<uint8_t>(0x80 | rcode);  // RA, RCODE
  r[7] = rcode == 0 ? 1 : 0;                  // ANCOUNT
  if (rcode == 0) {
    const Bytes answer = {0xc0, 0x0c, 0, 1, 0,   1, 0, 0,
                          0x0e, 0x10, 0, 4, 192, 0, 2, 53};
    r.insert(r.end(), answer.begin(), answer.end());
  }
  return r;
}

config::Checker Dns(uint16_t port, std::string type, std::string name) {
  config::Checker c;
  c.kind = config::CheckerKind::kDns;
  c.connect_port = port;
  c.connect_timeout = absl::Seconds(2);
  c.retry = 0;
  c.dns_type = std::move(type);
  c.dns_name = std::move(name);
  return c;
}

using DnsCheckTest = testing::CheckFixture;

TEST_F(DnsCheckTest, AnswerWithTheQueryIdIsUpAndTheQueryIsKeepaliveds) {
  UdpTestServer server(&loop_, [](const Bytes& q) {
    return std::vector<Bytes>{Response(q, 0)};
  });
  Apply(server.port(), Dns(server.port(), "A", "www.example.com"), true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up) << events_[0].reason;
  EXPECT_EQ(events_[0].time, t0_);
  EXPECT_EQ(events_[0].reason,
            absl::StrCat("DNS A www.example.com to 127.0.0.1:", server.port(),
                         ": response RCODE 0, 1 answer"));
  ASSERT_EQ(server.received().size(), 1u);
  const Question q = ReadQuestion(server.received()[0]);
  EXPECT_EQ(q.flags, 0x0100) << "a standard query with recursion desired";
  EXPECT_EQ(q.qdcount, 1);
  EXPECT_EQ(q.name, "www.example.com");
  EXPECT_EQ(q.type, 1);   // A
  EXPECT_EQ(q.klass, 1);  // IN
}

TEST_F(DnsCheckTest, EachTypeIsAskedByItsCode) {
  // RFC 1035 / 3596 / 4034 type codes.
  const std::vector<std::pair<std::string, uint16_t>> types = {
      {"A", 1},    {"NS", 2},    {"CNAME", 5},  {"SOA", 6},    {"MX", 15},
      {"TXT", 16}, {"AAAA", 28}, {"RRSIG", 46}, {"DNSKEY", 48}};
  for (const auto& [name, code] : types) {
    UdpTestServer server(&loop_, [](const Bytes& q) {
      return std::vector<Bytes>{Response(q, 0)};
    });
    events_.clear();
    Apply(server.port(), Dns(server.port(), name, "example.org."), true);
    ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); })) << name;
    ASSERT_EQ(server.received().size(), 1u) << name;
    const Question q = ReadQuestion(server.received()[0]);
    EXPECT_EQ(q.type, code) << name;
    EXPECT_EQ(q.name, "example.org") << name;
    ASSERT_TRUE(monitor_.Apply(config::Config{}).ok());
  }
}

TEST_F(DnsCheckTest, ErrorRcodeIsDown) {
  UdpTestServer server(&loop_, [](const Bytes& q) {
    return std::vector<Bytes>{Response(q, 2)};  // SERVFAIL
  });
  Apply(server.port(), Dns(server.port(), "SOA", ""), false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason,
            absl::StrCat("DNS SOA . to 127.0.0.1:", server.port(),
                         ": response RCODE 2"));
}

TEST_F(DnsCheckTest, AnswerToAnotherIdIsIgnored) {
  UdpTestServer server(&loop_, [](const Bytes& q) {
    return std::vector<Bytes>{Response(q, 0, 1)};
  });
  Apply(server.port(), Dns(server.port(), "A", "example.org"), false);
  Settle(loop_);
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(2));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason,
            absl::StrCat("DNS A example.org to 127.0.0.1:", server.port(),
                         ": no response within 2s"));
}

TEST_F(DnsCheckTest, TheRightAnswerAfterAWrongOneCounts) {
  UdpTestServer server(&loop_, [](const Bytes& q) {
    return std::vector<Bytes>{Response(q, 0, 7), Response(q, 0)};
  });
  Apply(server.port(), Dns(server.port(), "A", "example.org"), true);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_TRUE(events_[0].up);
}

TEST_F(DnsCheckTest, ClosedPortIsDown) {
  const uint16_t port = testing::ClosedUdpPort();
  Apply(port, Dns(port, "A", "example.org"), false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return !events_.empty(); }));
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].reason, absl::StrCat("DNS A example.org to 127.0.0.1:",
                                            port, ": connection refused"));
}

TEST_F(DnsCheckTest,
       ConfigDefaultsAskSoaOfTheRootAndRetryThreeTimesDelayLoopApart) {
  UdpTestServer server(&loop_);  // never answers
  const uint16_t port = server.port();
  // keepalived.conf(5): DNS_CHECK's type defaults to SOA, its name to ".",
  // retry to 3 and delay_before_retry to delay_loop.
  absl::StatusOr<config::Config> cfg =
      config::ParseConfigText(absl::StrFormat(R"(
virtual_server 10.255.0.1 %d {
  lb_kind DR
  protocol UDP
  delay_loop 10
  real_server 127.0.0.1 %d {
    DNS_CHECK {
      connect_timeout 1
    }
  }
}
)",
                                              port, port),
                              "dns.conf");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  ASSERT_TRUE(monitor_.Apply(*cfg).ok());
  Settle(loop_);
  ASSERT_EQ(server.received().size(), 1u);
  const Question q = ReadQuestion(server.received()[0]);
  EXPECT_EQ(q.type, 6);  // SOA
  EXPECT_EQ(q.name, "");
  // Attempts at 0, 11, 22 and 33 s, each timing out 1 s later: down at 34 s.
  const VsKey vs{testing::Ip("10.255.0.1"), port, config::Protocol::kUdp};
  At(absl::Seconds(33) + absl::Milliseconds(999));
  EXPECT_EQ(server.received().size(), 4u);
  EXPECT_TRUE(events_.empty());
  At(absl::Seconds(34));
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_FALSE(events_[0].up);
  EXPECT_EQ(events_[0].time, t0_ + absl::Seconds(34));
  EXPECT_EQ(events_[0].vs, vs);
}

}  // namespace
}  // namespace dsrlb::health
