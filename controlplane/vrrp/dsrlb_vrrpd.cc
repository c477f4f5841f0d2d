// dsrlb-vrrpd: the VRRP runtime alone, for tests and users until
// dsrlb-control hosts it. Reads keepalived.conf, runs until SIGTERM/SIGINT
// (then hands mastership over with priority 0), and can keep a JSON status
// file up to date.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "controlplane/alerts/child_process.h"
#include "controlplane/config/parser.h"
#include "controlplane/vrrp/vrrp_log.h"
#include "controlplane/vrrp/vrrp_service.h"
#include "controlplane/vrrp/vrrp_status.h"

namespace {

constexpr char kUsage[] =
    "usage: dsrlb-vrrpd --config FILE [--status-file FILE] [--config-id ID]\n"
    "  --config FILE       a keepalived.conf: its global_defs, vrrp_script, "
    "vrrp_instance\n"
    "                      and vrrp_sync_group sections (virtual_server is "
    "left to others)\n"
    "  --status-file FILE  rewritten (atomically) with every instance's state\n"
    "  --config-id ID      keepalived's -i: the id '@ID' lines are for\n"
    "                      (default: the host name up to its first '.')\n"
    "SIGTERM/SIGINT: masters send priority 0 and remove their VIPs, then exit "
    "0.\n";

void WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

// Reads the command line; returns the exit code when the process should
// end now (help, or a usage error).
std::optional<int> ParseArgs(int argc, char** argv, std::string* config_path,
                             std::string* status_path,
                             dsrlb::config::ParseOptions* parse) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if ((a == "--config-id" || a == "-i") && i + 1 < argc) {
      parse->config_id = argv[++i];
    } else if ((a == "--status-file" || a == "--config") && i + 1 < argc) {
      *(a == "--config" ? config_path : status_path) = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "dsrlb-vrrpd: unknown argument '%s'\n%s", a.c_str(),
                   kUsage);
      return 2;
    }
  }
  if (config_path->empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return std::nullopt;
}

// SIGTERM and SIGINT arrive on the returned fd instead of killing us.
int SignalFd() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, status_path;
  dsrlb::config::ParseOptions parse = dsrlb::config::ParseOptions::Default();
  if (std::optional<int> exit_code =
          ParseArgs(argc, argv, &config_path, &status_path, &parse)) {
    return *exit_code;
  }
  absl::StatusOr<dsrlb::config::Config> config =
      dsrlb::config::LoadConfigFile(config_path, parse);
  if (!config.ok()) {
    std::fprintf(stderr, "dsrlb-vrrpd: %s: %s\n", config_path.c_str(),
                 std::string(config.status().message()).c_str());
    return 1;
  }
  if (config->global.script_uid) {  // notify and track scripts
    dsrlb::health::ChildProcess::SetRunAs(dsrlb::health::RunAs{
        *config->global.script_uid, *config->global.script_gid});
  }

  int sfd = SignalFd();

  dsrlb::EventLoop loop;
  std::unique_ptr<dsrlb::vrrp::VrrpService> service;
  std::string last_status;
  auto write_status = [&] {
    if (status_path.empty() || !service) return;
    std::string s = dsrlb::vrrp::StatusToJson(service->Snapshot());
    if (s == last_status) return;
    last_status = s;
    WriteAtomically(status_path, s);
  };
  dsrlb::vrrp::VrrpService::Callbacks cb;
  cb.on_vip = [](const std::string& instance,
                 const dsrlb::config::VirtualIpAddress& vip, bool active) {
    dsrlb::vrrp::VrrpLog(instance + ": VIP " + vip.address.ToString() +
                         (active ? " active" : " inactive"));
  };
  cb.on_transition = [&](const dsrlb::vrrp::Transition&) {
    loop.Post(write_status);
  };
  auto created = dsrlb::vrrp::VrrpService::Create(*config, &loop, cb);
  if (!created.ok()) {
    std::fprintf(stderr, "dsrlb-vrrpd: %s\n",
                 std::string(created.status().message()).c_str());
    return 1;
  }
  service = std::move(*created);
  if (absl::Status s = service->Start(); !s.ok()) {
    std::fprintf(stderr, "dsrlb-vrrpd: %s\n", std::string(s.message()).c_str());
    service->Shutdown();
    return 1;
  }
  (void)loop.WatchFd(sfd, EPOLLIN, [&](uint32_t) {
    signalfd_siginfo si;
    while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
    }
    dsrlb::vrrp::VrrpLog("signal: shutting down");
    service->Shutdown();
    write_status();
    loop.Stop();
  });
  struct Tick {
    dsrlb::EventLoop* loop;
    std::function<void()>* write;
    void operator()() const {
      (*write)();
      loop->RunAfter(absl::Milliseconds(200), Tick{loop, write});
    }
  };
  std::function<void()> write_fn = write_status;
  loop.RunAfter(absl::ZeroDuration(), Tick{&loop, &write_fn});
  loop.Run();
  close(sfd);
  return 0;
}
