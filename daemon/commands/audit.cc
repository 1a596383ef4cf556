#include "daemon/commands/audit.h"

#include <pwd.h>
#include <unistd.h>

#include <ostream>

#include "core/json_writer.h"
#include "core/time.h"
#include "daemon/audit_check.h"
#include "daemon/store_open.h"

namespace alertd::daemon {

namespace {

/// Who ran the command, as the host knows them: the audit entry's actor.
std::string operator_name() {
  const passwd* pw = ::getpwuid(::geteuid());
  return std::string("cli:") + (pw != nullptr ? pw->pw_name : std::to_string(::geteuid()));
}

/// The old anchor as the entry records it: {seq, hash} or null, and its state.
void write_old_anchor(core::JsonWriter& w, const config::AuditConfig& audit) {
  auto old = sinks::read_anchor_file(audit.anchor_file, audit.key);
  w.key("from");
  if (old.ok() && *old) {
    w.begin_object().field("seq", (*old)->head.seq).field("hash", (*old)->head.hash).end_object();
    w.field("from_state", "present");
  } else {
    w.null();
    w.field("from_state", old.ok() ? "missing" : "invalid");
  }
}

core::AuditEntry re_anchor_entry(const config::DaemonConfig& config,
                                 const sinks::AuditVerification& v, const std::string& reason) {
  core::AuditEntry entry;
  entry.incident_id = "audit-anchor";
  entry.action = "re_anchor";
  entry.actor = operator_name();
  entry.at = core::SystemClock().now();
  core::JsonWriter w(entry.detail);
  w.begin_object();
  write_old_anchor(w, config.audit);
  w.key("to").begin_object().field("seq", v.entries).field("hash", v.head_hash).end_object();
  w.field("anchor_file", config.audit.anchor_file).field("reason", reason).end_object();
  return entry;
}

int re_anchor(const config::DaemonConfig& config, const std::string& reason, std::ostream& out,
              std::ostream& err) {
  auto store = open_configured_store(config.store, audit_settings(config.audit, nullptr), nullptr);
  if (!store) {
    err << "alertd audit re-anchor: cannot open the store: " << store.error().message << "\n";
    return 1;
  }
  auto v = (*store)->verify_audit({.full = true, .ignore_anchor = true});
  if (!v) {
    err << "alertd audit re-anchor: cannot read the audit log: " << v.error().message << "\n";
    return 1;
  }
  if (!v->ok) {
    err << "alertd audit re-anchor: refused, the chain in the store does not verify (" << v->status
        << " at seq " << (v->broken_seq ? std::to_string(*v->broken_seq) : "-")
        << "): " << v->reason << "\n";
    return 1;
  }
  auto seq = (*store)->re_anchor_audit(re_anchor_entry(config, *v, reason));
  if (!seq) {
    err << "alertd audit re-anchor: " << seq.error().message << "\n";
    return 1;
  }
  out << "re-anchored the audit chain in " << config.audit.anchor_file << ": " << v->entries
      << " entries verified; entry " << *seq << " (re_anchor) records the step and is the new "
      << "anchored head\n";
  return 0;
}

}  // namespace

int run_audit_command(const config::DaemonConfig& config, const std::string& subcommand,
                      const std::string& reason, std::ostream& out, std::ostream& err) {
  if (subcommand == "re-anchor") return re_anchor(config, reason, out, err);
  err << "usage: alertd audit re-anchor [--config FILE] [--reason TEXT]\n";
  return 2;
}

}  // namespace alertd::daemon
