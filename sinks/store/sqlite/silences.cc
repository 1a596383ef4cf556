#include "sinks/store/sqlite/silences.h"

#include <simdjson.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>

#include "sinks/store/silence_store.h"
#include "sinks/store/sqlite/rows.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks::sqlite {

namespace {

constexpr size_t kMaxSilencePage = 1000;

/// Steps a silence query (SELECT schema::silence_select() ...) to the end.
core::Result<std::vector<core::Silence>> read_silences(Statement& stmt,
                                                       simdjson::dom::parser& parser,
                                                       std::string_view what) {
  std::vector<core::Silence> out;
  auto st = step_rows(stmt, what, [&](const Statement& row) -> core::Status {
    auto silence = read_silence(row, 0, parser);
    if (!silence.ok()) return silence.error();
    out.push_back(std::move(*silence));
    return {};
  });
  if (!st.ok()) return st.error();
  return out;
}

/// The one row of a by-seq query, or nullopt.
core::Result<std::optional<core::Silence>> read_one_silence(Statement& stmt,
                                                            simdjson::dom::parser& parser) {
  auto rows = read_silences(stmt, parser, "read silence");
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<core::Silence>();
  return std::optional<core::Silence>(std::move(rows->front()));
}

/// Silence `seq` as stored now, on the writer (inside its transaction).
core::Result<std::optional<core::Silence>> read_on_writer(Writer& w, int64_t seq) {
  auto stmt =
      w.cache.get(w.db, "SELECT " + schema::silence_select() + " FROM silences WHERE seq = ?1");
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  (*stmt)->bind_int(1, seq);
  return read_one_silence(**stmt, w.parser);
}

}  // namespace

core::Result<core::Silence> create_silence(Writer& w, core::Silence s) {
  auto written = in_write_transaction(w, [&]() -> core::Status {
    auto stmt = w.cache.get(w.db, insert_silence_sql());
    if (!stmt.ok()) return stmt.error();
    ResetGuard guard(**stmt);
    bind_silence(w.binder, **stmt, s);
    if (auto st = (*stmt)->run("create silence"); !st.ok()) return st;
    // The caller holds the writer's mutex: the rowid is this statement's.
    s.id = silence_id(sqlite3_last_insert_rowid(w.db.get()));
    return w.audit.append(silence_audit_entry(s));
  });
  if (!written.ok()) return written.error();
  return s;
}

core::Result<std::optional<core::Silence>> expire_silence(Writer& w, int64_t seq,
                                                          core::TimePoint now,
                                                          std::string_view actor) {
  std::optional<core::Silence> result;
  // Read, update and read back in one transaction: the entry's "from" is
  // the row this update changed, and the answer is the row as written.
  auto written = in_write_transaction(w, [&]() -> core::Status {
    auto before = read_on_writer(w, seq);
    if (!before.ok()) return before.error();
    if (!*before) return {};
    auto stmt = w.cache.get(w.db, std::string(kExpireSilenceSql));
    if (!stmt.ok()) return stmt.error();
    {
      ResetGuard guard(**stmt);
      (*stmt)->bind_int(1, seq);
      (*stmt)->bind_time(2, to_stored(now));
      if (auto st = (*stmt)->run("expire silence"); !st.ok()) return st;
    }
    auto after = read_on_writer(w, seq);
    if (!after.ok()) return after.error();
    result = std::move(*after);
    if (!result) return {};  // rows are never deleted (a trigger refuses it)
    auto entry = silence_expire_audit_entry(**before, *result, actor, now);
    return entry ? w.audit.append(*entry) : core::Status();
  });
  if (!written.ok()) return written.error();
  return result;
}

core::Result<SilencePage> list_silences(Reader& r, const SilenceFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxSilencePage);
  unsigned shape = kSilencesAny;
  if (filter.state) {
    switch (*filter.state) {
      case core::SilenceState::active: shape = kSilencesActive; break;
      case core::SilenceState::pending: shape = kSilencesPending; break;
      case core::SilenceState::expired: shape = kSilencesExpired; break;
    }
  }
  Statement& stmt = r.silence_list.at(shape);
  ResetGuard guard(stmt);
  stmt.bind_text(1, filter.tenant);
  stmt.bind_int(2, filter.before_seq.value_or(std::numeric_limits<int64_t>::max()));
  if (shape != kSilencesAny) stmt.bind_time(3, to_stored(filter.now));
  // One row more than asked tells whether another page exists.
  stmt.bind_int(4, static_cast<int64_t>(limit + 1));
  auto rows = read_silences(stmt, r.parser, "list silences");
  if (!rows.ok()) return rows.error();
  SilencePage page{std::move(*rows), std::nullopt};
  if (page.silences.size() > limit) {
    page.silences.pop_back();
    page.next_cursor = parse_silence_id(page.silences.back().id);
  }
  return page;
}

core::Result<std::optional<core::Silence>> get_silence(Reader& r, int64_t seq) {
  Statement& stmt = r.silence_by_seq;
  ResetGuard guard(stmt);
  stmt.bind_int(1, seq);
  return read_one_silence(stmt, r.parser);
}

core::Result<std::vector<core::Silence>> load_silences(Reader& r, core::TimePoint now) {
  Statement& stmt = r.silences_unended;
  ResetGuard guard(stmt);
  stmt.bind_time(1, to_stored(now));
  return read_silences(stmt, r.parser, "load silences");
}

core::Result<int64_t> count_unended_silences(Reader& r, core::TimePoint now) {
  Statement& stmt = r.silences_unended_count;
  ResetGuard guard(stmt);
  stmt.bind_time(1, to_stored(now));
  const int rc = stmt.step();
  if (rc != SQLITE_ROW) return stmt.error("count silences", rc);
  return stmt.column_int(0);
}

}  // namespace alertd::sinks::sqlite
