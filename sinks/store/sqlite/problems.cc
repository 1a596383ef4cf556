#include "sinks/store/sqlite/problems.h"

#include <sqlite3.h>

#include <algorithm>

#include "sinks/store/sqlite/rows.h"

namespace alertd::sinks::sqlite {

namespace {

constexpr size_t kMaxListLimit = 1000;

const std::string& select_problem_sql() {
  static const std::string sql =
      "SELECT " + schema::problem_select() + " FROM problems WHERE seq = ?1";
  return sql;
}

/// The writer's problem statements, inside its open write transaction.
class ProblemWriter final : public core::ProblemLinkTx {
 public:
  ProblemWriter(Connection& db, StatementCache& cache) : db_(db), cache_(cache) {}

  core::Result<std::optional<int64_t>> unresolved_problem(const std::string& tenant,
                                                          const std::string& group_key) override;
  core::Result<bool> is_linked(int64_t incident_seq) override;
  core::Result<std::vector<std::pair<int64_t, std::string>>> unlinked_opened_between(
      const std::string& tenant, const std::string& group_key, core::TimePoint from,
      core::TimePoint to, size_t limit) override;
  core::Result<int64_t> insert_problem(const core::Problem& problem) override;
  core::Status link(int64_t incident_seq, int64_t problem_seq, core::TimePoint at) override;
  core::Status touch_problem(int64_t problem_seq, core::TimePoint at) override;

  core::Result<std::optional<core::Problem>> read(int64_t seq);
  /// Writes every column a person can change (status, texts, times).
  core::Status update(const core::Problem& problem);

 private:
  core::Result<Statement*> statement(const std::string& sql) { return cache_.get(db_, sql); }

  Connection& db_;
  StatementCache& cache_;
};

}  // namespace

// --- writer ---

core::Result<std::optional<int64_t>> ProblemWriter::unresolved_problem(
    const std::string& tenant, const std::string& group_key) {
  // The predicate of the partial index problems_one_unresolved, word for word.
  auto stmt = statement(
      "SELECT seq FROM problems WHERE tenant = ?1 AND group_key = ?2 "
      "AND status IN ('open', 'known_error')");
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_text(1, tenant);
  s.bind_text(2, group_key);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<int64_t>();
  if (rc != SQLITE_ROW) return s.error("find unresolved problem", rc);
  return std::optional<int64_t>(s.column_int(0));
}

core::Result<bool> ProblemWriter::is_linked(int64_t incident_seq) {
  auto stmt = statement("SELECT 1 FROM problem_incidents WHERE incident_seq = ?1");
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_int(1, incident_seq);
  int rc = s.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return s.error("read problem link", rc);
  return rc == SQLITE_ROW;
}

core::Result<std::vector<std::pair<int64_t, std::string>>> ProblemWriter::unlinked_opened_between(
    const std::string& tenant, const std::string& group_key, core::TimePoint from,
    core::TimePoint to, size_t limit) {
  auto stmt = statement(
      "SELECT seq, id FROM incidents WHERE tenant = ?1 AND group_key = ?2 "
      "AND opened_at >= ?3 AND opened_at <= ?4 AND NOT EXISTS "
      "(SELECT 1 FROM problem_incidents WHERE problem_incidents.incident_seq = incidents.seq) "
      "ORDER BY opened_at DESC, seq DESC LIMIT ?5");
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_text(1, tenant);
  s.bind_text(2, group_key);
  s.bind_time(3, from);
  s.bind_time(4, to);
  s.bind_int(5, static_cast<int64_t>(limit));
  std::vector<std::pair<int64_t, std::string>> out;
  auto st = step_rows(s, "read recurring incidents", [&](const Statement& row) {
    out.emplace_back(row.column_int(0), std::string(row.column_text(1)));
    return core::Status();
  });
  if (!st.ok()) return st.error();
  std::reverse(out.begin(), out.end());  // oldest first
  return out;
}

core::Result<int64_t> ProblemWriter::insert_problem(const core::Problem& p) {
  auto stmt = statement(insert_problem_sql());
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  StatementBinder binder;
  bind_problem(binder, s, p);
  if (auto st = s.run("insert problem"); !st.ok()) return st.error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.get()));
}

core::Status ProblemWriter::link(int64_t incident_seq, int64_t problem_seq, core::TimePoint at) {
  auto stmt = statement(
      "INSERT INTO problem_incidents (incident_seq, problem_seq, linked_at) VALUES (?1, ?2, ?3)");
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_int(1, incident_seq);
  s.bind_int(2, problem_seq);
  s.bind_time(3, at);
  return s.run("link incident to problem");
}

core::Status ProblemWriter::touch_problem(int64_t problem_seq, core::TimePoint at) {
  auto stmt = statement("UPDATE problems SET updated_at = ?2 WHERE seq = ?1");
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_int(1, problem_seq);
  s.bind_time(2, at);
  return s.run("update problem");
}

core::Result<std::optional<core::Problem>> ProblemWriter::read(int64_t seq) {
  auto stmt = statement(select_problem_sql());
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_int(1, seq);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<core::Problem>();
  if (rc != SQLITE_ROW) return s.error("read problem", rc);
  auto p = read_problem(s, 0);
  if (!p.ok()) return p.error();
  return std::optional<core::Problem>(std::move(*p));
}

