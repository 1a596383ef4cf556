// The column table (schema.h). Each column is made by a helper that knows
// how its kind of field is written and read, so an entry is one line.
#include "sinks/store/schema.h"

#include <simdjson.h>

#include <type_traits>

#include "core/fingerprint.h"
#include "sinks/store/label_json.h"
#include "sinks/store/notify_outbox.h"
#include "sinks/store/silence_store.h"

namespace alertd::sinks::schema {

namespace {

template <typename T>
struct MemberOf;
template <typename R, typename F>
struct MemberOf<F R::*> {
  using Row = R;
  using Field = F;
};
template <auto F>
using RowOf = typename MemberOf<decltype(F)>::Row;
template <auto F>
using FieldOf = typename MemberOf<decltype(F)>::Field;

/// A column of a plain field: text, time, bool or an integer of any width.
template <auto F>
constexpr Column<RowOf<F>> field(std::string_view name, unsigned flags = 0) {
  using Row = RowOf<F>;
  using T = FieldOf<F>;
  if constexpr (std::is_same_v<T, std::string>) {
    return {name, Kind::text, flags, [](const Row& r, FieldWriter& w) { w.text(r.*F); },
            [](Row& r, FieldReader& in) {
              (r.*F).assign(in.text());
              return core::Status();
            }};
  } else if constexpr (std::is_same_v<T, core::TimePoint>) {
    return {name, Kind::time, flags, [](const Row& r, FieldWriter& w) { w.time(r.*F); },
            [](Row& r, FieldReader& in) {
              r.*F = in.time();
              return core::Status();
            }};
  } else if constexpr (std::is_same_v<T, bool>) {
    return {name, Kind::boolean, flags, [](const Row& r, FieldWriter& w) { w.boolean(r.*F); },
            [](Row& r, FieldReader& in) {
              r.*F = in.boolean();
              return core::Status();
            }};
  } else {
    static_assert(std::is_integral_v<T>);
    return {name, Kind::integer, flags,
            [](const Row& r, FieldWriter& w) { w.integer(static_cast<int64_t>(r.*F)); },
            [](Row& r, FieldReader& in) {
              r.*F = static_cast<T>(in.integer());
              return core::Status();
            }};
  }
}

/// A column of an enum kept as its text form (the to_string of its
/// namespace); `Parse` turns it back.
template <auto F, auto Parse>
constexpr Column<RowOf<F>> enumerated(std::string_view name, unsigned flags = 0) {
  using Row = RowOf<F>;
  return {name, Kind::text, flags, [](const Row& r, FieldWriter& w) { w.text(to_string(r.*F)); },
          [](Row& r, FieldReader& in) -> core::Status {
            const auto text = in.text();
            const auto value = Parse(text);
            if (!value) return in.corrupt(text);
            r.*F = *value;
            return {};
          }};
}

/// A label set kept as JSON text.
template <auto F>
constexpr Column<RowOf<F>> labels(std::string_view name) {
  using Row = RowOf<F>;
  return {name, Kind::text, 0,
          [](const Row& r, FieldWriter& w) {
            std::string& json = w.buffer();
            write_labels_json(r.*F, json);
            w.text(json);
          },
          [](Row& r, FieldReader& in) -> core::Status {
            auto parsed = parse_labels_json(in.json_parser(), in.text());
            if (!parsed.ok()) return parsed.error();
            r.*F = std::move(*parsed);
            return {};
          }};
}

// --- incidents ---

using core::Incident;
constexpr Column<Incident> kIncidentColumns[] = {
    field<&Incident::seq>("seq", kKey),
    field<&Incident::id>("id", kIndexed),
    field<&Incident::tenant>("tenant", kIndexed),
    field<&Incident::title>("title"),
    field<&Incident::service>("service", kIndexed),
    enumerated<&Incident::status, core::parse_incident_status>("status", kIndexed),
    enumerated<&Incident::priority, core::parse_priority>("priority", kIndexed),
    field<&Incident::severity>("severity"),
    field<&Incident::group_key>("group_key", kIndexed),
    field<&Incident::rule>("rule"),
    field<&Incident::opened_at>("opened_at", kIndexed),
    field<&Incident::updated_at>("updated_at"),
    field<&Incident::last_alert_at>("last_alert_at"),
    field<&Incident::acknowledged_at>("acknowledged_at"),
    field<&Incident::resolved_at>("resolved_at"),
    field<&Incident::closed_at>("closed_at", kIndexed),
    field<&Incident::alert_count>("alert_count"),
    field<&Incident::firing_count>("firing_count"),
    // Version 2: the rule engine's fields.
    field<&Incident::category>("category"),
    field<&Incident::impact>("impact"),
    field<&Incident::root_service>("root_service"),
    field<&Incident::flapping>("flapping"),
    field<&Incident::suppressed>("suppressed"),
    // Version 4: the incident lifecycle.
    field<&Incident::detection_source>("detection_source"),
    field<&Incident::urgency>("urgency"),
    field<&Incident::priority_manual>("priority_manual"),
    field<&Incident::team>("team"),
    field<&Incident::assignee>("assignee"),
    field<&Incident::escalation_level>("escalation_level"),
    field<&Incident::vendor>("vendor"),
    field<&Incident::vendor_contact>("vendor_contact"),
    field<&Incident::resolved_by>("resolved_by"),
    field<&Incident::resolution>("resolution"),
    field<&Incident::closed_by>("closed_by"),
    field<&Incident::close_notes>("close_notes"),
    field<&Incident::review_note>("review_note"),
    field<&Incident::ack_due_at>("ack_due_at"),
    field<&Incident::resolve_due_at>("resolve_due_at"),
    field<&Incident::next_escalation_at>("next_escalation_at"),
    field<&Incident::ack_breached>("ack_breached"),
    field<&Incident::resolve_breached>("resolve_breached"),
};

// --- incident_members (after kMemberOwner) ---

using core::Member;
constexpr Column<Member> kMemberColumns[] = {
    {"fingerprint", Kind::text, kKey,
     [](const Member& m, FieldWriter& w) {
       std::string& hex = w.buffer();
       hex = core::fingerprint_hex(m.fingerprint);
       w.text(hex);
     },
     [](Member& m, FieldReader& in) -> core::Status {
       const auto text = in.text();
       const auto fp = core::parse_fingerprint_hex(text);
       if (!fp) return in.corrupt(text);
       m.fingerprint = *fp;
       return {};
     }},
    labels<&Member::labels>("labels"),
    labels<&Member::annotations>("annotations"),
    enumerated<&Member::status, core::parse_alert_status>("status"),
    field<&Member::source>("source"),
    field<&Member::first_seen>("first_seen"),
    field<&Member::last_seen>("last_seen"),
    field<&Member::resolved_at>("resolved_at"),
    field<&Member::event_count>("event_count"),
    // Version 2.
    field<&Member::flapping>("flapping"),
    field<&Member::suppressed_by>("suppressed_by"),
    // Version 6: the write-ahead journal's replay guard. A uint64 kept as a
    // signed integer: positions fit in 63 bits (core::journal_position).
    field<&Member::journal_pos>("journal_pos", kIndexed),
};

// --- audit_log ---

using core::AuditEntry;
constexpr Column<AuditEntry> kAuditColumns[] = {
    field<&AuditEntry::seq>("seq", kKey),
    field<&AuditEntry::incident_id>("incident_id"),
    field<&AuditEntry::at>("at"),
    field<&AuditEntry::actor>("actor"),
    field<&AuditEntry::action>("action"),
    field<&AuditEntry::detail>("detail"),
    // Version 3: the hash chain.
    field<&AuditEntry::prev_hash>("prev_hash"),
    field<&AuditEntry::hash>("hash"),
};

// --- silences (seq is an identity: the id is "SIL-<seq>") ---

using core::Silence;
constexpr Column<Silence> kSilenceColumns[] = {
    {"seq", Kind::integer, kKey | kAssigned, [](const Silence&, FieldWriter&) {},
     [](Silence& s, FieldReader& in) {
       s.id = silence_id(in.integer());
       return core::Status();
     }},
    field<&Silence::tenant>("tenant", kFixed),
    {"matchers", Kind::text, kFixed,
     [](const Silence& s, FieldWriter& w) {
       std::string& json = w.buffer();
       write_matchers_json(s.matchers, json);
       w.text(json);
     },
     [](Silence& s, FieldReader& in) -> core::Status {
       auto matchers = parse_matchers_json(in.json_parser(), in.text());
       if (!matchers.ok()) return matchers.error();
       s.matchers = std::move(*matchers);
       return {};
     }},
    field<&Silence::starts_at>("starts_at"),
    field<&Silence::ends_at>("ends_at"),
    field<&Silence::created_by>("created_by", kFixed),
    field<&Silence::comment>("comment", kFixed),
    field<&Silence::created_at>("created_at", kFixed),
    field<&Silence::updated_at>("updated_at"),
};

// --- problems (version 4; seq is an identity: the id is "PRB-<seq>") ---

using core::Problem;
constexpr Column<Problem> kProblemColumns[] = {
    {"seq", Kind::integer, kKey | kAssigned, [](const Problem&, FieldWriter&) {},
     [](Problem& p, FieldReader& in) {
       p.seq = in.integer();
       p.id = core::problem_id(p.seq);
       return core::Status();
     }},
    field<&Problem::tenant>("tenant", kFixed),
    field<&Problem::group_key>("group_key", kFixed),
    field<&Problem::title>("title"),
    enumerated<&Problem::status, core::parse_problem_status>("status"),
    field<&Problem::workaround>("workaround"),
    field<&Problem::root_cause>("root_cause"),
    field<&Problem::resolution>("resolution"),
    field<&Problem::close_notes>("close_notes"),  // version 5
    field<&Problem::created_at>("created_at", kFixed),
    field<&Problem::updated_at>("updated_at"),
    field<&Problem::resolved_at>("resolved_at"),
    field<&Problem::closed_at>("closed_at"),
};

// --- notify_outbox (version 8; seq is an identity) ---

constexpr Column<OutboxMessage> kOutboxColumns[] = {
    field<&OutboxMessage::seq>("seq", kKey | kAssigned),
    field<&OutboxMessage::incident_id>("incident_id", kFixed | kIndexed),
    field<&OutboxMessage::tenant>("tenant", kFixed),
    field<&OutboxMessage::receiver>("receiver", kFixed),
    field<&OutboxMessage::kind>("kind", kFixed),
    field<&OutboxMessage::audience>("audience", kFixed),
    field<&OutboxMessage::stage>("stage", kFixed),
    field<&OutboxMessage::change>("change", kFixed),
    field<&OutboxMessage::body>("body", kFixed),
    field<&OutboxMessage::subject>("subject", kFixed),
    field<&OutboxMessage::text>("text", kFixed),
    field<&OutboxMessage::html>("html", kFixed),
    field<&OutboxMessage::extra_to>("extra_to", kFixed),
    field<&OutboxMessage::changed_at>("changed_at", kFixed),
    field<&OutboxMessage::created_at>("created_at", kFixed),
    // The delivery state: what record_deliveries updates.
    enumerated<&OutboxMessage::status, parse_delivery_status>("status", kIndexed),
    field<&OutboxMessage::attempts>("attempts"),
    field<&OutboxMessage::last_reason>("last_reason"),
    field<&OutboxMessage::next_at>("next_at"),
};

// --- notify_told (version 8) ---

constexpr Column<NotifyTold> kNotifyToldColumns[] = {
    field<&NotifyTold::incident_id>("incident_id", kKey),
    enumerated<&NotifyTold::status, core::parse_incident_status>("status"),
    enumerated<&NotifyTold::priority, core::parse_priority>("priority"),
    field<&NotifyTold::assignee>("assignee"),
    field<&NotifyTold::acknowledged>("acknowledged"),
    field<&NotifyTold::escalation_level>("escalation_level"),
    field<&NotifyTold::initial_sent>("initial_sent"),
    field<&NotifyTold::last_sent>("last_sent"),
};

template <typename Row>
core::Result<Row> read_whole(const Table<Row>& table, FieldReader& in) {
  Row row;
  if (auto st = read_row(table, in, row); !st.ok()) return st.error();
  return row;
}

}  // namespace

const Table<core::Incident> kIncidents{"incidents", kIncidentColumns};
const Table<core::Member> kMembers{"incident_members", kMemberColumns};
const Table<core::AuditEntry> kAudit{"audit_log", kAuditColumns};
const Table<core::Silence> kSilences{"silences", kSilenceColumns};
const Table<core::Problem> kProblems{"problems", kProblemColumns};
const Table<OutboxMessage> kOutbox{"notify_outbox", kOutboxColumns};
const Table<NotifyTold> kNotifyTold{"notify_told", kNotifyToldColumns};

std::string_view sql_type(Dialect dialect, Kind kind) {
  const bool sqlite = dialect == Dialect::sqlite;
  switch (kind) {
    case Kind::text: return sqlite ? "TEXT" : "text";
    case Kind::boolean: return sqlite ? "INTEGER" : "boolean";  // SQLite: 0 or 1
    case Kind::integer:
    case Kind::time: break;
  }
  return sqlite ? "INTEGER" : "bigint";
}

std::string& FieldWriter::buffer() {
  if (buffers_used_ == buffers_.size()) buffers_.push_back(std::make_unique<std::string>());
  return *buffers_[buffers_used_++];
}

core::Error FieldReader::corrupt(std::string_view value) const {
  return core::Error{"store_corrupt", std::string(store_kind_) + ": " + std::string(table_) + "." +
                                          std::string(column_) + " holds an unknown value '" +
                                          std::string(value) + "'"};
}

const std::string& incident_select() {
  static const std::string list =
      column_list(kIncidents) + ", " + std::string(kIncidentProblemLink);
  return list;
}
const std::string& member_select() {
  static const std::string list = column_list(kMembers);
  return list;
}
const std::string& audit_select() {
  static const std::string list = column_list(kAudit);
  return list;
}
const std::string& silence_select() {
  static const std::string list = column_list(kSilences);
  return list;
}
const std::string& problem_select() {
  static const std::string list = column_list(kProblems) + ", " + std::string(kProblemLinkColumns);
  return list;
}

const std::string& outbox_select() {
  static const std::string list = column_list(kOutbox);
  return list;
}
const std::string& notify_told_select() {
  static const std::string list = column_list(kNotifyTold);
  return list;
}

std::string journal_marks_sql(Dialect dialect) {
  const bool sqlite = dialect == Dialect::sqlite;
  // PostgreSQL orders text by the database's collation; "C" is byte order,
  // SQLite's default (BINARY), so both backends list marks alike.
  const std::string_view bytes = sqlite ? "" : " COLLATE \"C\"";
  // "m.journal_pos > 0" repeats the predicate of the partial index
  // incident_members_journal_pos (migration 6): neither planner can tell
  // that "> after" implies it for a bound parameter, and without it they
  // would scan every member.
  return "SELECT i.tenant, m.fingerprint, MAX(m.journal_pos) FROM incident_members m "
         "JOIN incidents i ON i.seq = m.incident_seq "
         "WHERE m.journal_pos > 0 AND m.journal_pos > " +
         std::string(sqlite ? "?1" : "$1") + " GROUP BY i.tenant, m.fingerprint ORDER BY i.tenant" +
         std::string(bytes) + ", m.fingerprint" + std::string(bytes);
}

core::Result<core::Incident> read_incident(FieldReader& in) {
  auto inc = read_whole(kIncidents, in);
  if (inc.ok()) inc->problem_id = in.text();  // NULL (not linked) reads as ""
  return inc;
}

core::Result<core::Member> read_member(FieldReader& in) {
  return read_whole(kMembers, in);
}

core::Result<core::Silence> read_silence(FieldReader& in) {
  return read_whole(kSilences, in);
}

core::Result<core::JournalMark> read_journal_mark(FieldReader& in) {
  core::JournalMark mark;
  in.at(kMembers.name, "tenant");
  mark.tenant.assign(in.text());
  in.at(kMembers.name, "fingerprint");
  const auto text = in.text();
  const auto fp = core::parse_fingerprint_hex(text);
  if (!fp) return in.corrupt(text);
  mark.fingerprint = *fp;
  in.at(kMembers.name, "journal_pos");
  mark.journal_pos = static_cast<uint64_t>(in.integer());
  return mark;
}

core::Result<core::Problem> read_problem(FieldReader& in) {
  auto p = read_whole(kProblems, in);
  if (!p.ok()) return p;
  p->incident_count = static_cast<uint32_t>(in.integer());
  p->last_linked_at = in.time();
  return p;
}

core::Result<OutboxMessage> read_outbox_message(FieldReader& in) {
  return read_whole(kOutbox, in);
}

core::Result<NotifyTold> read_notify_told(FieldReader& in) {
  return read_whole(kNotifyTold, in);
}

}  // namespace alertd::sinks::schema
