#include "sinks/store/sqlite/silences.h"

#include <simdjson.h>
#include <sqlite3.h>

#include <string>

#include "sinks/store/incident_store.h"
#include "sinks/store/label_json.h"
#include "sinks/store/sqlite/rows.h"

namespace alertd::sinks::sqlite {

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

core::Result<std::optional<core::Silence>> read_one_silence(Statement& stmt,
                                                            simdjson::dom::parser& parser) {
  auto rows = read_silences(stmt, parser, "read silence");
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<core::Silence>();
  return std::optional<core::Silence>(std::move(rows->front()));
}

core::Status SilenceWriter::insert(core::Silence& silence) {
  auto stmt = cache_.get(db_, insert_silence_sql());
  if (!stmt.ok()) return stmt.error();
  StatementBinder binder;  // holds the matchers' JSON until the statement ran
  ResetGuard guard(**stmt);
  bind_silence(binder, **stmt, silence);
  if (auto st = (*stmt)->run("create silence"); !st.ok()) return st;
  // The caller holds the writer's mutex: the rowid is this statement's.
  silence.id = silence_id(sqlite3_last_insert_rowid(db_.get()));
  return {};
}

core::Result<std::optional<core::Silence>> SilenceWriter::read(int64_t seq) {
  auto stmt =
      cache_.get(db_, "SELECT " + schema::silence_select() + " FROM silences WHERE seq = ?1");
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  (*stmt)->bind_int(1, seq);
  return read_one_silence(**stmt, parser_);
}

core::Status SilenceWriter::expire(int64_t seq, core::TimePoint now) {
  auto stmt = cache_.get(db_, std::string(kExpireSilenceSql));
  if (!stmt.ok()) return stmt.error();
  ResetGuard guard(**stmt);
  (*stmt)->bind_int(1, seq);
  (*stmt)->bind_time(2, now);
  return (*stmt)->run("expire silence");
}

}  // namespace alertd::sinks::sqlite
