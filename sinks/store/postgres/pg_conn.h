#pragma once
// RAII over libpq for the PostgreSQL store: a connection that (re)connects on
// demand, text parameters, whole-batch array parameters and results read by
// column.
//
// Every call returns an error instead of throwing. Errors carry a reason from
// the SQLSTATE: store_unavailable (the link is down: the connection is closed
// and the next ensure() reconnects), store_constraint (class 23),
// store_invalid_input (class 22: data PostgreSQL refuses, e.g. invalid UTF-8),
// store_busy (serialization failure, deadlock, lock or statement timeout),
// store_error (anything else). Messages name the server by Target::name,
// which never holds the password.

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace alertd::sinks::postgres {

/// Where a store connects.
struct Target {
  std::string conninfo;  // as configured: may hold a password, so never printed
  std::string name;      // "postgres store 'user@host:port/dbname'", for messages
};

/// Parses a libpq conninfo ("host=... dbname=..." or a postgresql:// URI).
/// The error never repeats the text (it may hold a password).
core::Result<Target> parse_target(const std::string& conninfo);

/// Parameters of one PQexecParams call, all sent as text. Values are copied
/// in, except view(), whose string must outlive the call.
class Params {
 public:
  Params& text(std::string_view value);
  Params& view(const std::string& value);
  Params& int64(int64_t value);
  Params& time(core::TimePoint t);  // unix milliseconds; NULL for kNoTime
  Params& boolean(bool value);
  Params& null();
  void clear();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  /// libpq sends text parameters as C strings: a NUL byte would cut a value
  /// short, and PostgreSQL text cannot hold one anyway.
  bool has_nul() const { return has_nul_; }

 private:
  std::string& next_slot();
  std::vector<std::unique_ptr<std::string>> owned_;  // stable addresses, reused
  size_t owned_used_ = 0;
  std::vector<const char*> values_;
  bool has_nul_ = false;
};

/// One array literal per column, filled row by row, for a statement that
/// writes a whole batch: `INSERT ... SELECT * FROM unnest($1::bigint[], ...)`.
/// One round trip per table whatever the batch size.
class ColumnArrays {
 public:
  explicit ColumnArrays(size_t columns) : arrays_(columns) { clear(); }
  void clear();
  ColumnArrays& text(std::string_view value);
  ColumnArrays& int64(int64_t value);
  ColumnArrays& time(core::TimePoint t);  // NULL for kNoTime
  ColumnArrays& boolean(bool value);
  /// Closes a row; every column must have had exactly one value.
  void end_row();
  size_t rows() const { return rows_; }
  size_t columns() const { return arrays_.size(); }
  /// Closes the arrays and adds them to `params` as views.
  void add_to(Params& params);

 private:
  std::string& next_column();
  void unquoted(std::string_view value);
  std::vector<std::string> arrays_;
  size_t column_ = 0;
  size_t rows_ = 0;
};

/// A successful result.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result) {}
  int size() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const;
  int64_t int64(int row, int col) const;
  core::TimePoint time(int row, int col) const;  // NULL is kNoTime
  bool boolean(int row, int col) const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

/// Reads one row's columns left to right, in the order a column list names them.
class RowReader {
 public:
  RowReader(const Rows& rows, int row, int first_col = 0)
      : rows_(rows), row_(row), col_(first_col) {}
  std::string text() { return std::string(rows_.text(row_, col_++)); }
  std::string_view text_view() { return rows_.text(row_, col_++); }
  int64_t int64() { return rows_.int64(row_, col_++); }
  core::TimePoint time() { return rows_.time(row_, col_++); }
  bool boolean() { return rows_.boolean(row_, col_++); }

 private:
  const Rows& rows_;
  int row_;
  int col_;
};

/// One libpq connection, connected lazily and again after it was lost.
/// Used by one thread at a time.
class Connection {
 public:
  /// Runs after every (re)connect, before the first statement: the schema
  /// check (migrations). A failure closes the connection again.
  using Setup = std::function<core::Status(Connection&)>;

  Connection(std::shared_ptr<const Target> target, Setup setup);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Connects (and runs the setup) unless already connected.
  core::Status ensure();
  bool connected() const { return conn_ != nullptr; }
  void close();

  /// A statement without parameters (simple protocol: may hold several,
  /// e.g. a migration). Connects first if needed.
  core::Result<Rows> exec(const std::string& sql, std::string_view what);
  /// One statement with parameters (PQexecParams). Connects first if needed.
  core::Result<Rows> query(const std::string& sql, const Params& params, std::string_view what);
  /// Ends an open or failed transaction, if the link is still up.
  void rollback();
  bool in_transaction() const;

  const Target& target() const { return *target_; }

 private:
  core::Result<Rows> finish(PGresult* result, std::string_view what);
  std::shared_ptr<const Target> target_;
  Setup setup_;
  PGconn* conn_ = nullptr;
};

/// Runs `body` between `begin_sql` and COMMIT on `conn`; rolls back when
/// `body` or the COMMIT fails and returns that error.
core::Status run_transaction(Connection& conn, const std::string& begin_sql,
                             const std::function<core::Status()>& body);

}  // namespace alertd::sinks::postgres
