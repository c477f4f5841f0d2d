// dsrlbctl: the command-line client of dsrlb-control's gRPC API.
// Exit codes: 0 ok, 1 the server refused or failed the request (its message
// on stderr), 2 usage error, 3 cannot connect to dsrlb-control.
#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controlplane/api/grpc_server.h"
#include "controlplane/ctl/ctl_format.h"
#include "dsrlb.grpc.pb.h"

namespace {

namespace v1 = ::dsrlb::v1;
using dsrlb::api::FormatHostPort;

constexpr int kOk = 0, kServerError = 1, kUsage = 2, kNoConnection = 3;

const char kUsageText[] =
    "usage: dsrlbctl [--socket PATH | --server HOST:PORT --tls-ca FILE]... "
    "COMMAND\n"
    "  list [-t|-u VIP:PORT] [--stats | --rate [--interval S]] [--details] "
    "[-n]\n"
    "  add vs -t|-u VIP:PORT [-s rr|wrr|mh|sh] [-p PERSISTENCE_S]\n"
    "  edit vs -t|-u VIP:PORT [-s rr|wrr|mh|sh] [-p PERSISTENCE_S]\n"
    "  remove vs -t|-u VIP:PORT\n"
    "  add rs -t|-u VIP:PORT -r RIP[:PORT] [-g] [-w WEIGHT]\n"
    "  remove rs -t|-u VIP:PORT -r RIP:PORT\n"
    "  weight -t|-u VIP:PORT -r RIP:PORT -w WEIGHT\n"
    "  drain|undrain -t|-u VIP:PORT -r RIP:PORT\n"
    "  watch | reload | counters | vrrp\n"
    "  rings   (several schedulers: do their rings agree? exit 1 if not)\n"
    "Name several schedulers (repeat --socket/--server) to make a change on\n"
    "each of them: a cluster's nodes then agree on drains and weights.\n"
    "IPv6: [2001:db8::1]:80. A real server without a port takes the virtual\n"
    "server's (DR cannot map ports); -g (direct routing) is the only\n"
    "forwarding method. Exit codes: 0 ok, 1 server-side error, 2 usage,\n"
    "3 cannot connect or dsrlb-control went away.\n";

int Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "dsrlbctl: %s\n", why.c_str());
  std::fputs(kUsageText, stderr);
  return kUsage;
}

struct Endpoint {
  std::string address, tls_ca;
};

int Failed(const grpc::Status& s, const Endpoint& ep) {
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::fprintf(stderr, "dsrlbctl: cannot reach dsrlb-control at %s: %s\n",
                 ep.address.c_str(), s.error_message().c_str());
    return kNoConnection;
  }
  std::fprintf(stderr, "dsrlbctl: %s\n", s.error_message().c_str());
  return kServerError;
}

// "10.0.0.1:80", "[::1]:80" -> address, port. False when malformed.
bool SplitHostPort(const std::string& s, std::string* addr, uint32_t* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *addr = s.substr(0, colon);
  if (addr->size() >= 2 && addr->front() == '[' && addr->back() == ']')
    *addr = addr->substr(1, addr->size() - 2);
  else if (addr->find(':') != std::string::npos)
    return false;  // IPv6 needs brackets
  return absl::SimpleAtoi(s.substr(colon + 1), port);
}

// Flags of the change commands.
struct Target {
  bool has_vs = false, has_rs = false, has_weight = false;
  v1::VirtualServerKey vs;
  v1::RealServerKey rs;
  uint32_t weight = 1;
  bool rs_port_given = false;
  v1::Scheduler scheduler = v1::SCHEDULER_UNSPECIFIED;
  bool has_persistence = false;
  uint32_t persistence = 0;
};

// True when `s` is a bare IPv4 or IPv6 address (no port).
bool IsBareAddress(const std::string& s) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, s.c_str(), &a4) == 1 ||
         inet_pton(AF_INET6, s.c_str(), &a6) == 1;
}

// ipvsadm's forwarding-method flags, which take no value.
std::string ForwardingFlag(const std::string& f) {
  if (f == "-g") return "";  // gatewaying: direct routing, what dsrlb does
  if (f == "-m")
    return "-m (masquerading, NAT) is not supported: dsrlb forwards by direct "
           "routing only (-g)";
  return "-i (IP-in-IP tunnelling) is not supported: dsrlb forwards by direct "
         "routing only (-g)";
}

