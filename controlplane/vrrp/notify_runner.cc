// Double fork: the grandchild is reparented to init, the child is reaped now.
#include "controlplane/vrrp/notify_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace dsrlb::vrrp {

absl::Status RunDetached(const std::string& command, const std::vector<std::string>& args) {
  if (command.empty()) return absl::OkStatus();
  const std::string script = command + " \"$@\"";
  std::vector<const char*> argv = {"/bin/sh", "-c", script.c_str(), "sh"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) return absl::ResourceExhaustedError(absl::StrCat("fork: ", strerror(errno)));
  if (child == 0) {
    if (fork() == 0) {
      setsid();
      execv("/bin/sh", const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    _exit(0);
  }
  int st;
  while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::vrrp
