// vrrp_script NAME { ... } and vrrp_sync_group NAME { ... }.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controlplane/config/block.h"
#include "controlplane/config/sections.h"
#include "controlplane/config/values.h"

namespace dsrlb::config {

absl::Status ParseVrrpScript(const Node& n, VrrpScript* s) {
  s->where = n.keyword.where;
  if (n.args.size() != 1 || !n.has_block) {
    return ErrorAt(n.keyword.where,
                   "'vrrp_script' wants one name and a block "
                   "(vrrp_script NAME { script ... })");
  }
  s->name = n.args[0].text;
  auto count = [](int* field) {
    return [field](const Node& st) {
      RETURN_IF_ERROR(
          ExpectArgs(st, 1, 1, absl::StrCat(st.keyword.text, " COUNT")));
      ASSIGN_OR_RETURN(int64_t v,
                       IntValue(st.args[0], st.keyword.text, 1, 1000));
      *field = static_cast<int>(v);
      return absl::OkStatus();
    };
  };
  auto seconds = [](absl::Duration* field) {
    return [field](const Node& st) {
      RETURN_IF_ERROR(
          ExpectArgs(st, 1, 1, absl::StrCat(st.keyword.text, " SECONDS")));
      ASSIGN_OR_RETURN(*field,
                       SecondsValue(st.args[0], st.keyword.text,
                                    absl::Milliseconds(10), absl::Hours(24)));
      return absl::OkStatus();
    };
  };
  std::vector<Keyword> kw = {
      {"script",
       [s](const Node& st) {
         ASSIGN_OR_RETURN(s->script, ScriptValue(st));
         return absl::OkStatus();
       }},
      {"interval", seconds(&s->interval)},
      {"timeout", seconds(&s->timeout)},
      {"weight",
       [s](const Node& st) {
         RETURN_IF_ERROR(ExpectArgs(st, 1, 1, "weight N"));
         ASSIGN_OR_RETURN(int64_t v, IntValue(st.args[0], "weight", -253, 253));
         s->weight = static_cast<int>(v);
         return absl::OkStatus();
       }},
      {"rise", count(&s->rise)},
      {"fall", count(&s->fall)},
  };
  RETURN_IF_ERROR(
      DispatchBlock(n.children, "vrrp_script", kw, {"user", "init_fail"}));
  if (s->script.empty()) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("vrrp_script ", s->name, " needs 'script'"));
  }
  return absl::OkStatus();
}

absl::Status ParseVrrpSyncGroup(const Node& n, VrrpSyncGroup* g,
                                ParseNotes* notes) {
  g->where = n.keyword.where;
  if (n.args.size() != 1 || !n.has_block) {
    return ErrorAt(n.keyword.where,
                   "'vrrp_sync_group' wants one name and a block "
                   "(vrrp_sync_group NAME { group { ... } })");
  }
  g->name = n.args[0].text;
  auto script = [](std::string* field) {
    return [field](const Node& st) {
      ASSIGN_OR_RETURN(*field, ScriptValue(st));
      return absl::OkStatus();
    };
  };
  std::vector<Keyword> kw = {
      {"group",
       [&](const Node& st) {
         RETURN_IF_ERROR(ExpectBlock(st));
         for (const Node& line : st.children) {
           if (line.has_block) {
             return ErrorAt(line.keyword.where,
                            "group lists vrrp_instance names; no { } block");
           }
           g->group.push_back(line.keyword.text);
           notes->sync_members.push_back(
               {line.keyword.text, g->name, line.keyword.where});
           for (const Token& t : line.args) {
             g->group.push_back(t.text);
             notes->sync_members.push_back({t.text, g->name, t.where});
           }
         }
         return absl::OkStatus();
       }},
      {"notify_master", script(&g->notify_master)},
      {"notify_backup", script(&g->notify_backup)},
      {"notify_fault", script(&g->notify_fault)},
      {"notify", script(&g->notify)},
      {"smtp_alert",
       [&](const Node& st) {
         ASSIGN_OR_RETURN(g->smtp_alert, FlagValue(st));
         return absl::OkStatus();
       }},
  };
  RETURN_IF_ERROR(
      DispatchBlock(n.children, "vrrp_sync_group", kw,
                    {"global_tracking", "sync_group_tracking_weight",
                     "track_interface", "track_script", "track_file",
                     "track_process", "track_bfd", "notify_stop"}));
  if (g->group.empty()) {
    return ErrorAt(n.keyword.where,
                   absl::StrCat("vrrp_sync_group ", g->name,
                                " needs a non-empty 'group { ... }'"));
  }
  return absl::OkStatus();
}

}  // namespace dsrlb::config
