#include "sinks/store/postgres/problems.h"

#include <algorithm>

#include "sinks/store/problem_edit.h"

namespace alertd::sinks::postgres {

namespace {

constexpr size_t kMaxListLimit = 1000;

// The recurrence prefilter (see recurring_candidates). $1..$4 are the
// batch's tenants, group keys and windows [from, to] (what the check binds
// for each incident), $5 the threshold. A key is hot when it has an
// unresolved problem (the predicate of problems_one_unresolved, word for
// word) or when one of its incidents' windows holds `threshold` unlinked
// incidents. All incidents of a hot key are returned, not only those that
// pass themselves: once one of them opens a problem, the later ones link to
// it. The count stops at the threshold and walks the window newest first,
// where a storm's own unlinked incidents are (a resolved problem's linked
// ones may fill the rest of it); CASE skips it for keys with a problem (OR
// and an EXISTS would let the planner count every row up front).
constexpr std::string_view kCandidatesSql = R"sql(
WITH batch AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
    WITH ORDINALITY AS b (tenant, group_key, from_at, to_at, ord)
), hot AS (
  SELECT DISTINCT x.tenant, x.group_key FROM batch AS x
  WHERE CASE
    WHEN EXISTS (SELECT 1 FROM problems AS p WHERE p.tenant = x.tenant
                 AND p.group_key = x.group_key AND p.status IN ('open', 'known_error'))
      THEN true
    ELSE (SELECT COUNT(*) FROM (
            SELECT 1 FROM incidents AS i
            WHERE i.tenant = x.tenant AND i.group_key = x.group_key
              AND i.opened_at >= x.from_at AND i.opened_at <= x.to_at
              AND NOT EXISTS (SELECT 1 FROM problem_incidents AS l WHERE l.incident_seq = i.seq)
            ORDER BY i.opened_at DESC LIMIT $5::bigint) AS w) >= $5::bigint
  END
)
SELECT b.ord FROM batch AS b JOIN hot AS h ON h.tenant = b.tenant AND h.group_key = b.group_key
ORDER BY b.ord
)sql";

/// "$1, $2, ..., $n".
struct Statements {
  Statements() {
    by_seq = "SELECT " + schema::problem_select() + " FROM problems WHERE seq = $1";
    // Locked until the edit commits: another writer's edit waits for it
    // instead of being overwritten.
    by_seq_for_update = by_seq + " FOR UPDATE OF problems";
    // The newest links; an incident purged by retention has no row to join.
    links = "SELECT problem_incidents.incident_seq, problem_incidents.linked_at, " +
            schema::column_list(schema::kIncidents, schema::Which::all, "incidents.") + ", " +
            std::string(schema::kIncidentProblemLink) +
            " FROM problem_incidents LEFT JOIN incidents ON incidents.seq = "
            "problem_incidents.incident_seq WHERE problem_incidents.problem_seq = $1 "
            "ORDER BY problem_incidents.linked_at DESC, problem_incidents.incident_seq DESC "
            "LIMIT $2";
  }
  std::string by_seq, by_seq_for_update, links;
};

const Statements& sql() {
  static const Statements statements;
  return statements;
}

/// The check's steps on the writer connection, inside its open transaction.
class ProblemWriter final : public core::ProblemLinkTx {
 public:
  explicit ProblemWriter(Connection& conn) : conn_(conn) {}

  core::Result<std::optional<int64_t>> unresolved_problem(const std::string& tenant,
                                                          const std::string& group_key) override {
    params_.clear();
    params_.view(tenant).view(group_key);
    // The predicate of the partial index problems_one_unresolved, word for word.
    auto rows = conn_.query(
        "SELECT seq FROM problems WHERE tenant = $1 AND group_key = $2 "
        "AND status IN ('open', 'known_error')",
        params_, "find unresolved problem");
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<int64_t>();
    return std::optional<int64_t>(rows->int64(0, 0));
  }

  core::Result<bool> is_linked(int64_t incident_seq) override {
    params_.clear();
    params_.int64(incident_seq);
    auto rows = conn_.query("SELECT 1 FROM problem_incidents WHERE incident_seq = $1", params_,
                            "read problem link");
    if (!rows.ok()) return rows.error();
    return rows->size() > 0;
  }

