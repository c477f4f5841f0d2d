// enable_script_security: keepalived's rule for scripts that run as root. A
// script run as root (script_user unset or root, or a set-uid/set-gid root
// file) must not be replaceable by anyone else: the file and every directory
// of its real path must be owned by root and must not be writable by a
// non-root group or by others (a directory with the sticky bit, like /tmp,
// may be). keepalived disables such a script at startup; dsrlb refuses the
// file, naming the script line and the path that is unsafe.
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {
namespace {

// Every keyword whose value is a command dsrlb runs.
const std::set<std::string>& ScriptKeywords() {
  static const auto* k = new std::set<std::string>{
      "notify_master", "notify_backup", "notify_fault", "notify",
      "notify_up",     "notify_down",   "quorum_up",    "quorum_down",
      "misc_path",     "script"};
  return *k;
}

bool IsFileExecutable(const struct stat& st, uid_t uid, gid_t gid) {
  if (uid == 0) return (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (uid == st.st_uid) return (st.st_mode & S_IXUSR) != 0;
  if (gid == st.st_gid) return (st.st_mode & S_IXGRP) != 0;
  return (st.st_mode & S_IXOTH) != 0;
}

// The program a command line starts: a name without '/' is looked up in
// PATH, as /bin/sh does.
std::string FindProgram(const std::string& word) {
  if (word.find('/') != std::string::npos) return word;
  const char* env = getenv("PATH");
  std::string path = env != nullptr
                         ? env
                         : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                           "/sbin:/bin";
  for (absl::string_view dir : absl::StrSplit(path, ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", word);
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
      return candidate;
    }
  }
  return "";
}

// "" when `path` (a real path) and each directory above it are safe, else
// what is wrong with the first one that is not.
std::string UnsafePart(const std::string& path) {
  std::vector<std::string> parts = {"/"};
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') parts.push_back(path.substr(0, i));
  }
  for (const std::string& part : parts) {
    struct stat st {};
    if (lstat(part.c_str(), &st) != 0) return part + " cannot be read";
    bool mode_counts =
        S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && !(st.st_mode & S_ISVTX));
    if (st.st_uid != 0) {
      return absl::StrCat(part, " is owned by uid ", st.st_uid);
    }
    if (mode_counts && ((st.st_gid != 0 && (st.st_mode & S_IWGRP)) ||
                        (st.st_mode & S_IWOTH))) {
      return absl::StrCat(part, " is writable by non-root users");
    }
  }
  return "";
}

absl::Status CheckScript(const Node& n, uid_t uid, gid_t gid) {
  ASSIGN_OR_RETURN(std::string command, ScriptValue(n));
  std::string word = command.substr(0, command.find_first_of(" \t"));
  // keepalived: "</dev/tcp/..." only tests that a file opens.
  if (word.empty() || word[0] == '<') return absl::OkStatus();
  const Token& at = n.args.empty() ? n.keyword : n.args[0];
  const std::string why = "(enable_script_security checks every script)";
  std::string program = FindProgram(word);
  char real[PATH_MAX];
  if (program.empty() || realpath(program.c_str(), real) == nullptr) {
    return ErrorAt(at.where, absl::StrCat(n.keyword.text, ": cannot find '",
                                          word, "' ", why));
  }
  struct stat st {};
  if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) ||
      !IsFileExecutable(st, uid, gid)) {
    return ErrorAt(at.where, absl::StrCat(n.keyword.text, ": ", real,
                                          " is not an executable file for uid ",
                                          uid, " gid ", gid, " ", why));
  }
  bool as_root = uid == 0 || gid == 0 ||
                 (st.st_uid == 0 && (st.st_mode & S_ISUID)) ||
                 (st.st_gid == 0 && (st.st_mode & S_ISGID));
  if (!as_root) return absl::OkStatus();
  std::string unsafe = UnsafePart(real);
  if (unsafe.empty()) return absl::OkStatus();
  return ErrorAt(
      at.where,
      absl::StrCat(n.keyword.text, " runs ", real, " as root but ", unsafe,
                   " (enable_script_security): make the script and its "
                   "directories root-owned and not group- or world-writable, "
                   "or set script_user"));
}

absl::Status CheckNodes(const std::vector<Node>& nodes, uid_t uid, gid_t gid) {
  for (const Node& n : nodes) {
    if (!n.has_block && ScriptKeywords().contains(n.keyword.text)) {
      RETURN_IF_ERROR(CheckScript(n, uid, gid));
    }
    RETURN_IF_ERROR(CheckNodes(n.children, uid, gid));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckScriptSecurity(const std::vector<Node>& top,
                                 const GlobalDefs& global) {
  uid_t uid = global.script_uid ? *global.script_uid : geteuid();
  gid_t gid = global.script_gid ? *global.script_gid : getegid();
  return CheckNodes(top, uid, gid);
}

}  // namespace dsrlb::config
