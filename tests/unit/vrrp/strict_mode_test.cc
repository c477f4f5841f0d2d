// vrrp_strict at run time: keepalived 2.2.7 sets lower_prio_no_advert, so a
// master discards a lower-priority advert (RFC 3768 6.4.3 / RFC 5798 6.4.3)
// instead of answering it at once, as it does otherwise.
#include "absl/time/time.h"
#include "controlplane/vrrp/vrrp_state_machine.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

struct Master {
  Params p;
  Machine m;
  absl::Time now = absl::UnixEpoch();
};

// An instance that started as MASTER and sent its first advert.
Master StartedMaster(bool strict) {
  Master r;
  r.p.version = 3;
  r.p.priority = 100;
  r.p.advert_int = absl::Seconds(1);
  r.p.start_master = true;
  r.p.primary = Ip("10.0.0.2");
  r.p.lower_prio_no_advert = strict;
  r.m = InitialMachine(r.p);
  r.m = Step(r.p, r.m, Event::Startup(), r.now).machine;
  for (int i = 0; i < 10 && r.m.state != State::kMaster; ++i) {
    r.now = NextDeadline(r.m);
    r.m = Step(r.p, r.m, Event::Timer(), r.now).machine;
  }
  return r;
}

TEST(StrictModeRun, MasterDiscardsALowerPriorityAdvert) {
  Master r = StartedMaster(true);
  ASSERT_EQ(r.m.state, State::kMaster);
  const absl::Time next_advert = r.m.adver_at;
  r.now += absl::Milliseconds(300);
  StepResult s = Step(
      r.p, r.m, Event::Advert(50, absl::Seconds(1), Ip("10.0.0.1")), r.now);
  EXPECT_TRUE(s.actions.empty());
  EXPECT_EQ(s.machine.state, State::kMaster);
  EXPECT_EQ(s.machine.adver_at, next_advert);
}

TEST(StrictModeRun, WithoutStrictTheMasterAnswersAtOnce) {
  Master r = StartedMaster(false);
  ASSERT_EQ(r.m.state, State::kMaster);
  r.now += absl::Milliseconds(300);
  StepResult s = Step(
      r.p, r.m, Event::Advert(50, absl::Seconds(1), Ip("10.0.0.1")), r.now);
  ASSERT_EQ(s.actions.size(), 1u);
  EXPECT_EQ(s.actions[0].type, Action::Type::kSendAdvert);
}

TEST(StrictModeRun, AHigherPriorityStillWins) {
  Master r = StartedMaster(true);
  r.now += absl::Milliseconds(300);
  StepResult s = Step(
      r.p, r.m, Event::Advert(200, absl::Seconds(1), Ip("10.0.0.1")), r.now);
  EXPECT_EQ(s.machine.state, State::kBackup);
}

}  // namespace
}  // namespace dsrlb::vrrp
