// The pure VRRP state machine driven by events and a fake clock.
#include "controlplane/vrrp/vrrp_state_machine.h"

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dsrlb::vrrp {
namespace {

using AT = Action::Type;

IpAddress Ip(const char* s) { return *IpAddress::Parse(s); }

// One instance, a fake clock, and every action it took.
class Router {
 public:
  explicit Router(Params p) : p_(std::move(p)), m_(InitialMachine(p_)) {}
  void Feed(const Event& e) {
    StepResult r = Step(p_, m_, e, clock_.Now());
    m_ = r.machine;
    last_ = r.actions;
    all_.insert(all_.end(), r.actions.begin(), r.actions.end());
  }
  // Moves the clock to `d` from now, delivering every timer due on the way
  // (as the runtime would, at its deadline).
  void Advance(absl::Duration d) {
    const absl::Time end = clock_.Now() + d;
    while (NextDeadline(m_) <= end) {
      clock_.Advance(NextDeadline(m_) - clock_.Now());
      Feed(Event::Timer());
    }
    clock_.Advance(end - clock_.Now());
  }
  State state() const { return m_.state; }
  const Machine& m() const { return m_; }
  const Params& p() const { return p_; }
  absl::Time now() const { return clock_.Now(); }
  const std::vector<Action>& last() const { return last_; }
  int Count(AT t) const {
    int n = 0;
    for (const Action& a : all_) n += a.type == t;
    return n;
  }
  // Time until it turns master with no adverts heard.
  absl::Duration TimeToMaster(absl::Duration step = absl::Milliseconds(1)) {
    const absl::Time start = clock_.Now();
    while (state() != State::kMaster &&
           clock_.Now() - start < absl::Seconds(60))
      Advance(step);
    return clock_.Now() - start;
  }

 private:
  Params p_;
  Machine m_;
  FakeClock clock_;
  std::vector<Action> last_, all_;
};

Params V2(uint8_t prio) {
  Params p;
  p.version = 2;
  p.priority = prio;
  p.advert_int = absl::Seconds(1);
  p.primary = Ip("10.0.0.2");
  return p;
}
Params V3(uint8_t prio, absl::Duration interval) {
  Params p = V2(prio);
  p.version = 3;
  p.advert_int = interval;
  return p;
}

TEST(VrrpStateMachine, V2SkewAndMasterDownIntervalFollowRfc3768) {
  Router r(V2(100));
  EXPECT_EQ(SkewTime(r.p(), r.m()), absl::Seconds(156) / 256);
  EXPECT_EQ(MasterDownInterval(r.p(), r.m()),
            absl::Seconds(3) + absl::Seconds(156) / 256);
  Router low(V2(1));
  EXPECT_EQ(SkewTime(low.p(), low.m()), absl::Seconds(255) / 256);
}

TEST(VrrpStateMachine, BackupBecomesMasterAfterExactlyMasterDownInterval) {
  Router r(V2(100));
  r.Feed(Event::Startup());
  EXPECT_EQ(r.state(), State::kBackup);
  const absl::Duration down = absl::Seconds(3) + absl::Seconds(156) / 256;
  r.Advance(down - absl::Nanoseconds(1));
  EXPECT_EQ(r.state(), State::kBackup);
  r.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(r.state(), State::kMaster);
  EXPECT_THAT(
      r.last(),
      ::testing::ElementsAre(
          ::testing::Field(&Action::type, AT::kStateChange),
          ::testing::Field(&Action::type, AT::kBecomeMaster),
          ::testing::AllOf(::testing::Field(&Action::type, AT::kSendAdvert),
                           ::testing::Field(&Action::priority, 100))));
  EXPECT_EQ(r.m().master_addr, Ip("10.0.0.2"));
}

TEST(VrrpStateMachine, MasterSendsAnAdvertEveryInterval) {
  Router r(V3(100, absl::Milliseconds(10)));
  r.Feed(Event::Startup());
  r.TimeToMaster();
  const int before = r.Count(AT::kSendAdvert);
  r.Advance(absl::Milliseconds(1000));
  EXPECT_EQ(r.Count(AT::kSendAdvert) - before, 100);
}

TEST(VrrpStateMachine, V3SkewScalesWithTheLearnedMasterInterval) {
  Router r(V3(100, absl::Seconds(1)));
  r.Feed(Event::Startup());
  // The master advertises every 100 ms: RFC 5798 6.4.2 says learn it.
  r.Feed(Event::Advert(200, absl::Milliseconds(100), Ip("10.0.0.1")));
  EXPECT_EQ(r.m().master_adver_int, absl::Milliseconds(100));
  const absl::Duration skew = absl::Milliseconds(100) * 156 / 256;
  EXPECT_EQ(SkewTime(r.p(), r.m()), skew);
  EXPECT_EQ(r.TimeToMaster(absl::Microseconds(100)),
            absl::Milliseconds(300) +
                absl::Microseconds(100) * ((skew + absl::Microseconds(99)) /
                                           absl::Microseconds(100)));
}

TEST(VrrpStateMachine, V2DoesNotLearnTheInterval) {
  Router r(V2(100));
  r.Feed(Event::Startup());
  r.Feed(Event::Advert(200, absl::Seconds(1), Ip("10.0.0.1")));
  EXPECT_EQ(MasterDownInterval(r.p(), r.m()),
            absl::Seconds(3) + absl::Seconds(156) / 256);
}

TEST(VrrpStateMachine, AdvertsFromAHigherMasterKeepTheBackupDown) {
  Router r(V3(100, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  for (int i = 0; i < 50; i++) {
    r.Advance(absl::Milliseconds(100));
    r.Feed(Event::Advert(150, absl::Milliseconds(100), Ip("10.0.0.1")));
  }
  EXPECT_EQ(r.state(), State::kBackup);
  EXPECT_EQ(r.m().master_addr, Ip("10.0.0.1"));
  EXPECT_EQ(r.Count(AT::kSendAdvert), 0);
}

TEST(VrrpStateMachine, EqualPriorityBackupAcceptsTheMaster) {
  Router r(V3(100, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  for (int i = 0; i < 10; i++) {
    r.Advance(absl::Milliseconds(100));
    r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.1")));
  }
  EXPECT_EQ(r.state(), State::kBackup);
}

TEST(VrrpStateMachine, PriorityZeroMakesTheBackupTakeOverAfterSkewTime) {
  Router r(V2(100));
  r.Feed(Event::Startup());
  r.Feed(Event::Advert(200, absl::Seconds(1), Ip("10.0.0.1")));
  r.Advance(absl::Milliseconds(500));
  r.Feed(Event::Advert(0, absl::Seconds(1), Ip("10.0.0.1")));
  r.Advance(absl::Seconds(156) / 256 - absl::Nanoseconds(1));
  EXPECT_EQ(r.state(), State::kBackup);
  r.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(r.state(), State::kMaster);
}

TEST(VrrpStateMachine, PreemptingBackupTakesOverFromALowerMaster) {
  Router r(V3(200, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  absl::Duration waited;
  for (int i = 0; i < 20 && r.state() == State::kBackup; i++) {
    r.Advance(absl::Milliseconds(100));
    waited += absl::Milliseconds(100);
    r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.1")));
  }
  EXPECT_EQ(r.state(), State::kMaster);
  // Lower adverts are ignored: it takes over when its own down timer ends.
  EXPECT_LE(waited, MasterDownInterval(r.p(), r.m()) + absl::Milliseconds(100));
}

TEST(VrrpStateMachine, NopreemptBackupStaysBackupUnderALowerMaster) {
  Params p = V3(200, absl::Milliseconds(100));
  p.nopreempt = true;
  Router r(p);
  r.Feed(Event::Startup());
  for (int i = 0; i < 100; i++) {
    r.Advance(absl::Milliseconds(100));
    r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.1")));
  }
  EXPECT_EQ(r.state(), State::kBackup);
  r.TimeToMaster();  // but it still takes over when the master dies
  EXPECT_EQ(r.state(), State::kMaster);
}

TEST(VrrpStateMachine, PreemptDelayHoldsOffPreemptionForItsDuration) {
  Params p = V3(200, absl::Milliseconds(100));
  p.preempt_delay = absl::Seconds(2);
  Router r(p);
  r.Feed(Event::Startup());
  const absl::Time start = r.now();
  while (r.state() == State::kBackup && r.now() - start < absl::Seconds(10)) {
    r.Advance(absl::Milliseconds(100));
    r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.1")));
  }
  EXPECT_EQ(r.state(), State::kMaster);
  EXPECT_GE(r.now() - start, absl::Seconds(2));
  EXPECT_LE(r.now() - start, absl::Seconds(2) +
                                 MasterDownInterval(r.p(), r.m()) +
                                 absl::Milliseconds(100));
}

TEST(VrrpStateMachine, PreemptDelayRestartsAfterAHigherMasterWasSeen) {
  Params p = V3(150, absl::Milliseconds(100));
  p.preempt_delay = absl::Seconds(1);
  Router r(p);
  r.Feed(Event::Startup());
  for (int i = 0; i < 30; i++) {  // 3 s of a higher master
    r.Advance(absl::Milliseconds(100));
    r.Feed(Event::Advert(200, absl::Milliseconds(100), Ip("10.0.0.1")));
  }
  const absl::Time lower_from = r.now();
  while (r.state() == State::kBackup &&
         r.now() - lower_from < absl::Seconds(10)) {
    r.Advance(absl::Milliseconds(100));
    r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.3")));
  }
  EXPECT_GE(r.now() - lower_from, absl::Seconds(1));
}

TEST(VrrpStateMachine, MasterYieldsToAHigherPriorityAdvert) {
  Router r(V3(100, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  r.TimeToMaster();
  r.Feed(Event::Advert(101, absl::Milliseconds(50), Ip("10.0.0.1")));
  EXPECT_EQ(r.state(), State::kBackup);
  EXPECT_EQ(r.last()[0].type, AT::kLeaveMaster);
  EXPECT_EQ(r.m().master_adver_int, absl::Milliseconds(50));
  EXPECT_EQ(r.m().master_addr, Ip("10.0.0.1"));
}

TEST(VrrpStateMachine, EqualPriorityTieGoesToTheHigherAddress) {
  Router r(V3(100, absl::Milliseconds(100)));  // we are 10.0.0.2
  r.Feed(Event::Startup());
  r.TimeToMaster();
  r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.1")));
  EXPECT_EQ(r.state(), State::kMaster);  // lower address: we answer, stay
  EXPECT_EQ(r.last()[0].type, AT::kSendAdvert);
  r.Feed(Event::Advert(100, absl::Milliseconds(100), Ip("10.0.0.3")));
  EXPECT_EQ(r.state(), State::kBackup);
}

TEST(VrrpStateMachine, MasterAnswersALowerAdvertAndAPriorityZeroAtOnce) {
  Router r(V3(100, absl::Seconds(1)));
  r.Feed(Event::Startup());
  r.TimeToMaster();
  r.Advance(absl::Milliseconds(300));
  r.Feed(Event::Advert(50, absl::Seconds(1), Ip("10.0.0.1")));
  ASSERT_EQ(r.last().size(), 1u);
  EXPECT_EQ(r.last()[0].type, AT::kSendAdvert);
  EXPECT_EQ(r.m().adver_at, r.now() + absl::Seconds(1));
  r.Feed(Event::Advert(0, absl::Seconds(1), Ip("10.0.0.1")));
  ASSERT_EQ(r.last().size(), 1u);
  EXPECT_EQ(r.last()[0].priority, 100);
  EXPECT_EQ(r.state(), State::kMaster);
}

TEST(VrrpStateMachine, OwnerIsMasterAtOnceAndIgnoresTrackWeights) {
  Router r(V2(255));
  r.Feed(Event::Startup());
  EXPECT_EQ(r.state(), State::kMaster);
  EXPECT_EQ(r.Count(AT::kBecomeMaster), 1);
  r.Feed(Event::Track(-100, false));
  EXPECT_EQ(r.m().effective_priority, 255);
  r.Feed(Event::Advert(254, absl::Seconds(1), Ip("10.0.0.9")));
  EXPECT_EQ(r.state(), State::kMaster);
}

TEST(VrrpStateMachine, StateMasterClaimsAfterOneIntervalPlusSkew) {
  Params p = V2(100);
  p.start_master = true;
  Router r(p);
  r.Feed(Event::Startup());
  EXPECT_EQ(r.state(), State::kBackup);
  EXPECT_EQ(r.TimeToMaster(absl::Milliseconds(1)),
            absl::Milliseconds(1610));  // 1 s + 156/256 s, rounded up to 1 ms
}

TEST(VrrpStateMachine, ShutdownOfAMasterSendsPriorityZeroThenLeaves) {
  Router r(V2(100));
  r.Feed(Event::Startup());
  r.TimeToMaster();
  r.Feed(Event::Shutdown());
  EXPECT_EQ(r.state(), State::kStopped);
  ASSERT_GE(r.last().size(), 2u);
  EXPECT_EQ(r.last()[0], (Action{AT::kSendAdvert, 0}));
  EXPECT_EQ(r.last()[1].type, AT::kLeaveMaster);
  EXPECT_EQ(NextDeadline(r.m()), absl::InfiniteFuture());
  r.Feed(Event::Startup());  // and can start again
  EXPECT_EQ(r.state(), State::kBackup);
}

TEST(VrrpStateMachine, TrackWeightChangesTheAdvertisedPriority) {
  Router r(V3(100, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  r.TimeToMaster();
  r.Feed(Event::Track(-30, false));
  EXPECT_EQ(r.m().effective_priority, 70);
  r.Advance(absl::Milliseconds(100));
  EXPECT_EQ(r.last().back(), (Action{AT::kSendAdvert, 70}));
  // A backup at 80 now preempts it: the master yields to 80.
  r.Feed(Event::Advert(80, absl::Milliseconds(100), Ip("10.0.0.1")));
  EXPECT_EQ(r.state(), State::kBackup);
  r.Feed(Event::Track(+300, false));
  EXPECT_EQ(r.m().effective_priority, 254);  // clamped below the owner
  r.Feed(Event::Track(-300, false));
  EXPECT_EQ(r.m().effective_priority, 1);
}

TEST(VrrpStateMachine, TrackFaultTakesAMasterDownWithPriorityZeroAndRecovers) {
  Router r(V3(100, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  r.TimeToMaster();
  r.Feed(Event::Track(0, true));
  EXPECT_EQ(r.state(), State::kFault);
  EXPECT_EQ(r.last()[0], (Action{AT::kSendAdvert, 0}));
  EXPECT_EQ(r.last()[1].type, AT::kLeaveMaster);
  r.Advance(absl::Seconds(10));
  EXPECT_EQ(r.state(), State::kFault);  // no timers in FAULT
  r.Feed(Event::Advert(200, absl::Milliseconds(100), Ip("10.0.0.1")));
  EXPECT_EQ(r.state(), State::kFault);
  r.Feed(Event::Track(0, false));
  EXPECT_EQ(r.state(), State::kBackup);
  r.TimeToMaster();
  EXPECT_EQ(r.state(), State::kMaster);
}

TEST(VrrpStateMachine, StartingWithAFailedTrackEntersFault) {
  Router r(V2(100));
  r.Feed(Event::Track(0, true));
  EXPECT_EQ(r.state(), State::kInit);
  r.Feed(Event::Startup());
  EXPECT_EQ(r.state(), State::kFault);
}

// Issue 9: a dead local dataplane is a weight-0 tracked object; FAULT says
// so, in the transition a notify script, the log and the API see.
TEST(VrrpStateMachine, FaultCarriesTheTrackedObjectsReason) {
  Router r(V2(100));
  r.Feed(Event::Track(0, true, "dataplane down: heartbeat stopped"));
  r.Feed(Event::Startup());
  EXPECT_EQ(r.state(), State::kFault);
  EXPECT_EQ(r.last().back().reason,
            "dataplane down: heartbeat stopped at startup");
  r.Feed(Event::Track(0, false));
  r.TimeToMaster();
  r.Feed(Event::Track(0, true, "dataplane down: no stats region"));
  EXPECT_EQ(r.last()[0], (Action{AT::kSendAdvert, 0}));
  EXPECT_EQ(r.last().back().to, State::kFault);
  EXPECT_EQ(r.last().back().reason, "dataplane down: no stats region");
}

TEST(VrrpStateMachine, SyncGroupForcesBackupToMasterAndMasterToBackup) {
  Router r(V3(100, absl::Milliseconds(100)));
  r.Feed(Event::Startup());
  r.Feed(Event::ForceMaster());
  EXPECT_EQ(r.state(), State::kMaster);
  EXPECT_EQ(r.Count(AT::kBecomeMaster), 1);
  r.Feed(Event::ForceMaster());  // idempotent
  EXPECT_EQ(r.Count(AT::kBecomeMaster), 1);
  r.Feed(Event::ForceBackup());
  EXPECT_EQ(r.state(), State::kBackup);
  r.Feed(Event::Track(0, true));
  r.Feed(Event::ForceMaster());  // a FAULT member stays in FAULT
  EXPECT_EQ(r.state(), State::kFault);
}

// Every event in every state: the machine never has a deadline in the past
// that it would skip, never emits BecomeMaster unless it enters MASTER, and
// emits LeaveMaster exactly when it leaves MASTER.
TEST(VrrpStateMachine, EveryEventInEveryStateKeepsTheInvariants) {
  std::vector<Event> events = {
      Event::Startup(),
      Event::Shutdown(),
      Event::Timer(),
      Event::Advert(0, absl::Seconds(1), Ip("10.0.0.1")),
      Event::Advert(50, absl::Seconds(1), Ip("10.0.0.1")),
      Event::Advert(100, absl::Seconds(1), Ip("10.0.0.1")),
      Event::Advert(100, absl::Seconds(1), Ip("10.0.0.3")),
      Event::Advert(200, absl::Seconds(1), Ip("10.0.0.1")),
      Event::Track(-20, false),
      Event::Track(20, false),
      Event::Track(0, true),
      Event::Track(0, false),
      Event::ForceMaster(),
      Event::ForceBackup()};
  for (int version : {2, 3}) {
    for (bool nopreempt : {false, true}) {
      for (uint8_t prio :
           {uint8_t{1}, uint8_t{100}, uint8_t{254}, uint8_t{255}}) {
        Params p = version == 2 ? V2(prio) : V3(prio, absl::Seconds(1));
        p.nopreempt = nopreempt;
        // Walk every pair of events from every reachable start.
        for (const Event& a : events) {
          for (const Event& b : events) {
            for (absl::Duration gap :
                 {absl::ZeroDuration(), absl::Seconds(5)}) {
              Router r(p);
              r.Feed(Event::Startup());
              for (const Event& e : {a, b}) {
                r.Advance(gap);
                const State before = r.state();
                r.Feed(e);
                int leave = 0, become = 0;
                for (const Action& x : r.last()) {
                  leave += x.type == AT::kLeaveMaster;
                  become += x.type == AT::kBecomeMaster;
                }
                const bool left =
                    before == State::kMaster && r.state() != State::kMaster;
                const bool entered =
                    before != State::kMaster && r.state() == State::kMaster;
                EXPECT_EQ(leave, left ? 1 : 0);
                EXPECT_EQ(become, entered ? 1 : 0);
                EXPECT_GE(NextDeadline(r.m()), r.now());
                if (r.state() == State::kMaster ||
                    r.state() == State::kBackup) {
                  EXPECT_NE(NextDeadline(r.m()), absl::InfiniteFuture());
                }
                if (prio == 255 && r.state() == State::kBackup)
                  ADD_FAILURE() << "owner in backup";
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace dsrlb::vrrp