std::string ParseTarget(const std::vector<std::string>& args, size_t i,
                        Target* t) {
  for (; i < args.size(); i++) {
    const std::string& f = args[i];
    if (f == "-g" || f == "-m" || f == "-i") {
      if (std::string err = ForwardingFlag(f); !err.empty()) return err;
      continue;
    }
    if (i + 1 >= args.size()) return f + " needs a value";
    const std::string& v = args[++i];
    std::string addr;
    uint32_t port = 0;
    if (f == "-t" || f == "-u") {
      if (!SplitHostPort(v, &addr, &port))
        return f + " " + v + ": want ADDRESS:PORT";
      t->has_vs = true;
      t->vs.set_address(addr);
      t->vs.set_port(port);
      t->vs.set_protocol(f == "-t" ? v1::PROTOCOL_TCP : v1::PROTOCOL_UDP);
    } else if (f == "-r") {
      t->rs_port_given = !IsBareAddress(v);
      if (!t->rs_port_given)
        addr = v;
      else if (!SplitHostPort(v, &addr, &port))
        return "-r " + v + ": want ADDRESS or ADDRESS:PORT";
      t->has_rs = true;
      t->rs.set_address(addr);
      t->rs.set_port(port);
    } else if (f == "-w") {
      if (!absl::SimpleAtoi(v, &t->weight))
        return "-w " + v + ": want a number";
      t->has_weight = true;
    } else if (f == "-p") {
      if (!absl::SimpleAtoi(v, &t->persistence))
        return "-p " + v + ": want seconds";
      t->has_persistence = true;
    } else if (f == "-s") {
      if (v == "rr")
        t->scheduler = v1::SCHEDULER_RR;
      else if (v == "wrr")
        t->scheduler = v1::SCHEDULER_WRR;
      else if (v == "mh")
        t->scheduler = v1::SCHEDULER_MH;
      else if (v == "sh")
        t->scheduler = v1::SCHEDULER_SH;
      else
        return "-s " + v + ": want rr, wrr, mh or sh";
    } else {
      return "unknown option " + f;
    }
  }
  // ipvsadm: a real server without a port serves the virtual server's.
  if (t->has_rs && !t->rs_port_given) t->rs.set_port(t->vs.port());
  return "";
}

// Parsed before connecting, so a usage error is exit 2 whether or not the
// daemon runs.
struct ListArgs {
  dsrlb::api::ListOptions options;
  // --rate: 0 shows dsrlb-control's rates; S > 0, the difference of two
  // listings S seconds apart.
  double interval = 0;
  // -t/-u VIP:PORT: that one service (GetVirtualServer), not the whole
  // table, as `ipvsadm -L -t VIP:PORT`.
  bool one = false;
  v1::VirtualServerKey vs;
};

std::string ParseListArgs(const std::vector<std::string>& args, ListArgs* out) {
  for (size_t i = 1; i < args.size(); i++) {
    if (args[i] == "--stats")
      out->options.mode = dsrlb::api::ListMode::kStats;
    else if (args[i] == "--rate")
      out->options.mode = dsrlb::api::ListMode::kRate;
    else if (args[i] == "--details")
      out->options.details = true;
    else if (args[i] == "-n" || args[i] == "-L" || args[i] == "-Ln")
      continue;
    else if (args[i] == "--interval") {
      if (i + 1 >= args.size()) return "list: --interval needs seconds";
      if (!absl::SimpleAtod(args[i + 1], &out->interval) ||
          !(out->interval > 0) || out->interval > 3600)
        return "list: --interval " + args[i + 1] +
               ": want seconds, more than 0 and at most 3600";
      i++;
    } else if ((args[i] == "-t" || args[i] == "-u") && i + 1 < args.size()) {
      Target t;
      if (std::string err = ParseTarget({args[i], args[i + 1]}, 0, &t);
          !err.empty())
        return "list: " + err;
      out->one = true;
      out->vs = t.vs;
      i++;
    } else
      return "list: unknown option " + args[i];
  }
  return "";
}

// Flags that the command would silently ignore are named instead.
std::string MisplacedFlags(const std::string& cmd, const std::string& what,
                           const Target& t) {
  const bool vs_cmd = what == "vs";
  if (vs_cmd && t.has_rs) return "-r belongs to real server commands";
  if (t.has_weight && !(cmd == "weight" || (cmd == "add" && what == "rs")))
    return "-w belongs to 'add rs' and 'weight'";
  const bool vs_settings = (cmd == "add" || cmd == "edit") && vs_cmd;
  if (!vs_settings && t.scheduler != v1::SCHEDULER_UNSPECIFIED)
    return "-s belongs to 'add vs' and 'edit vs'";
  if (!vs_settings && t.has_persistence)
    return "-p belongs to 'add vs' and 'edit vs'";
  return "";
}

