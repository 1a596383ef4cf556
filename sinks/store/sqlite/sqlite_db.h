#pragma once
// A thin RAII layer over the SQLite C API: a Connection owns a sqlite3*, a
// Statement owns a prepared sqlite3_stmt*. Errors come back as core::Error
// values that name the database path, what was being done and SQLite's own
// message, so an operator can act on them without a debugger.
//
// Threads: neither type is thread-safe. Connections are opened with
// SQLITE_OPEN_NOMUTEX; the store guarantees one thread per connection at a time.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "core/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace alertd::sinks::sqlite {

/// Maps a SQLite result code to the short stable reason token of core::Error:
/// store_busy (locked; worth a retry), store_constraint (the data itself is
/// refused; a retry fails the same way), store_error (anything else).
std::string_view reason_for(int sqlite_code);

class Connection {
 public:
  enum class Mode { read_write_create, read_only };

  /// Opens `path` and sets the busy timeout. Does not create parent folders.
  static core::Result<Connection> open(const std::string& path, Mode mode, int busy_timeout_ms);

  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  /// Runs one or more SQL statements that return no rows of interest.
  core::Status exec(std::string_view sql, std::string_view what);
  /// Runs a query whose first column of the first row is an integer (PRAGMAs, counts).
  core::Result<int64_t> query_int(std::string_view sql, std::string_view what);
  /// Runs a query whose first column of the first row is text.
  core::Result<std::string> query_text(std::string_view sql, std::string_view what);

  /// True while a transaction is open on this connection.
  bool in_transaction() const;

  /// An error for a failed call that returned `rc`, with SQLite's message.
  core::Error error(std::string_view what, int rc) const;

 private:
  void close();
  core::Error no_row(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::string path_;
};

/// A prepared statement, reset after every use so it can be reused.
class Statement {
 public:
  /// Prepares with SQLITE_PREPARE_PERSISTENT: these statements live as long
  /// as the connection and are stepped many times.
  static core::Result<Statement> prepare(Connection& db, std::string_view sql);

  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool valid() const { return stmt_ != nullptr; }

  // Parameter indexes start at 1 (SQLite convention). Text is bound without a
  // copy (SQLITE_STATIC): the caller keeps it alive until reset().
  void bind_int(int index, int64_t value);
  void bind_text(int index, std::string_view value);
  void bind_null(int index);
  /// Unix milliseconds, or NULL for kNoTime.
  void bind_time(int index, core::TimePoint t);

  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  /// Steps a statement that returns no rows; the error names `what`.
  core::Status run(std::string_view what);
  /// Resets and clears the bindings (releasing the SQLITE_STATIC text).
  void reset();

  // Column indexes start at 0.
  bool is_null(int col) const;
  int64_t column_int(int col) const;
  std::string_view column_text(int col) const;
  /// NULL reads as kNoTime.
  core::TimePoint column_time(int col) const;

  /// An error for a failed step that returned `rc`, naming the database file.
  core::Error error(std::string_view what, int rc) const;

 private:
  void finalize();

  sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when the scope ends, on every path.
class ResetGuard {
 public:
  explicit ResetGuard(Statement& stmt) : stmt_(stmt) {}
  ~ResetGuard() { stmt_.reset(); }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  Statement& stmt_;
};

/// Steps `stmt` to its end, handing each row to `read`; the first error
/// (of `read`, or of a step, named `what`) stops it. Does not reset `stmt`.
core::Status step_rows(Statement& stmt, std::string_view what,
                       const std::function<core::Status(const Statement& row)>& read);

/// Statements prepared on first use and kept as long as the cache, for calls
/// too rare to prepare up front. The connection is passed on each call (the
/// owner of both may move). Not thread-safe, like the connection.
class StatementCache {
 public:
  /// The statement for `sql` on `db`, reset and ready to bind.
  core::Result<Statement*> get(Connection& db, const std::string& sql);

 private:
  std::unordered_map<std::string, Statement> statements_;  // nodes: pointers stay valid
};

}  // namespace alertd::sinks::sqlite
