// A real gobgpd for one test: its own API port on 127.0.0.1, no BGP
// listener, no pprof; its RIB read back with GoBGP's own CLI (`gobgp`), so
// what the test expects does not come through the client under test.
#ifndef DSRLB_TESTS_UNIT_BGP_GOBGPD_FIXTURE_H_
#define DSRLB_TESTS_UNIT_BGP_GOBGPD_FIXTURE_H_

#include <sys/types.h>

#include <map>
#include <string>

#include "tests/testutil/temp_dir.h"

namespace dsrlb::testing {

class Gobgpd {
 public:
  // Starts gobgpd (GOBGPD, default "gobgpd") and waits until its API
  // answers. `port` 0 picks a free one.
  explicit Gobgpd(int port = 0);
  ~Gobgpd();
  Gobgpd(const Gobgpd&) = delete;
  Gobgpd& operator=(const Gobgpd&) = delete;

  // What went wrong starting it or running the CLI; empty while all is
  // well (tests expect it empty).
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }
  void Kill();     // SIGKILL, as a crash
  void Restart();  // a fresh gobgpd on the same port (empty RIB)

  // `gobgp global rib -a ipv4|ipv6 -j`: prefix -> "next hop, origin" of
  // its one path ("10.0.0.11 origin 0"); several paths are joined by "; ".
  std::map<std::string, std::string> Rib(const std::string& family);
  // `gobgp global rib add ...` (what an operator or an older run left).
  void Add(const std::string& family, const std::string& prefix,
           const std::string& next_hop);

 private:
  void Start();
  std::string Cli(const std::string& args);

  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
};

}  // namespace dsrlb::testing

#endif  // DSRLB_TESTS_UNIT_BGP_GOBGPD_FIXTURE_H_
