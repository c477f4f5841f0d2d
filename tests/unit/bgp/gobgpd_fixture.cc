// gobgpd as a child process, and its CLI through popen.
#include "tests/unit/bgp/gobgpd_fixture.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace dsrlb::testing {
namespace {

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    a.sin_port = 0;
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

Gobgpd::Gobgpd(int port) : port_(port == 0 ? FreePort() : port) {
  std::ofstream(dir_.File("gobgpd.toml")) << "[global.config]\n"
                                             "  as = 65001\n"
                                             "  router-id = \"10.0.0.1\"\n"
                                             "  port = -1\n";
  Start();
}

Gobgpd::~Gobgpd() { Kill(); }

void Gobgpd::Start() {
  std::vector<std::string> args = {Env("GOBGPD", "gobgpd"),
                                   "-f",
                                   dir_.File("gobgpd.toml"),
                                   "--api-hosts",
                                   target(),
                                   "--pprof-disable",
                                   "-p"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = dir_.File("gobgpd.log");
  pid_ = fork();
  if (pid_ == 0) {
    if (freopen(log.c_str(), "a", stdout) == nullptr) _exit(126);
    dup2(1, 2);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  // The API answers a few hundred ms after the start.
  for (int i = 0; i < 200; i++) {
    if (system(absl::StrCat(Env("GOBGP", "gobgp"), " -u 127.0.0.1 -p ", port_,
                            " global >/dev/null 2>&1")
                   .c_str()) == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "gobgpd did not answer; see " + log;
}

void Gobgpd::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void Gobgpd::Restart() {
  Kill();
  Start();
}

std::string Gobgpd::Cli(const std::string& args) {
  std::string cmd = absl::StrCat(Env("GOBGP", "gobgp"), " -u 127.0.0.1 -p ",
                                 port_, " ", args, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) {
    error_ = cmd + ": " + out;
    return "{}";
  }
  return out;
}

std::map<std::string, std::string> Gobgpd::Rib(const std::string& family) {
  nlohmann::json rib = nlohmann::json::parse(
      Cli("global rib -a " + family + " -j"), nullptr, false);
  if (rib.is_discarded()) {
    error_ = "gobgp printed no JSON";
    return {};
  }
  std::map<std::string, std::string> out;
  for (const auto& [prefix, paths] : rib.items()) {
    std::vector<std::string> described;
    for (const auto& path : paths) {
      std::string hop = "?", origin = "?";
      for (const auto& a : path["attrs"]) {
        if (a["type"] == 1) origin = std::to_string(a["value"].get<int>());
        if (a.contains("nexthop")) hop = a["nexthop"].get<std::string>();
      }
      described.push_back(hop + " origin " + origin);
    }
    out[prefix] = absl::StrJoin(described, "; ");
  }
  return out;
}

void Gobgpd::Add(const std::string& family, const std::string& prefix,
                 const std::string& next_hop) {
  Cli(absl::StrCat("global rib add -a ", family, " ", prefix, " nexthop ",
                   next_hop, " origin igp"));
}

}  // namespace dsrlb::testing
