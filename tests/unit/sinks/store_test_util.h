#pragma once
// Helpers shared by the store tests: a temporary folder per test,
// incident/member builders, field-by-field comparisons, and (SQLite) a raw
// connection for checks by plain SQL.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <ostream>
#include <string>

#include "core/fingerprint.h"
#include "core/incident.h"
#include "core/silence.h"
#include "sinks/store/sqlite/sqlite_db.h"
#include "sinks/store/sqlite/sqlite_store.h"

namespace alertd::core {
// Readable failure output for label sets.
inline void PrintTo(const LabelSet& labels, std::ostream* os) {
  *os << labels.to_string();
}
}  // namespace alertd::core

namespace alertd::sinks::testing {

/// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "alertd-store-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline core::TimePoint at_ms(int64_t ms) {
  return core::from_unix_millis(ms);
}

inline core::Incident make_incident(int64_t seq, const std::string& tenant = "default") {
  core::Incident inc;
  inc.seq = seq;
  inc.id = core::incident_id(seq);
  inc.tenant = tenant;
  inc.title = "incident " + std::to_string(seq);
  inc.service = "svc-" + std::to_string(seq % 3);
  inc.group_key = "{alertname=\"A" + std::to_string(seq) + "\"}";
  inc.rule = "default";
  inc.opened_at = at_ms(1'767'225'600'000 + seq * 1000);
  inc.updated_at = inc.opened_at;
  inc.last_alert_at = inc.opened_at;
  return inc;
}

inline core::Member make_member(const std::string& alertname, int64_t first_seen_ms) {
  core::Member m;
  m.labels = core::LabelSet{{"alertname", alertname}, {"instance", "host-1:9100"}};
  m.annotations = core::LabelSet{{"summary", "summary of " + alertname}};
  m.fingerprint = core::fingerprint(m.labels);
  m.source = "prometheus";
  m.first_seen = at_ms(first_seen_ms);
  m.last_seen = m.first_seen;
  m.event_count = 1;
  return m;
}

inline core::AuditEntry make_audit(const std::string& incident_id, std::string action, int64_t at) {
  core::AuditEntry e;
  e.incident_id = incident_id;
  e.at = at_ms(at);
  e.action = std::move(action);
  e.detail = R"({"n":)" + std::to_string(at) + "}";
  return e;
}

inline core::IncidentUpdate make_update(core::Incident inc, std::vector<core::Member> members = {},
                                        std::vector<core::AuditEntry> audit = {}) {
  core::IncidentUpdate u;
  u.incident = std::move(inc);
  u.members = std::move(members);
  u.audit = std::move(audit);
  return u;
}

/// Applies a batch and fails the test with the store's message if it does not commit.
inline void apply_ok(Store& store, const std::vector<core::IncidentUpdate>& batch) {
  auto st = store.apply(batch);
  ASSERT_TRUE(st.ok()) << st.error().message;
}

/// The incident `id`, failing the test when the read fails or it is absent.
inline IncidentDetail get_ok(Store& store, const std::string& id) {
  auto got = store.get(id);
  EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message);
  EXPECT_TRUE(got.ok() && got->has_value()) << id;
  return got.ok() && got->has_value() ? std::move(**got) : IncidentDetail{};
}

inline std::unique_ptr<Store> open_store(const std::string& path, size_t read_connections = 4,
                                         int busy_timeout_ms = 5000) {
  auto store = open_sqlite_store(SqliteOptions{path, busy_timeout_ms, read_connections});
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

/// A second, independent connection to the same file, as an operator's
/// sqlite3 shell would be.
inline sqlite::Connection raw_connection(const std::string& path) {
  auto db = sqlite::Connection::open(path, sqlite::Connection::Mode::read_write_create, 5000);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message);
  return db.ok() ? std::move(*db) : sqlite::Connection();
}

inline int64_t count_rows(sqlite::Connection& db, const std::string& sql) {
  auto n = db.query_int(sql, "count");
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
  return n.ok() ? *n : -1;
}

inline int64_t ns(core::TimePoint t) {
  return t.time_since_epoch().count();
}

