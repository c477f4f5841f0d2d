// vrrp_strict: the configuration-time rules keepalived 2.2.7 enforces for
// strict RFC 3768 / RFC 5798 compliance. keepalived reports each as a
// configuration error and then changes the setting behind the user's back;
// dsrlb refuses the file instead, at the line that breaks the rule.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/sections.h"

namespace dsrlb::config {
namespace {

bool IsLinkLocal6(const IpAddress& ip) {
  return ip.family == 6 && ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80;
}

// Where the instance says `what`, or the instance itself when not written.
const SourceLocation& Or(const SourceLocation& where, const VrrpInstance& v) {
  return where.line != 0 ? where : v.where;
}

absl::Status StrictError(const SourceLocation& where, const VrrpInstance& v,
                         const ParseNotes& notes, absl::string_view what) {
  return ErrorAt(
      where,
      absl::StrCat("vrrp_instance ", v.name, ": ", what, " (vrrp_strict at ",
                   notes.strict_where.file, ":", notes.strict_where.line, ")"));
}

absl::Status StrictInstance(const VrrpInstance& v,
                            const ParseNotes::Instance& note,
                            const ParseNotes& notes) {
  using State = VrrpInstance::InitialState;
  if (v.virtual_ipaddress.empty()) {
    return StrictError(v.where, v, notes,
                       "strict mode needs at least one virtual_ipaddress");
  }
  if (note.unicast_peer_where.line != 0) {
    return StrictError(note.unicast_peer_where, v, notes,
                       "unicast_peer is not allowed in strict mode (RFC "
                       "adverts are multicast)");
  }
  const VirtualIpAddress& first = v.virtual_ipaddress[0];
  if (first.address.family == 6 && v.version == 2) {
    return StrictError(Or(note.version_where, v), v, notes,
                       "IPv6 needs VRRP version 3 in strict mode");
  }
  if (first.address.family == 6 && !IsLinkLocal6(first.address)) {
    return StrictError(first.where, v, notes,
                       "the first IPv6 virtual address must be link-local "
                       "(fe80::/10) in strict mode");
  }
  if ((v.state == State::kMaster) != (v.priority == 255)) {
    return StrictError(
        Or(v.state == State::kMaster ? note.state_where : note.priority_where,
           v),
        v, notes,
        "strict mode allows state MASTER only with priority 255 (the address "
        "owner), and priority 255 only with state MASTER");
  }
  if (note.auth_where.line != 0) {
    return StrictError(note.auth_where, v, notes,
                       "authentication is not allowed in strict mode");
  }
  if (note.preempt_delay_where.line != 0) {
    return StrictError(note.preempt_delay_where, v, notes,
                       "preempt_delay is not allowed in strict mode");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateStrictMode(const Config& config, const ParseNotes& notes) {
  for (size_t i = 0; i < config.vrrp_instances.size(); ++i) {
    RETURN_IF_ERROR(
        StrictInstance(config.vrrp_instances[i], notes.instances[i], notes));
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::config
