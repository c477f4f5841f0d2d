// dsrlb-dataplane refuses to start on a bad setup, with a message that says
// what to fix (the real binary, before and during EAL init).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tests/packet/dataplane_process.h"
#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {
namespace {

struct Outcome {
  int rc = -1;
  std::string log;
};

Outcome RunDataplane(const std::vector<std::string>& eal,
                     const std::vector<std::string>& own) {
  TempDir dir;
  Outcome o;
  auto dp = DataplaneProcess::Start(eal, own, dir.File("log"));
  if (!dp.ok()) return o;
  auto rc = dp->Wait(absl::Seconds(60));
  o.rc = rc.ok() ? *rc : -1;
  o.log = dp->Log();
  return o;
}

std::vector<std::string> Own(const TempDir& dir) {
  return {"--table-region", dir.File("table"), "--stats-region",
          dir.File("stats")};
}

TEST(StartupErrors, UnknownXdpInterfaceIsNamed) {
  TempDir dir;
  std::string iface = "dsrlbno" + std::to_string(getpid() % 100000);
  std::vector<std::string> own = Own(dir);
  own.insert(own.end(), {"--xdp-iface", iface});
  Outcome o = RunDataplane(TestEalArgs(), own);
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.log.find("--xdp-iface " + iface + ": no such interface"),
            std::string::npos)
      << o.log;
}

TEST(StartupErrors, FlowTableSizeMustBeAPowerOfTwo) {
  TempDir dir;
  std::vector<std::string> own = Own(dir);
  own.insert(own.end(), {"--flow-table-size", "1000"});
  Outcome o = RunDataplane(TestEalArgs(), own);
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.log.find("must be a power of two"), std::string::npos) << o.log;
  EXPECT_NE(o.log.find("usage:"), std::string::npos) << o.log;
}

TEST(StartupErrors, NeedsAWorkerLcore) {
  TempDir dir;
  std::vector<std::string> eal = TestEalArgs();
  for (size_t i = 0; i + 1 < eal.size(); i++)
    if (eal[i] == "-l") eal[i + 1] = "0";
  Outcome o = RunDataplane(eal, Own(dir));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.log.find("no worker lcore"), std::string::npos) << o.log;
}

TEST(StartupErrors, MissingPortSaysHowToGiveOne) {
  TempDir dir;
  Outcome o = RunDataplane(TestEalArgs(), Own(dir));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.log.find("no ethdev port 0"), std::string::npos) << o.log;
  EXPECT_NE(o.log.find("--vdev"), std::string::npos) << o.log;
}

// A machine with no free hugepages, made real for this test whatever the
// host has reserved: a private mount namespace with an empty tmpfs over
// /sys/kernel/mm/hugepages (what the dataplane and EAL read), removed after.
class NoHugepagesView {
 public:
  NoHugepagesView() {
    ok_ = unshare(CLONE_NEWNS) == 0 &&
          mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
          mount("dsrlb-no-huge", kDir, "tmpfs", MS_RDONLY, "size=4k") == 0;
  }
  ~NoHugepagesView() {
    if (ok_) umount(kDir);
  }
  bool ok() const { return ok_; }

 private:
  static constexpr char kDir[] = "/sys/kernel/mm/hugepages";
  bool ok_ = false;
};

TEST(StartupErrors, NoHugepagesWithoutNoHugeSaysWhatToDo) {
  NoHugepagesView view;
  ASSERT_TRUE(view.ok()) << "needs root (unshare + mount): "
                         << std::strerror(errno);
  TempDir dir;
  Outcome o = RunDataplane(
      {"--no-pci", "--no-shconf", "--no-telemetry", "-l", "0-1"}, Own(dir));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.log.find("no free hugepages"), std::string::npos) << o.log;
  EXPECT_NE(o.log.find("--no-huge"), std::string::npos) << o.log;
}

}  // namespace
}  // namespace dsrlb::testing
