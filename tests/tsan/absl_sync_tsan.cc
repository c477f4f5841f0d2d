// LD_PRELOADed into the ThreadSanitizer run of the 'threads' suite
// (scripts/tsan_threads.sh). Debian's Abseil is not built with TSan, so
// TSan cannot see absl::Mutex or absl::Notification order two threads: every
// access guarded by one would be reported as a race. Each wrapper here calls
// the real function (dlsym RTLD_NEXT) and tells TSan the ordering it gives:
// release before a lock is let go, acquire after it is taken.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

template <typename Fn>
Fn Real(const char* mangled) {
  void* f = dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr, "absl_sync_tsan: %s not found: %s\n", mangled,
                 dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(f);
}

#define REAL(ret, name, ...) \
  static const auto real = Real<ret (*)(__VA_ARGS__)>(name)

void* Addr(const void* p) { return const_cast<void*>(p); }

// Notification's flag follows its mutex; HasBeenNotified() is inline (so
// instrumented) and reads the flag with acquire.
void* NotifiedFlag(const absl::Notification* n) {
  static_assert(sizeof(absl::Notification) == 2 * sizeof(absl::Mutex));
  return reinterpret_cast<char*>(Addr(n)) + sizeof(absl::Mutex);
}

// absl evaluates a Condition inside the real Await/LockWhen, after it took
// the lock again where TSan cannot see it: acquire first.
struct AnnotatedCondition {
  const absl::Condition* cond;
  absl::Mutex* mu;
  static bool Eval(AnnotatedCondition* c) {
    __tsan_acquire(c->mu);
    return c->cond->Eval();
  }
};

}  // namespace

// TSan's dynamic annotations (its runtime defines them).
extern "C" void AnnotateIgnoreWritesBegin(const char* file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char* file, int line);

// The wrapping Condition is written here and read by whichever thread
// unlocks, handed over inside absl: its own fields are not the data under
// test, so their writes are not recorded.
#define ANNOTATED_CONDITION(name, cond)                   \
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);          \
  AnnotatedCondition name##_ctx{&(cond), this};           \
  Condition name(&AnnotatedCondition::Eval, &name##_ctx); \
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__)

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  REAL(void, "_ZN4absl7debian35Mutex4LockEv", Mutex*);
  real(this);
  __tsan_acquire(this);
}

void Mutex::Unlock() {
  REAL(void, "_ZN4absl7debian35Mutex6UnlockEv", Mutex*);
  __tsan_release(this);
  real(this);
}

void Mutex::ReaderLock() {
  REAL(void, "_ZN4absl7debian35Mutex10ReaderLockEv", Mutex*);
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  REAL(void, "_ZN4absl7debian35Mutex12ReaderUnlockEv", Mutex*);
  __tsan_release(this);
  real(this);
}

bool Mutex::TryLock() {
  REAL(bool, "_ZN4absl7debian35Mutex7TryLockEv", Mutex*);
  bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::LockWhen(const Condition& cond) {
  REAL(void, "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE", Mutex*,
       const Condition&);
  ANNOTATED_CONDITION(annotated, cond);
  real(this, annotated);
  __tsan_acquire(this);
}

void Mutex::Await(const Condition& cond) {
  REAL(void, "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE", Mutex*,
       const Condition&);
  __tsan_release(this);
  ANNOTATED_CONDITION(annotated, cond);
  real(this, annotated);
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  REAL(bool,
       "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_"
       "8DurationE",
       Mutex*, const Condition&, absl::Duration);
  __tsan_release(this);
  ANNOTATED_CONDITION(annotated, cond);
  bool met = real(this, annotated, timeout);
  __tsan_acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  REAL(void, "_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE", CondVar*, Mutex*);
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
  REAL(bool,
       "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE",
       CondVar*, Mutex*, absl::Duration);
  __tsan_release(mu);
  bool timed_out = real(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

void Notification::Notify() {
  REAL(void, "_ZN4absl7debian312Notification6NotifyEv", Notification*);
  __tsan_release(this);
  __tsan_release(NotifiedFlag(this));
  real(this);
}

void Notification::WaitForNotification() const {
  REAL(void, "_ZNK4absl7debian312Notification19WaitForNotificationEv",
       const Notification*);
  real(this);
  __tsan_acquire(Addr(this));
}

bool Notification::WaitForNotificationWithTimeout(
    absl::Duration timeout) const {
  REAL(bool,
       "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_"
       "8DurationE",
       const Notification*, absl::Duration);
  bool notified = real(this, timeout);
  if (notified) __tsan_acquire(Addr(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