core::Status ProblemWriter::update(const core::Problem& p) {
  auto stmt = statement(update_problem_sql());
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  StatementBinder binder;
  bind_problem_update(binder, s, p);
  return s.run("update problem");
}

// --- reads ---

core::Result<ProblemPage> list_problems(Reader& r, const ProblemFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  std::string sql = "SELECT " + schema::problem_select() + " FROM problems WHERE tenant = ?1";
  if (filter.status) sql += " AND status = ?2";
  if (filter.before_seq) sql += " AND seq < ?3";
  sql += " ORDER BY seq DESC LIMIT ?4";
  auto stmt = r.cache.get(r.db, sql);
  if (!stmt.ok()) return stmt.error();
  Statement& s = **stmt;
  ResetGuard guard(s);
  s.bind_text(1, filter.tenant);
  if (filter.status) s.bind_text(2, core::to_string(*filter.status));
  if (filter.before_seq) s.bind_int(3, *filter.before_seq);
  s.bind_int(4, static_cast<int64_t>(limit + 1));  // one more: is there another page?
  ProblemPage page;
  auto st = step_rows(s, "list problems", [&](const Statement& row) -> core::Status {
    auto p = read_problem(row, 0);
    if (!p.ok()) return p.error();
    page.problems.push_back(std::move(*p));
    return {};
  });
  if (!st.ok()) return st.error();
  if (page.problems.size() > limit) {
    page.problems.pop_back();
    page.next_cursor = page.problems.back().seq;
  }
  return page;
}

core::Result<std::optional<ProblemDetail>> get_problem(Reader& r, int64_t seq) {
  ReadSnapshot snapshot(r);  // the problem and its links from one commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  auto stmt = r.cache.get(r.db, select_problem_sql());
  if (!stmt.ok()) return stmt.error();
  ProblemDetail detail;
  {
    Statement& s = **stmt;
    ResetGuard guard(s);
    s.bind_int(1, seq);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<ProblemDetail>();
    if (rc != SQLITE_ROW) return s.error("read problem", rc);
    auto p = read_problem(s, 0);
    if (!p.ok()) return p.error();
    detail.problem = std::move(*p);
  }
  // The newest links; an incident purged by retention has no row to join.
  auto links =
      r.cache.get(r.db, "SELECT problem_incidents.incident_seq, problem_incidents.linked_at, " +
                            schema::incident_select() +
                            " FROM problem_incidents LEFT JOIN incidents ON incidents.seq = "
                            "problem_incidents.incident_seq WHERE problem_seq = ?1 "
                            "ORDER BY linked_at DESC, problem_incidents.incident_seq DESC "
                            "LIMIT ?2");
  if (!links.ok()) return links.error();
  Statement& s = **links;
  ResetGuard guard(s);
  s.bind_int(1, seq);
  s.bind_int(2, static_cast<int64_t>(kMaxProblemIncidents));
  auto st = step_rows(s, "read problem incidents", [&](const Statement& row) -> core::Status {
    ProblemIncident pi;
    pi.id = core::incident_id(row.column_int(0));
    pi.linked_at = row.column_time(1);
    if (!row.is_null(2)) {
      auto inc = read_incident(row, 2);
      if (!inc.ok()) return inc.error();
      pi.incident = std::move(*inc);
    }
    detail.incidents.push_back(std::move(pi));
    return {};
  });
  if (!st.ok()) return st.error();
  std::reverse(detail.incidents.begin(), detail.incidents.end());  // oldest first
  return std::optional<ProblemDetail>(std::move(detail));
}

}  // namespace alertd::sinks::sqlite

namespace alertd::sinks::sqlite {

core::Result<std::vector<core::ProblemLinks>> link_recurring(
    Writer& w, std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
    const core::RecurrenceCheck& check) {
  if (opened.empty() || !policy.enabled()) return std::vector<core::ProblemLinks>();
  std::vector<core::ProblemLinks> links;
  std::vector<core::AuditEntry> audit;
  auto written = in_write_transaction(w, [&]() -> core::Status {
    ProblemWriter tx(w.db, w.cache);
    auto done = check(tx, opened, audit);
    if (!done.ok()) return done.error();
    links = std::move(*done);
    return append_audit(w, audit);
  });
  if (!written.ok()) return written.error();
  return links;
}

core::Result<core::ProblemResult> edit_problem(Writer& w, std::string_view id,
                                               const ProblemEdit& edit) {
  core::ProblemResult result = problem_not_found(id);
  const auto seq = core::parse_problem_id(id);
  if (!seq) return result;
  auto written = in_write_transaction(w, [&]() -> core::Status {
    ProblemWriter tx(w.db, w.cache);
    auto stored = tx.read(*seq);
    if (!stored.ok()) return stored.error();
    if (!*stored) return core::Error{std::string(kEditRefused), ""};  // `result` says why
    std::vector<core::AuditEntry> audit;
    core::Problem problem = std::move(**stored);
    result = edit(problem, audit);
    if (core::refused(result.verdict)) return core::Error{std::string(kEditRefused), ""};
    if (auto st = tx.update(problem); !st.ok()) return st;
    result.problem = std::move(problem);
    return append_audit(w, audit);
  });
  if (!written.ok() && written.error().reason != kEditRefused) return written.error();
  return result;
}

}  // namespace alertd::sinks::sqlite
