#include "sinks/store/postgres/silences.h"

#include <simdjson.h>

#include <algorithm>
#include <limits>
#include <span>

#include "sinks/store/label_json.h"
#include "sinks/store/postgres/rows.h"
#include "sinks/store/silence_store.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks::postgres {

namespace {

constexpr size_t kMaxSilencePage = 1000;

struct Statements {
  Statements() {
    const std::string& cols = schema::silence_select();
    by_seq = "SELECT " + cols + " FROM silences WHERE seq = $1";
    // Locked: the row the entry's "from" describes is the row the update changes.
    by_seq_for_update = by_seq + " FOR UPDATE";
    // One statement, so the answer is the row as written: the updated row,
    // or (already ended) the row unchanged. LEAST(starts_at, now): a pending
    // silence expired before it began reads as expired, not pending.
    expire =
        "WITH ended AS (UPDATE silences SET starts_at = LEAST(starts_at, $2), "
        "ends_at = $2, updated_at = $2 WHERE seq = $1 AND ends_at > $2 RETURNING " +
        cols + ") SELECT " + cols + " FROM ended UNION ALL SELECT " + cols +
        " FROM silences WHERE seq = $1 AND NOT EXISTS (SELECT 1 FROM ended)";
    // $1 tenant, $2 before seq, $3 the limit, $4 now (in the shapes with a state).
    const std::string page = "SELECT " + cols + " FROM silences WHERE tenant = $1 AND seq < $2";
    const std::string newest_first = " ORDER BY seq DESC LIMIT $3";
    list_any = page + newest_first;
    list_active = page + " AND starts_at <= $4 AND ends_at > $4" + newest_first;
    list_pending = page + " AND starts_at > $4 AND ends_at > $4" + newest_first;
    list_expired = page + " AND ends_at <= $4" + newest_first;
    unended = "SELECT " + cols + " FROM silences WHERE ends_at > $1 ORDER BY seq";
    unended_count = "SELECT COUNT(*) FROM silences WHERE ends_at > $1";
  }
  const std::string& list(std::optional<core::SilenceState> state) const {
    if (!state) return list_any;
    switch (*state) {
      case core::SilenceState::active: return list_active;
      case core::SilenceState::pending: return list_pending;
      case core::SilenceState::expired: return list_expired;
    }
    return list_any;
  }
  std::string by_seq, by_seq_for_update, expire, list_any, list_active, list_pending, list_expired;
  std::string unended, unended_count;
};

const Statements& sql() {
  static const Statements statements;
  return statements;
}

// Both writes lock the audit head first, in the round trip of BEGIN, as
// apply() and purge_closed() do, and only then the silence row. No deadlock
// with another daemon's writes: the only transactions that lock silence rows
// are these, which hold the head by then, so none waits for the head while
// holding a row someone else waits for (edit_problem and link_recurring,
// which lock the head last, never touch silences).
const std::string& begin_sql() {
  static const std::string sql(kBeginLockingAuditHeadSql);
  return sql;
}

core::Result<std::vector<core::Silence>> read_silences(const Rows& rows,
                                                       simdjson::dom::parser& parser) {
  std::vector<core::Silence> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    RowFields row(rows, i, 0, &parser);
    auto silence = read_silence(row);
    if (!silence.ok()) return silence.error();
    out.push_back(std::move(*silence));
  }
  return out;
}

core::Result<std::optional<core::Silence>> read_one_silence(const Rows& rows,
                                                            simdjson::dom::parser& parser) {
  auto all = read_silences(rows, parser);
  if (!all.ok()) return all.error();
  if (all->empty()) return std::optional<core::Silence>();
  return std::optional<core::Silence>(std::move(all->front()));
}

}  // namespace

core::Result<core::Silence> create_silence(Writer& w, core::Silence s) {
  Connection& conn = w.conn;
  Params params;
  bind_silence(params, s);
  // The seq comes from the INSERT, so the entry is built between it and the
  // append. (A rolled-back INSERT still uses up its seq: ids may skip.)
  auto st = run_transaction(conn, begin_sql(), [&]() -> core::Status {
    auto rows = conn.query(insert_silence_sql(), params, "create silence");
    if (!rows.ok()) return rows.error();
    s.id = silence_id(rows->int64(0, 0));
    const core::AuditEntry entry = silence_audit_entry(s);
    return w.audit.append_in_transaction(conn, {&entry, 1});
  });
  if (!st.ok()) return st.error();
  return s;
}

core::Result<std::optional<core::Silence>> expire_silence(Writer& w, int64_t seq,
                                                          core::TimePoint now,
                                                          std::string_view actor) {
  Connection& conn = w.conn;
  simdjson::dom::parser& parser = w.parser;
  std::optional<core::Silence> result;
  auto st = run_transaction(conn, begin_sql(), [&]() -> core::Status {
    Params params;
    params.int64(seq);
    auto before_rows = conn.query(sql().by_seq_for_update, params, "read silence");
    if (!before_rows.ok()) return before_rows.error();
    auto before = read_one_silence(*before_rows, parser);
    if (!before.ok()) return before.error();
    if (!*before) return {};
    params.time(to_stored(now));
    auto rows = conn.query(sql().expire, params, "expire silence");
    if (!rows.ok()) return rows.error();
    auto after = read_one_silence(*rows, parser);
    if (!after.ok()) return after.error();
    result = std::move(*after);
    if (!result) return {};  // rows are never deleted (a trigger refuses it)
    auto entry = silence_expire_audit_entry(**before, *result, actor, now);
    return entry ? w.audit.append_in_transaction(conn, {&*entry, 1}) : core::Status();
  });
  if (!st.ok()) return st.error();
  return result;
}

core::Result<SilencePage> list_silences(Reader& r, const SilenceFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxSilencePage);
  Params params;
  params.view(filter.tenant);
  params.int64(filter.before_seq.value_or(std::numeric_limits<int64_t>::max()));
  // One row more than asked tells whether another page exists.
  params.int64(static_cast<int64_t>(limit + 1));
  if (filter.state) params.time(to_stored(filter.now));
  auto rows = r.conn.query(sql().list(filter.state), params, "list silences");
  if (!rows.ok()) return rows.error();
  auto silences = read_silences(*rows, r.parser);
  if (!silences.ok()) return silences.error();
  SilencePage page{std::move(*silences), std::nullopt};
  if (page.silences.size() > limit) {
    page.silences.pop_back();
    page.next_cursor = parse_silence_id(page.silences.back().id);
  }
  return page;
}

core::Result<std::optional<core::Silence>> get_silence(Reader& r, int64_t seq) {
  Connection& conn = r.conn;
  simdjson::dom::parser& parser = r.parser;
  Params params;
  params.int64(seq);
  auto rows = conn.query(sql().by_seq, params, "read silence");
  if (!rows.ok()) return rows.error();
  return read_one_silence(*rows, parser);
}

core::Result<std::vector<core::Silence>> load_silences(Reader& r, core::TimePoint now) {
  Connection& conn = r.conn;
  simdjson::dom::parser& parser = r.parser;
  Params params;
  params.time(to_stored(now));
  auto rows = conn.query(sql().unended, params, "load silences");
  if (!rows.ok()) return rows.error();
  return read_silences(*rows, parser);
}

core::Result<int64_t> count_unended_silences(Reader& r, core::TimePoint now) {
  Params params;
  params.time(to_stored(now));
  auto rows = r.conn.query(sql().unended_count, params, "count silences");
  if (!rows.ok()) return rows.error();
  return rows->int64(0, 0);
}

}  // namespace alertd::sinks::postgres