  core::Result<std::vector<std::pair<int64_t, std::string>>> unlinked_opened_between(
      const std::string& tenant, const std::string& group_key, core::TimePoint from,
      core::TimePoint to, size_t limit) override {
    params_.clear();
    params_.view(tenant).view(group_key).time(from).time(to).int64(static_cast<int64_t>(limit));
    auto rows = conn_.query(
        "SELECT seq, id FROM incidents WHERE tenant = $1 AND group_key = $2 "
        "AND opened_at >= $3 AND opened_at <= $4 AND NOT EXISTS "
        "(SELECT 1 FROM problem_incidents WHERE problem_incidents.incident_seq = incidents.seq) "
        "ORDER BY opened_at DESC, seq DESC LIMIT $5",
        params_, "read recurring incidents");
    if (!rows.ok()) return rows.error();
    std::vector<std::pair<int64_t, std::string>> out;
    out.reserve(static_cast<size_t>(rows->size()));
    for (int i = rows->size() - 1; i >= 0; --i) {  // oldest first
      out.emplace_back(rows->int64(i, 0), std::string(rows->text(i, 1)));
    }
    return out;
  }

  core::Result<int64_t> insert_problem(const core::Problem& p) override {
    params_.clear();
    bind_problem(params_, p);
    auto rows = conn_.query(insert_problem_sql(), params_, "insert problem");
    if (!rows.ok()) return rows.error();
    return rows->int64(0, 0);
  }

  core::Status link(int64_t incident_seq, int64_t problem_seq, core::TimePoint at) override {
    params_.clear();
    params_.int64(incident_seq).int64(problem_seq).time(at);
    return core::status_of(conn_.query(
        "INSERT INTO problem_incidents (incident_seq, problem_seq, linked_at) VALUES ($1, $2, $3)",
        params_, "link incident to problem"));
  }

  core::Status touch_problem(int64_t problem_seq, core::TimePoint at) override {
    params_.clear();
    params_.int64(problem_seq).time(at);
    return core::status_of(conn_.query("UPDATE problems SET updated_at = $2 WHERE seq = $1",
                                       params_, "update problem"));
  }

  /// The problem, locked until the transaction ends.
  core::Result<std::optional<core::Problem>> read_for_update(int64_t seq) {
    params_.clear();
    params_.int64(seq);
    auto rows = conn_.query(sql().by_seq_for_update, params_, "read problem");
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<core::Problem>();
    RowFields row(*rows, 0);
    auto p = read_problem(row);
    if (!p.ok()) return p.error();
    return std::optional<core::Problem>(std::move(*p));
  }

  /// Writes every column a person can change (status, texts, times).
  core::Status update(const core::Problem& p) {
    params_.clear();
    bind_problem_update(params_, p);
    return core::status_of(conn_.query(update_problem_sql(), params_, "update problem"));
  }

 private:
  Connection& conn_;
  Params params_;
};

/// The indexes into `opened` (in order) of the incidents whose group key
/// has an unresolved problem, or has at least policy.threshold unlinked
/// incidents within policy.within before one of the key's `opened`: every
/// other incident is left alone by the recurrence check, so running it over
/// these alone does the same. One statement.
core::Result<std::vector<size_t>> recurring_candidates(Connection& conn,
                                                       std::span<const core::OpenedIncident> opened,
                                                       const core::ProblemPolicy& policy) {
  ColumnArrays batch(4);
  for (const auto& x : opened) {
    // The window exactly as the recurrence check binds it.
    batch.text(x.tenant).text(x.group_key).time(x.opened_at - policy.within).time(x.opened_at);
    batch.end_row();
  }
  Params params;
  batch.add_to(params);
  params.int64(policy.threshold);
  auto rows = conn.query(std::string(kCandidatesSql), params, "find recurring incidents");
  if (!rows.ok()) return rows.error();
  std::vector<size_t> out;
  out.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) out.push_back(static_cast<size_t>(rows->int64(i, 0) - 1));
  return out;
}

}  // namespace

core::Result<std::vector<core::ProblemLinks>> link_recurring(
    Writer& w, std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
    const core::RecurrenceCheck& check) {
  Connection& conn = w.conn;
  std::vector<core::ProblemLinks> links;
  if (opened.empty() || !policy.enabled()) return links;
  // JIT off: the prefilter's estimated cost grows with the batch and passes
  // jit_above_cost from a few thousand incidents on, and compiling it took
  // ~850 ms where running it takes ~50 ms (5,000 incidents, 100,000 stored).
  auto st = run_transaction(conn, "BEGIN; SET LOCAL jit = off", [&]() -> core::Status {
    auto candidates = recurring_candidates(conn, opened, policy);
    if (!candidates.ok()) return candidates.error();
    if (candidates->empty()) return {};  // almost every batch: nothing to write
    std::vector<core::OpenedIncident> subset;
    subset.reserve(candidates->size());
    for (size_t i : *candidates) subset.push_back(opened[i]);
    ProblemWriter tx(conn);
    std::vector<core::AuditEntry> entries;
    auto done = check(tx, subset, entries);
    if (!done.ok()) return done.error();
    links = std::move(*done);
    return w.audit.append_in_transaction(conn, entries);
  });
  if (!st.ok()) return st.error();
  return links;
}