class Ctl {
 public:
  Ctl(std::unique_ptr<v1::Dsrlb::Stub> stub, Endpoint ep)
      : stub_(std::move(stub)), ep_(std::move(ep)) {}

  int List(const ListArgs& list);
  // The whole table, or the one service of list.one.
  grpc::Status Fetch(const ListArgs& list, v1::ListVirtualServersResponse* out);
  int Change(const std::string& cmd, const std::vector<std::string>& args);
  int Watch();
  int Simple(const std::string& cmd);

 private:
  std::unique_ptr<v1::Dsrlb::Stub> stub_;
  Endpoint ep_;
};

int Ctl::List(const ListArgs& list) {
  const dsrlb::api::ListOptions& opt = list.options;
  const double interval = list.interval;
  v1::ListVirtualServersResponse before, now;
  grpc::Status s;
  const bool sampled = opt.mode == dsrlb::api::ListMode::kRate && interval > 0;
  if (sampled) {
    s = Fetch(list, &before);
    if (!s.ok()) return Failed(s, ep_);
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
  }
  s = Fetch(list, &now);
  if (!s.ok()) return Failed(s, ep_);
  std::fputs(
      FormatList(now, opt, sampled ? &before : nullptr, interval).c_str(),
      stdout);
  return kOk;
}

grpc::Status Ctl::Fetch(const ListArgs& list,
                        v1::ListVirtualServersResponse* out) {
  grpc::ClientContext c;
  if (!list.one) return stub_->ListVirtualServers(&c, {}, out);
  v1::GetVirtualServerRequest req;
  *req.mutable_virtual_server() = list.vs;
  return stub_->GetVirtualServer(&c, req, out->add_virtual_servers());
}

int Ctl::Change(const std::string& cmd, const std::vector<std::string>& args) {
  std::string what;
  size_t first = 1;
  if (cmd == "edit" && (args.size() < 2 || args[1] != "vs"))
    return Usage("edit: say 'vs' (edit vs -t VIP:PORT -s SCHEDULER -p S)");
  if (cmd == "add" || cmd == "remove" || cmd == "edit") {
    if (args.size() < 2 || (args[1] != "vs" && args[1] != "rs"))
      return Usage(cmd + ": say 'vs' or 'rs'");
    what = args[1];
    first = 2;
  }
  Target t;
  if (std::string err = ParseTarget(args, first, &t); !err.empty())
    return Usage(cmd + ": " + err);
  if (!t.has_vs) return Usage(cmd + ": -t or -u VIP:PORT is required");
  bool needs_rs = what != "vs";
  if (needs_rs && !t.has_rs) return Usage(cmd + ": -r RIP:PORT is required");
  if (cmd == "weight" && !t.has_weight)
    return Usage("weight: -w WEIGHT is required");
  if (std::string err = MisplacedFlags(cmd, what, t); !err.empty())
    return Usage(cmd + ": " + err);
  if (cmd == "edit" && t.scheduler == v1::SCHEDULER_UNSPECIFIED &&
      !t.has_persistence)
    return Usage("edit vs: say what changes: -s SCHEDULER and/or -p SECONDS");
  grpc::ClientContext c;
  grpc::Status s;
  v1::VirtualServer vs_out;
  v1::RealServer rs_out;
  if (cmd == "add" && what == "vs") {
    v1::AddVirtualServerRequest r;
    *r.mutable_virtual_server() = t.vs;
    r.set_scheduler(t.scheduler);
    r.set_persistence_timeout_s(t.persistence);
    s = stub_->AddVirtualServer(&c, r, &vs_out);
  } else if (cmd == "edit") {
    v1::EditVirtualServerRequest r;
    *r.mutable_virtual_server() = t.vs;
    r.set_scheduler(t.scheduler);
    if (t.has_persistence) r.set_persistence_timeout_s(t.persistence);
    s = stub_->EditVirtualServer(&c, r, &vs_out);
  } else if (cmd == "remove" && what == "vs") {
    v1::RemoveVirtualServerRequest r;
    *r.mutable_virtual_server() = t.vs;
    s = stub_->RemoveVirtualServer(&c, r, &vs_out);
  } else if (cmd == "add") {
    v1::AddRealServerRequest r;
    *r.mutable_virtual_server() = t.vs;
    *r.mutable_real_server() = t.rs;
    r.set_weight(t.weight);
    s = stub_->AddRealServer(&c, r, &rs_out);
  } else if (cmd == "remove") {
    v1::RemoveRealServerRequest r;
    *r.mutable_virtual_server() = t.vs;
    *r.mutable_real_server() = t.rs;
    s = stub_->RemoveRealServer(&c, r, &rs_out);
  } else if (cmd == "weight") {
    v1::SetWeightRequest r;
    *r.mutable_virtual_server() = t.vs;
    *r.mutable_real_server() = t.rs;
    r.set_weight(t.weight);
    s = stub_->SetWeight(&c, r, &rs_out);
  } else {
    v1::DrainRequest r;
    *r.mutable_virtual_server() = t.vs;
    *r.mutable_real_server() = t.rs;
    r.set_drain(cmd == "drain");
    s = stub_->Drain(&c, r, &rs_out);
  }
  return s.ok() ? kOk : Failed(s, ep_);
}

