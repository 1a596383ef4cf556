#pragma once
// Silences in the SQLite store: reading silence rows (writer and read
// connections), and the writer's steps of create_silence and expire_silence
// inside its open write transaction. Silence writes are rare, so their
// statements are prepared on first use (StatementCache).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::sqlite {

/// Steps a silence query (SELECT kSilenceColumns ...) to the end, collecting rows.
core::Result<std::vector<core::Silence>> read_silences(Statement& stmt,
                                                       simdjson::dom::parser& parser,
                                                       std::string_view what);
/// The one row of a by-seq query, or nullopt.
core::Result<std::optional<core::Silence>> read_one_silence(Statement& stmt,
                                                            simdjson::dom::parser& parser);

class SilenceWriter {
 public:
  SilenceWriter(Connection& db, StatementCache& cache, simdjson::dom::parser& parser)
      : db_(db), cache_(cache), parser_(parser) {}

  /// Inserts a checked silence (sinks::prepare_new_silence) and sets its id.
  core::Status insert(core::Silence& silence);
  /// Silence `seq` as stored now; nullopt when there is none.
  core::Result<std::optional<core::Silence>> read(int64_t seq);
  /// Ends silence `seq` at `now` (a stored time) unless it has already ended.
  core::Status expire(int64_t seq, core::TimePoint now);

 private:
  Connection& db_;
  StatementCache& cache_;
  simdjson::dom::parser& parser_;
};

}  // namespace alertd::sinks::sqlite