core::Result<core::ProblemResult> edit_problem(Writer& w, std::string_view id,
                                               const ProblemEdit& edit) {
  Connection& conn = w.conn;
  core::ProblemResult result = problem_not_found(id);
  const auto seq = core::parse_problem_id(id);
  if (!seq) return result;
  auto edited = run_transaction(conn, "BEGIN", [&]() -> core::Status {
    ProblemWriter tx(conn);
    auto stored = tx.read_for_update(*seq);
    if (!stored.ok()) return stored.error();
    if (!*stored) return core::Error{std::string(kEditRefused), ""};  // `result` says why
    std::vector<core::AuditEntry> entries;
    core::Problem problem = std::move(**stored);
    result = edit(problem, entries);
    if (core::refused(result.verdict)) return core::Error{std::string(kEditRefused), ""};
    if (auto st = tx.update(problem); !st.ok()) return st;
    result.problem = std::move(problem);
    return w.audit.append_in_transaction(conn, entries);
  });
  if (!edited.ok() && edited.error().reason != kEditRefused) return edited.error();
  return result;
}

core::Result<ProblemPage> list_problems(Reader& r, const ProblemFilter& filter) {
  Connection& conn = r.conn;
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  Params params;
  params.view(filter.tenant);
  std::string sql = "SELECT " + schema::problem_select() + " FROM problems WHERE tenant = $1";
  auto next = [&] { return "$" + std::to_string(params.size() + 1); };
  if (filter.status) {
    sql += " AND status = " + next();
    params.text(core::to_string(*filter.status));
  }
  if (filter.before_seq) {
    sql += " AND seq < " + next();
    params.int64(*filter.before_seq);
  }
  sql += " ORDER BY seq DESC LIMIT " + next();
  params.int64(static_cast<int64_t>(limit + 1));  // one more: is there another page?
  auto rows = conn.query(sql, params, "list problems");
  if (!rows.ok()) return rows.error();
  ProblemPage page;
  for (int i = 0; i < rows->size(); ++i) {
    RowFields row(*rows, i);
    auto p = read_problem(row);
    if (!p.ok()) return p.error();
    page.problems.push_back(std::move(*p));
  }
  if (page.problems.size() > limit) {
    page.problems.pop_back();
    page.next_cursor = page.problems.back().seq;
  }
  return page;
}

core::Result<std::optional<ProblemDetail>> get_problem(Reader& r, int64_t seq) {
  Connection& conn = r.conn;
  ReadSnapshot snapshot(r);  // the problem and its links from one commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  Params params;
  params.int64(seq);
  auto problem_rows = conn.query(sql().by_seq, params, "read problem");
  if (!problem_rows.ok()) return problem_rows.error();
  if (problem_rows->size() == 0) return std::optional<ProblemDetail>();
  ProblemDetail detail;
  RowFields problem_row(*problem_rows, 0);
  auto p = read_problem(problem_row);
  if (!p.ok()) return p.error();
  detail.problem = std::move(*p);

  params.int64(static_cast<int64_t>(kMaxProblemIncidents));
  auto rows = conn.query(sql().links, params, "read problem incidents");
  if (!rows.ok()) return rows.error();
  detail.incidents.reserve(static_cast<size_t>(rows->size()));
  for (int i = rows->size() - 1; i >= 0; --i) {  // oldest first
    ProblemIncident pi;
    pi.id = core::incident_id(rows->int64(i, 0));
    pi.linked_at = rows->time(i, 1);
    if (!rows->is_null(i, 2)) {
      RowFields row(*rows, i, 2);
      auto inc = read_incident(row);
      if (!inc.ok()) return inc.error();
      pi.incident = std::move(*inc);
    }
    detail.incidents.push_back(std::move(pi));
  }
  return std::optional<ProblemDetail>(std::move(detail));
}

}  // namespace alertd::sinks::postgres