int Ctl::Watch() {
  grpc::ClientContext c;
  auto reader = stub_->WatchEvents(&c, {});
  v1::Event e;
  while (reader->Read(&e)) {
    std::fputs(dsrlb::api::FormatEvent(e).c_str(), stdout);
    std::fflush(stdout);
  }
  // The stream ends only when the daemon stops or goes away: say so, and
  // exit non-zero so that a script watching notices.
  grpc::Status s = reader->Finish();
  std::fprintf(stderr, "dsrlbctl: dsrlb-control at %s went away%s%s\n",
               ep_.address.c_str(), s.ok() ? "" : ": ",
               s.ok() ? "" : s.error_message().c_str());
  return kNoConnection;
}

int Ctl::Simple(const std::string& cmd) {
  grpc::ClientContext c;
  grpc::Status s;
  std::string out;
  if (cmd == "reload") {
    v1::ReloadConfigResponse r;
    s = stub_->ReloadConfig(&c, {}, &r);
    out =
        absl::StrCat("reloaded: ", r.virtual_servers(), " virtual server(s), ",
                     r.real_servers(), " real server(s)\n");
  } else if (cmd == "counters") {
    v1::GetCountersResponse r;
    s = stub_->GetCounters(&c, {}, &r);
    out = dsrlb::api::FormatCounters(r);
  } else {
    v1::GetVrrpStateResponse r;
    s = stub_->GetVrrpState(&c, {}, &r);
    out = dsrlb::api::FormatVrrp(r);
  }
  if (!s.ok()) return Failed(s, ep_);
  std::fputs(out.c_str(), stdout);
  return kOk;
}

// Global flags: where dsrlb-control listens. --socket and --server may be
// repeated: a change is then made on every scheduler named, in order (how
// an operator keeps the schedulers of a cluster in agreement).
struct Targets {
  std::vector<Endpoint> endpoints;
  std::string tls_ca;
};

// Consumes the leading --flags of `args`; "" or the usage error.
std::string ParseGlobalFlags(std::vector<std::string>* args, Targets* t) {
  while (!args->empty() && (*args)[0].rfind("--", 0) == 0) {
    const std::string flag = (*args)[0];
    if (args->size() < 2) return flag + " needs a value";
    const std::string value = (*args)[1];
    if (flag == "--socket")
      t->endpoints.push_back({"unix:" + value, ""});
    else if (flag == "--server")
      t->endpoints.push_back({value, ""});
    else if (flag == "--tls-ca")
      t->tls_ca = value;
    else
      return "unknown option " + flag;
    args->erase(args->begin(), args->begin() + 2);
  }
  if (t->endpoints.empty())
    t->endpoints.push_back(
        {absl::StrCat("unix:", dsrlb::api::kDefaultSocket), ""});
  for (Endpoint& ep : t->endpoints) ep.tls_ca = t->tls_ca;
  return "";
}

