#include "sinks/store/store_input.h"

#include <simdjson.h>

#include <string>

#include "core/json_writer.h"

namespace alertd::sinks {

core::TimePoint to_stored(core::TimePoint t) {
  return t == core::kNoTime ? t : core::from_unix_millis(core::to_unix_millis(t));
}

bool is_utf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

core::Status prepare_new_silence(core::Silence& s, std::string_view store_name) {
  s.starts_at = to_stored(s.starts_at);
  s.ends_at = to_stored(s.ends_at);
  s.created_at = to_stored(s.created_at);
  s.updated_at = s.updated_at == core::kNoTime ? s.created_at : to_stored(s.updated_at);
  auto refuse = [&](std::string why) {
    return core::Error{"store_invalid_input",
                       std::string(store_name) + ": silence " + std::move(why)};
  };
  if (s.matchers.empty()) return refuse("has no matchers");
  if (s.tenant.empty()) return refuse("has an empty tenant");
  if (s.starts_at == core::kNoTime || s.ends_at == core::kNoTime || s.created_at == core::kNoTime) {
    return refuse("lacks starts_at, ends_at or created_at");
  }
  if (s.ends_at <= s.starts_at) return refuse("ends at or before its start (in milliseconds)");
  // The matchers column is JSON, which must read back: simdjson refuses
  // invalid UTF-8. The other text is checked too, for the API's JSON answers.
  bool utf8 = is_utf8(s.tenant) && is_utf8(s.created_by) && is_utf8(s.comment);
  for (const auto& m : s.matchers) utf8 = utf8 && is_utf8(m);
  if (!utf8) return refuse("has text that is not valid UTF-8");
  return {};
}

core::AuditEntry store_audit_entry(std::string subject, std::string_view action, core::TimePoint at,
                                   std::string detail, std::string_view actor) {
  core::AuditEntry e;
  e.incident_id = std::move(subject);
  e.at = to_stored(at);
  e.actor = std::string(actor);
  e.action = std::string(action);
  e.detail = std::move(detail);
  return e;
}

core::AuditEntry purge_audit_entry(const core::Incident& incident, bool archived,
                                   core::TimePoint now) {
  std::string detail;
  core::JsonWriter w(detail);
  w.begin_object()
      .field("tenant", incident.tenant)
      .field("archived", archived)
      .key("closed_at")
      .time(incident.closed_at)
      .field("alert_count", incident.alert_count)
      .end_object();
  return store_audit_entry(incident.id, "purge", now, std::move(detail));
}

core::AuditEntry silence_audit_entry(const core::Silence& s) {
  std::string detail;
  core::JsonWriter w(detail);
  w.begin_object().field("tenant", s.tenant).key("matchers").begin_array();
  for (const auto& m : s.matchers) w.value(m);
  w.end_array();
  w.key("starts_at").time(s.starts_at);
  w.key("ends_at").time(s.ends_at);
  w.field("comment", s.comment);
  if (!s.on_behalf_of.empty()) w.field("on_behalf_of", s.on_behalf_of);
  w.end_object();
  return store_audit_entry(s.id, "silence", s.created_at, std::move(detail), s.created_by);
}

std::optional<core::AuditEntry> silence_expire_audit_entry(const core::Silence& before,
                                                           const core::Silence& after,
                                                           std::string_view actor,
                                                           core::TimePoint now) {
  if (before.ends_at == after.ends_at && before.starts_at == after.starts_at) return std::nullopt;
  std::string detail;
  core::JsonWriter w(detail);
  w.begin_object().key("changes").begin_object();
  auto change = [&](std::string_view name, core::TimePoint from, core::TimePoint to) {
    if (from == to) return;
    w.key(name).begin_object().key("from").time(from).key("to").time(to).end_object();
  };
  change("starts_at", before.starts_at, after.starts_at);
  change("ends_at", before.ends_at, after.ends_at);
  w.end_object().end_object();
  return store_audit_entry(after.id, "silence_expire", now, std::move(detail), actor);
}

}  // namespace alertd::sinks
