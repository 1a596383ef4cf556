#include "correlator/audit.h"

#include "core/fingerprint.h"
#include "core/json_writer.h"

namespace alertd::correlator {

namespace {
constexpr std::string_view kActor = "alertd";
}

core::AuditEntry audit_entry(const core::Incident& inc, core::TimePoint at, std::string_view action,
                             std::string detail) {
  core::AuditEntry e;
  e.incident_id = inc.id;
  e.at = at;
  e.actor = kActor;
  e.action = action;
  e.detail = std::move(detail);
  return e;
}

std::string fingerprint_detail(
    uint64_t fingerprint,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extra) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().field("fingerprint", core::fingerprint_hex(fingerprint));
  for (const auto& [k, v] : extra) w.field(k, v);
  w.end_object();
  return out;
}

std::string from_to_detail(
    std::string_view from, std::string_view to,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extra) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().field("from", from).field("to", to);
  for (const auto& [k, v] : extra) w.field(k, v);
  w.end_object();
  return out;
}

}  // namespace alertd::correlator