// The command's own checks, before any connection: "" or the usage error.
std::string CheckCommand(const std::vector<std::string>& args,
                         const Targets& targets, ListArgs* list) {
  if (args.empty()) return "no command";
  const std::string& cmd = args[0];
  static const char* kCommands[] = {"list",   "add",      "edit",    "remove",
                                    "weight", "drain",    "undrain", "watch",
                                    "reload", "counters", "vrrp",    "rings"};
  bool known = false;
  for (const char* k : kCommands) known |= cmd == k;
  if (!known) return "unknown command " + cmd;
  if (cmd == "list") {
    if (std::string err = ParseListArgs(args, list); !err.empty()) return err;
  }
  const bool no_args = cmd == "watch" || cmd == "reload" || cmd == "counters" ||
                       cmd == "vrrp" || cmd == "rings";
  if (no_args && args.size() > 1)
    return cmd + " takes no arguments (got " + args[1] + ")";
  const bool reads =
      cmd == "list" || cmd == "watch" || cmd == "counters" || cmd == "vrrp";
  if (reads && targets.endpoints.size() > 1)
    return cmd + " reads one scheduler: give one --socket or --server";
  return "";
}

// A connected stub, or the exit code (2 usage, 3 no connection).
std::variant<std::unique_ptr<v1::Dsrlb::Stub>, int> Connect(
    const Endpoint& ep) {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (ep.address.rfind("unix:", 0) == 0) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    if (ep.tls_ca.empty())
      return Usage("--server needs --tls-ca (TCP is TLS only)");
    std::ifstream in(ep.tls_ca);
    if (!in) return Usage("--tls-ca " + ep.tls_ca + ": cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = ss.str();
    creds = grpc::SslCredentials(o);
  }
  // A listing of thousands of services is larger than gRPC's default 4 MiB.
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(ep.address, creds, channel_args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(3))) {
    std::fprintf(
        stderr,
        "dsrlbctl: cannot connect to dsrlb-control at %s (is it running? "
        "--socket PATH)\n",
        ep.address.c_str());
    return kNoConnection;
  }
  return v1::Dsrlb::NewStub(channel);
}

int RunOn(const Endpoint& ep, const std::vector<std::string>& args,
          const ListArgs& list) {
  auto stub = Connect(ep);
  if (const int* code = std::get_if<int>(&stub)) return *code;
  Ctl ctl(std::move(std::get<0>(stub)), ep);
  const std::string& cmd = args[0];
  if (cmd == "list") return ctl.List(list);
  if (cmd == "watch") return ctl.Watch();
  if (cmd == "reload" || cmd == "counters" || cmd == "vrrp")
    return ctl.Simple(cmd);
  return ctl.Change(cmd, args);
}

// Every scheduler's listing, then one comparison; a scheduler that cannot
// be read counts as a difference (its rings are unknown).
int Rings(const Targets& targets) {
  std::vector<std::string> names;
  std::vector<v1::ListVirtualServersResponse> lists;
  int worst = kOk;
  for (const Endpoint& ep : targets.endpoints) {
    auto stub = Connect(ep);
    if (const int* code = std::get_if<int>(&stub)) {
      worst = std::max(worst, *code);
      continue;
    }
    grpc::ClientContext ctx;
    v1::ListVirtualServersResponse list;
    grpc::Status s = std::get<0>(stub)->ListVirtualServers(
        &ctx, v1::ListVirtualServersRequest(), &list);
    if (!s.ok()) {
      worst = std::max(worst, Failed(s, ep));
      continue;
    }
    names.push_back(ep.address);
    lists.push_back(std::move(list));
  }
  std::vector<std::string> differ;
  std::fputs(dsrlb::api::FormatRings(names, lists, &differ).c_str(), stdout);
  for (const std::string& key : differ)
    std::fprintf(stderr, "dsrlbctl: the schedulers' rings differ for %s\n",
                 key.c_str());
  return std::max(worst, differ.empty() ? kOk : kServerError);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kUsageText, stdout);
    return kOk;
  }
  Targets targets;
  if (std::string err = ParseGlobalFlags(&args, &targets); !err.empty())
    return Usage(err);
  ListArgs list;
  if (std::string err = CheckCommand(args, targets, &list); !err.empty())
    return Usage(err);
  if (args[0] == "rings") return Rings(targets);
  // Every scheduler named gets the change, even after one fails; the exit
  // code is the worst seen, and each failure names its scheduler.
  int worst = kOk;
  for (const Endpoint& ep : targets.endpoints) {
    int rc = RunOn(ep, args, list);
    if (rc == kUsage) return rc;
    if (rc != kOk && targets.endpoints.size() > 1)
      std::fprintf(stderr, "dsrlbctl: %s: not changed\n", ep.address.c_str());
    worst = std::max(worst, rc);
  }
  return worst;
}
