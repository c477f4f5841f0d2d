// dsrlb-control: the control-plane daemon. SIGHUP reloads --config;
// SIGINT/SIGTERM stop it.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "controlplane/config/config_check.h"
#include "controlplane/config/parser.h"
#include "controlplane/daemon/bgp_part.h"
#include "controlplane/daemon/daemon.h"
#include "controlplane/daemon/daemon_options.h"
#include "controlplane/daemon/health_part.h"
#include "controlplane/daemon/validate_config.h"
#include "controlplane/daemon/vrrp_part.h"

namespace {

int Fatal(const std::string& what) {
  std::fprintf(stderr, "dsrlb-control: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = dsrlb::api::ParseDaemonArgs(argc, argv);
  if (!options.ok()) {
    if (options.status().code() == absl::StatusCode::kCancelled) {
      std::fputs(dsrlb::api::DaemonUsage(), stdout);
      return 0;
    }
    std::fprintf(stderr, "dsrlb-control: %s\n%s",
                 std::string(options.status().message()).c_str(),
                 dsrlb::api::DaemonUsage());
    return 2;
  }
  if (options->check) {
    auto config = dsrlb::config::LoadConfigFile(
        options->config_path, dsrlb::api::ConfigParseOptions(*options));
    if (!config.ok()) return Fatal(std::string(config.status().message()));
    // The same validation the daemon runs at start and on reload.
    if (absl::Status st = dsrlb::api::ValidateConfig(*config, *options);
        !st.ok())
      return Fatal(std::string(st.message()));
    std::printf("%s: OK\n%s", options->config_path.c_str(),
                dsrlb::config::DescribeConfig(*config).c_str());
    return 0;
  }

  // Block the signals before any thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<dsrlb::api::DaemonPartFactory> parts = {
      dsrlb::api::MakeHealthPart, dsrlb::api::MakeVrrpPart,
      dsrlb::api::MakeBgpPart};
  auto daemon = dsrlb::api::Daemon::Start(*std::move(options), parts);
  if (!daemon.ok()) return Fatal(std::string(daemon.status().message()));
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      (void)(*daemon)->Reload();  // logs the outcome; state kept on error
      continue;
    }
    break;
  }
  (*daemon)->Stop();
  return 0;
}
