#include "sinks/store/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace alertd::sinks::sqlite {

namespace {

core::Error make_error(sqlite3* db, std::string_view path, std::string_view what, int rc) {
  std::string message = "sqlite store '";
  message += path;
  message += "': ";
  message += what;
  message += ": ";
  // errmsg describes the most recent failure on this connection; errstr is
  // the generic text for the code when there is no connection.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (code ";
  message += std::to_string(rc);
  message += ')';
  return core::Error{std::string(reason_for(rc)), std::move(message)};
}

}  // namespace

core::Error Connection::no_row(std::string_view what) const {
  return core::Error{"store_error", "sqlite store '" + path_ + "': " + std::string(what) +
                                        ": the query returned no row"};
}

std::string_view reason_for(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return "store_busy";
    case SQLITE_CONSTRAINT: return "store_constraint";
    case SQLITE_TOOBIG: return "store_limit";  // a string or row over SQLITE_MAX_LENGTH
    default: return "store_error";
  }
}

// --- Connection ---

core::Result<Connection> Connection::open(const std::string& path, Mode mode, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |=
      mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  Connection conn;
  conn.path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &conn.db_, flags, nullptr);
  if (rc != SQLITE_OK) return conn.error("open", rc);
  sqlite3_extended_result_codes(conn.db_, 1);
  rc = sqlite3_busy_timeout(conn.db_, busy_timeout_ms);
  if (rc != SQLITE_OK) return conn.error("set busy timeout", rc);
  return conn;
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Connection::~Connection() {
  close();
}

void Connection::close() {
  // close_v2 defers the close until the last statement is finalized, so
  // destruction order between a connection and its statements cannot leak.
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

core::Status Connection::exec(std::string_view sql, std::string_view what) {
  std::string text(sql);  // sqlite3_exec needs a terminated string
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(what, rc);
  return {};
}

core::Result<int64_t> Connection::query_int(std::string_view sql, std::string_view what) {
  auto stmt = Statement::prepare(*this, sql);
  if (!stmt.ok()) return stmt.error();
  int rc = stmt->step();
  if (rc == SQLITE_DONE) return no_row(what);
  if (rc != SQLITE_ROW) return error(what, rc);
  return stmt->column_int(0);
}

core::Result<std::string> Connection::query_text(std::string_view sql, std::string_view what) {
  auto stmt = Statement::prepare(*this, sql);
  if (!stmt.ok()) return stmt.error();
  int rc = stmt->step();
  if (rc == SQLITE_DONE) return no_row(what);
  if (rc != SQLITE_ROW) return error(what, rc);
  return std::string(stmt->column_text(0));
}

bool Connection::in_transaction() const {
  return db_ != nullptr && sqlite3_get_autocommit(db_) == 0;
}

core::Error Connection::error(std::string_view what, int rc) const {
  return make_error(db_, path_, what, rc);
}

// --- Statement ---

core::Result<Statement> Statement::prepare(Connection& db, std::string_view sql) {
  Statement stmt;
  int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt.stmt_, nullptr);
  if (rc != SQLITE_OK) {
    std::string what = "prepare `";
    what += sql.substr(0, 80);
    what += '`';
    return db.error(what, rc);
  }
  return stmt;
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    finalize();
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  finalize();
}

void Statement::finalize() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
  stmt_ = nullptr;
}

void Statement::bind_int(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void Statement::bind_text(int index, std::string_view value) {
  // A non-null pointer even for empty text: a null pointer would bind NULL.
  sqlite3_bind_text64(stmt_, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC,
                      SQLITE_UTF8);
}

void Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
}

void Statement::bind_time(int index, core::TimePoint t) {
  if (t == core::kNoTime) {
    bind_null(index);
  } else {
    bind_int(index, core::to_unix_millis(t));
  }
}

int Statement::step() {
  return sqlite3_step(stmt_);
}

core::Status Statement::run(std::string_view what) {
  ResetGuard guard(*this);
  int rc = step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return error(what, rc);
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

int64_t Statement::column_int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

std::string_view Statement::column_text(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  // column_bytes after column_text: the byte count of the UTF-8 form.
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

core::TimePoint Statement::column_time(int col) const {
  if (is_null(col)) return core::kNoTime;
  return core::from_unix_millis(column_int(col));
}

core::Error Statement::error(std::string_view what, int rc) const {
  sqlite3* db = sqlite3_db_handle(stmt_);
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  return make_error(db, file != nullptr ? file : "", what, rc);
}

core::Status step_rows(Statement& stmt, std::string_view what,
                       const std::function<core::Status(const Statement& row)>& read) {
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    if (auto st = read(stmt); !st.ok()) return st;
  }
  if (rc != SQLITE_DONE) return stmt.error(what, rc);
  return {};
}

core::Result<Statement*> StatementCache::get(Connection& db, const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto stmt = Statement::prepare(db, sql);
    if (!stmt.ok()) return stmt.error();
    it = statements_.emplace(sql, std::move(*stmt)).first;
  }
  return &it->second;
}

}  // namespace alertd::sinks::sqlite
