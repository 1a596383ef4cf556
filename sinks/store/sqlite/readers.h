#pragma once
// The SQLite store's read-only connections for the read calls.
//
// WAL lets any number of readers run beside the one writer, each on its own
// snapshot; a SQLite connection, though, is used by one thread at a time. So
// each read call leases a whole connection (with its prepared statements and
// JSON parser) from the shared LeasePool and gives it back when done.

#include <simdjson.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "sinks/store/lease_pool.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

/// Which optional filters a list query has: one prepared statement per shape.
enum ListShape : unsigned {
  kListByStatus = 1,
  kListByService = 2,
  kListByPriority = 4,
  kListBefore = 8,
};
inline constexpr size_t kListShapes = 16;

struct Reader {
  Connection db;
  Statement begin;  // BEGIN: one snapshot across the statements of a call
  Statement end;    // ROLLBACK: a read transaction has nothing to keep
  Statement incident_by_id;
  Statement members_of;
  Statement timeline;
  Statement audit_head;     // the recorded head of the audit chain
  Statement audit_chain;    // the audit entries after seq ?1 in seq order, for verify_audit
  Statement audit_hash_at;  // the hash of audit entry ?1
  Statement opened_since;   // tenant ?1, opened_at >= ?2, oldest first, LIMIT ?3
  Statement active_incidents;
  Statement active_members;
  Statement max_seq;
  Statement journal_marks;       // journal_pos > ?1 (schema::journal_marks_sql)
  Statement silences_of_tenant;  // newest first
  Statement silence_by_seq;
  Statement silences_unended;               // ends_at > ?1, oldest first
  std::array<Statement, kListShapes> list;  // prepared on first use
  StatementCache cache;                     // the rare reads (problems)
  simdjson::dom::parser parser;

  /// The list statement for a shape (a bit set of ListShape).
  core::Result<Statement*> list_statement(unsigned shape);
};

/// The store's read connections, each leased by one read call at a time.
using ReadPool = LeasePool<Reader>;

/// Opens `connections` (at least one) read-only connections with their statements.
core::Result<std::unique_ptr<ReadPool>> open_readers(const std::string& path, size_t connections,
                                                     int busy_timeout_ms);

/// Opens a read transaction on construction and ends it on destruction, so
/// the statements of one call see one consistent snapshot.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Reader& conn) : conn_(conn) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot();
  core::Status begin();

 private:
  Reader& conn_;
  bool open_ = false;
};

}  // namespace alertd::sinks::sqlite
