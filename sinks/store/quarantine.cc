#include "sinks/store/quarantine.h"

#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks {

namespace {

// Text inside the update JSON: valid UTF-8 (other bytes become '?'); the
// JSON writer escapes control characters, NUL as \u0000.
std::string utf8(std::string_view text) {
  std::string out(text);
  if (!is_utf8(out)) {
    for (auto& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return out;
}

// Text of a column of its own: valid UTF-8 and without NUL.
std::string storable(std::string_view text) {
  std::string out = utf8(text);
  for (auto& c : out) {
    if (c == '\0') c = '?';
  }
  return out;
}

void write_labels(core::JsonWriter& w, std::string_view key, const core::LabelSet& labels) {
  w.key(key).begin_object();
  for (const auto& l : labels) w.field(utf8(l.name), utf8(l.value));
  w.end_object();
}

void write_incident(core::JsonWriter& w, const core::Incident& incident) {
  w.key("incident").begin_object();
  w.field("id", utf8(incident.id)).field("seq", incident.seq);
  w.field("tenant", utf8(incident.tenant)).field("title", utf8(incident.title));
  w.field("service", utf8(incident.service)).field("status", to_string(incident.status));
  w.field("group_key", utf8(incident.group_key));
  w.end_object();
}

void write_member(core::JsonWriter& w, const core::Member& m) {
  w.begin_object();
  w.field("fingerprint", core::fingerprint_hex(m.fingerprint));
  w.field("status", to_string(m.status)).field("source", utf8(m.source));
  write_labels(w, "labels", m.labels);
  write_labels(w, "annotations", m.annotations);
  w.key("first_seen").time(m.first_seen).key("last_seen").time(m.last_seen);
  w.end_object();
}

std::string update_json(const core::IncidentUpdate& update) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  write_incident(w, update.incident);
  w.key("members").begin_array();
  size_t omitted = 0;
  for (const auto& m : update.members) {
    if (out.size() >= kMaxUpdateJsonBytes) {
      ++omitted;
      continue;
    }
    write_member(w, m);
  }
  w.end_array();
  w.field("members_omitted", static_cast<uint64_t>(omitted));
  w.field("audit_entries", static_cast<uint64_t>(update.audit.size()));
  w.end_object();
  return out;
}

}  // namespace

QuarantineRecord quarantine_record(const core::IncidentUpdate& update, const core::Error& error,
                                   core::TimePoint now) {
  QuarantineRecord r;
  r.at = to_stored(now);
  r.incident_id = storable(update.incident.id);
  r.tenant = storable(update.incident.tenant);
  r.reason = storable(error.reason);
  r.error = storable(error.message);
  r.update_json = update_json(update);
  return r;
}

core::AuditEntry quarantine_audit_entry(const QuarantineRecord& record) {
  std::string detail;
  core::JsonWriter w(detail);
  w.begin_object().field("tenant", record.tenant).field("quarantine_seq", record.seq);
  w.field("reason", record.reason).end_object();
  return store_audit_entry(record.incident_id, "quarantine", record.at, std::move(detail));
}

}  // namespace alertd::sinks
