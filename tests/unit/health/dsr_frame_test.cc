// DSR_CHECK's frames against scapy (golden/dsr_frames.py): the SYN, RST and
// ARP request byte for byte (checksums included), the reading of replies, and
// the socket filter run by the kernel on a UNIX datagram socket.
#include "controlplane/health/dsr_frame.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace dsrlb::health {
namespace {

struct Row {
  std::string name, probe, verdict, filter;
  std::vector<uint8_t> frame;
};

std::vector<Row> Golden() {
  std::ifstream in(std::string(GOLDEN_DIR) + "/dsr_frames.txt");
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    Row r;
    std::string hex;
    s >> r.name >> r.probe >> r.verdict >> r.filter >> hex;
    const std::string bytes = absl::HexStringToBytes(hex);
    r.frame.assign(bytes.begin(), bytes.end());
    rows.push_back(std::move(r));
  }
  return rows;
}

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

// The probes of dsr_frames.py.
DsrProbe Probe(const std::string& which) {
  DsrProbe p;
  p.src_mac = {0x02, 0x00, 0x0a, 0x4d, 0x00, 0x01};
  p.dst_mac = {0x02, 0x00, 0x0a, 0x4d, 0x00, 0x02};
  if (which == "v4") {
    p.src = Ip("192.168.4.5");
    p.vip = Ip("192.168.4.15");
    p.src_port = 40000;
    p.vip_port = 80;
    p.seq = 0x12345678;
  } else {
    p.src = Ip("2001:db8::5");
    p.vip = Ip("2001:db8::15");
    p.src_port = 40001;
    p.vip_port = 443;
    p.seq = 0xfedcba98;
  }
  return p;
}

const char* VerdictName(DsrReply r) {
  switch (r) {
    case DsrReply::kUnrelated:
      return "unrelated";
    case DsrReply::kSynAck:
      return "synack";
    case DsrReply::kReset:
      return "reset";
    case DsrReply::kUnreachable:
      return "unreachable";
    case DsrReply::kArpForVip:
      return "arp";
  }
  return "?";
}

TEST(DsrFrame, GoldenFileHasEveryKindOfRow) {
  const std::vector<Row> rows = Golden();
  ASSERT_GE(rows.size(), 20u) << "golden/dsr_frames.txt missing or short";
  int built = 0, passed = 0, dropped = 0;
  for (const Row& r : rows) {
    built += r.verdict == "build";
    passed += r.filter == "pass";
    dropped += r.filter == "drop";
  }
  EXPECT_EQ(built, 5);
  EXPECT_GT(passed, 5);
  EXPECT_GT(dropped, 5);
}

TEST(DsrFrame, SynAndRstAreByteForByteWhatScapyBuilds) {
  for (const Row& r : Golden()) {
    if (r.verdict != "build") continue;
    const DsrProbe p = Probe(r.probe);
    const std::vector<uint8_t> got =
        absl::StartsWith(r.name, "syn_") ? BuildTcpFrame(p, p.seq, 0, kTcpSyn)
        : absl::StartsWith(r.name, "rst_")
            ? BuildTcpFrame(p, p.seq + 1, 0, kTcpRst)
            : BuildArpRequest(p);
    EXPECT_EQ(
        absl::BytesToHexString(std::string(got.begin(), got.end())),
        absl::BytesToHexString(std::string(r.frame.begin(), r.frame.end())))
        << r.name;
  }
}

TEST(DsrFrame, RepliesAreReadAsTheyMeanForTheProbe) {
  for (const Row& r : Golden()) {
    if (r.verdict == "build") continue;
    EXPECT_STREQ(VerdictName(ParseReply(Probe(r.probe), r.frame)),
                 r.verdict.c_str())
        << r.name;
  }
}

TEST(DsrFrame, TruncatedRepliesAreUnrelatedNotRead) {
  for (const Row& r : Golden()) {
    if (r.verdict == "build") continue;
    // No prefix is read past its end (ASan in the sanitizer run); one
    // shorter than Ethernet + IPv4 headers says nothing.
    for (size_t len = 0; len < r.frame.size(); len++) {
      std::vector<uint8_t> cut(r.frame.begin(), r.frame.begin() + len);
      const DsrReply got = ParseReply(Probe(r.probe), cut);
      if (len < 34) {
        EXPECT_EQ(got, DsrReply::kUnrelated) << r.name << len;
      }
    }
  }
}

// The kernel runs a socket filter on UNIX datagrams too, with offsets from
// the start of the datagram: here, the Ethernet header, as on AF_PACKET.
bool FilterPasses(const std::vector<sock_filter>& code,
                  const std::vector<uint8_t>& frame) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  std::vector<sock_filter> copy = code;
  sock_fprog prog{static_cast<unsigned short>(copy.size()), copy.data()};
  EXPECT_EQ(
      setsockopt(fds[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)), 0);
  EXPECT_EQ(send(fds[0], frame.data(), frame.size(), 0),
            static_cast<ssize_t>(frame.size()));
  uint8_t buf[2048];
  const ssize_t n = recv(fds[1], buf, sizeof(buf), MSG_DONTWAIT);
  close(fds[0]);
  close(fds[1]);
  if (n >= 0) {
    EXPECT_EQ(static_cast<size_t>(n), frame.size());
  }
  return n >= 0;
}

TEST(DsrFrame, SocketFilterPassesOnlyPossibleAnswers) {
  for (const Row& r : Golden()) {
    if (r.filter == "-") continue;
    EXPECT_EQ(FilterPasses(ReplyFilter(Probe(r.probe)), r.frame),
              r.filter == "pass")
        << r.name;
  }
}

}  // namespace
}  // namespace dsrlb::health