/// Field-by-field, so a failure names the field.
inline void expect_same_incident(const core::Incident& got, const core::Incident& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.seq, want.seq);
  EXPECT_EQ(got.tenant, want.tenant);
  EXPECT_EQ(got.title, want.title);
  EXPECT_EQ(got.service, want.service);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.priority, want.priority);
  EXPECT_EQ(got.severity, want.severity);
  EXPECT_EQ(got.group_key, want.group_key);
  EXPECT_EQ(got.rule, want.rule);
  EXPECT_EQ(ns(got.opened_at), ns(want.opened_at));
  EXPECT_EQ(ns(got.updated_at), ns(want.updated_at));
  EXPECT_EQ(ns(got.last_alert_at), ns(want.last_alert_at));
  EXPECT_EQ(ns(got.acknowledged_at), ns(want.acknowledged_at));
  EXPECT_EQ(ns(got.resolved_at), ns(want.resolved_at));
  EXPECT_EQ(ns(got.closed_at), ns(want.closed_at));
  EXPECT_EQ(got.alert_count, want.alert_count);
  EXPECT_EQ(got.firing_count, want.firing_count);
  EXPECT_EQ(got.category, want.category);
  EXPECT_EQ(got.impact, want.impact);
  EXPECT_EQ(got.root_service, want.root_service);
  EXPECT_EQ(got.flapping, want.flapping);
  EXPECT_EQ(got.suppressed, want.suppressed);
  EXPECT_EQ(got.detection_source, want.detection_source);
  EXPECT_EQ(got.urgency, want.urgency);
  EXPECT_EQ(got.priority_manual, want.priority_manual);
  EXPECT_EQ(got.team, want.team);
  EXPECT_EQ(got.assignee, want.assignee);
  EXPECT_EQ(got.escalation_level, want.escalation_level);
  EXPECT_EQ(got.vendor, want.vendor);
  EXPECT_EQ(got.vendor_contact, want.vendor_contact);
  EXPECT_EQ(got.resolved_by, want.resolved_by);
  EXPECT_EQ(got.resolution, want.resolution);
  EXPECT_EQ(got.closed_by, want.closed_by);
  EXPECT_EQ(got.close_notes, want.close_notes);
  EXPECT_EQ(got.review_note, want.review_note);
  EXPECT_EQ(got.problem_id, want.problem_id);
  EXPECT_EQ(ns(got.ack_due_at), ns(want.ack_due_at));
  EXPECT_EQ(ns(got.resolve_due_at), ns(want.resolve_due_at));
  EXPECT_EQ(ns(got.next_escalation_at), ns(want.next_escalation_at));
  EXPECT_EQ(got.ack_breached, want.ack_breached);
  EXPECT_EQ(got.resolve_breached, want.resolve_breached);
}

inline void expect_same_member(const core::Member& got, const core::Member& want) {
  EXPECT_EQ(got.fingerprint, want.fingerprint);
  EXPECT_EQ(got.labels, want.labels);
  EXPECT_EQ(got.annotations, want.annotations);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.source, want.source);
  EXPECT_EQ(ns(got.first_seen), ns(want.first_seen));
  EXPECT_EQ(ns(got.last_seen), ns(want.last_seen));
  EXPECT_EQ(ns(got.resolved_at), ns(want.resolved_at));
  EXPECT_EQ(got.event_count, want.event_count);
  EXPECT_EQ(got.flapping, want.flapping);
  EXPECT_EQ(got.suppressed_by, want.suppressed_by);
  EXPECT_EQ(got.journal_pos, want.journal_pos);
}

inline core::Silence make_silence(std::vector<std::string> matchers, int64_t starts_ms,
                                  int64_t ends_ms, const std::string& tenant = "default") {
  core::Silence s;
  s.tenant = tenant;
  s.matchers = std::move(matchers);
  s.starts_at = at_ms(starts_ms);
  s.ends_at = at_ms(ends_ms);
  s.created_by = "alice@example.com";
  s.comment = "maintenance window";
  s.created_at = at_ms(starts_ms);
  return s;
}

inline void expect_same_silence(const core::Silence& got, const core::Silence& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.tenant, want.tenant);
  EXPECT_EQ(got.matchers, want.matchers);
  EXPECT_EQ(ns(got.starts_at), ns(want.starts_at));
  EXPECT_EQ(ns(got.ends_at), ns(want.ends_at));
  EXPECT_EQ(got.created_by, want.created_by);
  EXPECT_EQ(got.comment, want.comment);
  EXPECT_EQ(ns(got.created_at), ns(want.created_at));
  EXPECT_EQ(ns(got.updated_at), ns(want.updated_at));
}

}  // namespace alertd::sinks::testing
