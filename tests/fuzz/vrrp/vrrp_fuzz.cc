// libFuzzer: any bytes through the VRRP decoder (IPv4 packet and IPv6
// payload, v2 and v3 expectations); what decodes must re-encode to the same
// bytes and drive the state machine without breaking its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "controlplane/vrrp/vrrp_packet.h"
#include "controlplane/vrrp/vrrp_state_machine.h"

namespace {

using namespace dsrlb;
using namespace dsrlb::vrrp;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

void Check(bool cond) {
  if (!cond) std::abort();
}

void Exercise(const DecodeResult& r, const IpAddress& src, const IpAddress& dst,
              int version) {
  if (!r.ok) {
    Check(static_cast<size_t>(r.reason) < kDropReasonCount);
    return;
  }
  const Advert& a = r.packet.advert;
  auto again = EncodeAdvert(a, src, dst);
  Check(again.ok());
  Params p;
  p.version = version;
  p.priority = 100;
  p.advert_int = absl::Seconds(1);
  p.primary = Ip("10.0.0.2");
  for (State start : {State::kBackup, State::kMaster}) {
    Machine m = InitialMachine(p);
    absl::Time now = absl::UnixEpoch();
    StepResult s = Step(p, m, Event::Startup(), now);
    m = s.machine;
    if (start == State::kMaster) {
      now = NextDeadline(m);
      m = Step(p, m, Event::Timer(), now).machine;
    }
    s = Step(p, m, Event::Advert(a.priority, a.interval, r.packet.src), now);
    Check(NextDeadline(s.machine) >= now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::Span<const uint8_t> in(data, size);
  for (int version : {2, 3}) {
    Expectation e;
    e.version = version;
    e.family = 4;
    e.vrid = 51;
    e.auth_type = version == 2 ? AuthType::kPass : AuthType::kNone;
    std::memcpy(e.auth_data.data(), "secret\0\0", 8);
    e.addresses = {Ip("192.168.1.100")};
    DecodeResult r = DecodeIpv4Packet(in, e);
    if (r.ok && size >= 20) {
      IpAddress src, dst;
      src.family = dst.family = 4;
      std::memcpy(src.bytes.data(), data + 12, 4);
      std::memcpy(dst.bytes.data(), data + 16, 4);
      // A decoded advert re-encodes to bytes that decode to the same advert
      // (not to the same bytes: reserved bits are ignored on receipt).
      auto again = EncodeAdvert(r.packet.advert, src, dst);
      Check(again.ok());
      Expectation e2 = e;
      e2.check_ttl = false;
      DecodeResult r2 = DecodeAdvert(*again, src, dst, 255, e2);
      Check(r2.ok && r2.packet.advert == r.packet.advert);
      Exercise(r, src, dst, version);
    }
    e.check_ttl = false;
    e.addresses = {};
    r = DecodeAdvert(in, Ip("10.0.0.1"), Ip("224.0.0.18"), 255, e);
    Exercise(r, Ip("10.0.0.1"), Ip("224.0.0.18"), version);
  }
  Expectation e6;
  e6.version = 3;
  e6.family = 6;
  e6.vrid = 1;
  e6.addresses = {Ip("2001:db8::100")};
  DecodeResult r6 = DecodeAdvert(in, Ip("fe80::1"), Ip("ff02::12"), 255, e6);
  Exercise(r6, Ip("fe80::1"), Ip("ff02::12"), 3);
  return 0;
}
