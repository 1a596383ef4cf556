#include "sinks/store/postgres/pg_conn.h"

#include <charconv>
#include <cstring>

namespace alertd::sinks::postgres {

namespace {

// Defaults for what the conninfo leaves unset: a call on an unreachable or
// silently dead server fails within seconds instead of hanging, so the sink
// thread retries and /-/ready reports the outage. Keepalives detect a peer
// that vanished without closing the connection.
constexpr const char* kDefaultKeys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval",
                                        "keepalives_count", "fallback_application_name"};
constexpr const char* kDefaultValues[] = {"5", "30", "10", "3", "alertd"};

std::string trimmed(const char* text) {
  std::string s = text == nullptr ? "" : text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string_view reason_for(const char* sqlstate, bool link_down) {
  if (link_down || sqlstate == nullptr) return "store_unavailable";
  std::string_view state(sqlstate);
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return "store_unavailable";  // connection exception, server shutting down or starting
  }
  if (state.starts_with("23")) return "store_constraint";
  if (state.starts_with("22")) return "store_invalid_input";
  // Program limit exceeded: above all 54000, an index row over the btree
  // limit. The same row fails the same way on every retry.
  if (state.starts_with("54")) return "store_limit";
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
    return "store_busy";
  }
  return "store_error";
}

void ignore_notice(void*, const char*) {}  // "relation already exists, skipping" and such

}  // namespace

core::Result<Target> parse_target(const std::string& conninfo) {
  if (conninfo.empty()) return core::Error{"store_open", "postgres store: the conninfo is empty"};
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  if (options == nullptr) {
    if (err != nullptr) PQfreemem(err);
    // libpq's message quotes part of the text, which may be a password.
    return core::Error{"store_open",
                       "postgres store: the conninfo cannot be parsed (expected "
                       "\"key=value ...\" or a postgresql:// URI; its text is not shown)"};
  }
  std::string host, port, dbname, user;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key(o->keyword);
    if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "user") user = o->val;
  }
  PQconninfoFree(options);
  std::string name = "postgres store '";
  if (!user.empty()) name += user + "@";
  name += host.empty() ? "localhost" : host;
  if (!port.empty()) name += ":" + port;
  if (!dbname.empty()) name += "/" + dbname;
  name += "'";
  return Target{conninfo, std::move(name)};
}

// --- Params ---

std::string& Params::next_slot() {
  if (owned_used_ == owned_.size()) owned_.push_back(std::make_unique<std::string>());
  std::string& slot = *owned_[owned_used_++];
  slot.clear();
  return slot;
}

Params& Params::text(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) has_nul_ = true;
  std::string& slot = next_slot();
  slot.assign(value);
  values_.push_back(slot.c_str());
  return *this;
}

Params& Params::view(const std::string& value) {
  if (value.find('\0') != std::string::npos) has_nul_ = true;
  values_.push_back(value.c_str());
  return *this;
}

Params& Params::int64(int64_t value) {
  std::string& slot = next_slot();
  slot = std::to_string(value);
  values_.push_back(slot.c_str());
  return *this;
}

Params& Params::time(core::TimePoint t) {
  return t == core::kNoTime ? null() : int64(core::to_unix_millis(t));
}

Params& Params::boolean(bool value) {
  values_.push_back(value ? "t" : "f");
  return *this;
}

Params& Params::null() {
  values_.push_back(nullptr);
  return *this;
}

void Params::clear() {
  owned_used_ = 0;
  values_.clear();
  has_nul_ = false;
}

// --- ColumnArrays ---

void ColumnArrays::clear() {
  for (auto& a : arrays_) a.assign(1, '{');
  column_ = 0;
  rows_ = 0;
}

std::string& ColumnArrays::next_column() {
  std::string& a = arrays_[column_++];
  if (rows_ > 0) a += ',';
  return a;
}

void ColumnArrays::unquoted(std::string_view value) {
  next_column() += value;
}

ColumnArrays& ColumnArrays::text(std::string_view value) {
  std::string& a = next_column();
  a += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') a += '\\';
    a += c;
  }
  a += '"';
  return *this;
}

ColumnArrays& ColumnArrays::int64(int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  unquoted(std::string_view(buf, static_cast<size_t>(end - buf)));
  return *this;
}

ColumnArrays& ColumnArrays::time(core::TimePoint t) {
  if (t == core::kNoTime) {
    unquoted("NULL");
    return *this;
  }
  return int64(core::to_unix_millis(t));
}

ColumnArrays& ColumnArrays::boolean(bool value) {
  unquoted(value ? "t" : "f");
  return *this;
}

void ColumnArrays::end_row() {
  // A row short of or beyond the column list is a bug in a row writer.
  if (column_ != arrays_.size()) std::abort();
  column_ = 0;
  ++rows_;
}

void ColumnArrays::add_to(Params& params) {
  for (auto& a : arrays_) {
    a += '}';
    params.view(a);  // a NUL byte in a value makes the call refused (Params::has_nul)
  }
}

// --- Rows ---

std::string_view Rows::text(int row, int col) const {
  return std::string_view(PQgetvalue(result_.get(), row, col),
                          static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Rows::int64(int row, int col) const {
  auto t = text(row, col);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

core::TimePoint Rows::time(int row, int col) const {
  return is_null(row, col) ? core::kNoTime : core::from_unix_millis(int64(row, col));
}

bool Rows::boolean(int row, int col) const {
  return text(row, col) == "t";
}

// --- Connection ---

Connection::Connection(std::shared_ptr<const Target> target, Setup setup)
    : target_(std::move(target)), setup_(std::move(setup)) {}

Connection::~Connection() {
  close();
}

void Connection::close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

core::Status Connection::ensure() {
  if (conn_ != nullptr) return {};
  std::vector<const char*> keys(std::begin(kDefaultKeys), std::end(kDefaultKeys));
  std::vector<const char*> values(std::begin(kDefaultValues), std::end(kDefaultValues));
  // "dbname" with expand_dbname holds the whole conninfo: its settings
  // override the defaults before it; client_encoding after it is forced
  // (the store writes and reads UTF-8).
  keys.insert(keys.end(), {"dbname", "client_encoding", nullptr});
  values.insert(values.end(), {target_->conninfo.c_str(), "UTF8", nullptr});
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
  if (conn == nullptr) {
    return core::Error{"store_unavailable", target_->name + ": cannot connect: out of memory"};
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return core::Error{"store_unavailable", target_->name + ": cannot connect: " + message};
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  conn_ = conn;
  if (setup_) {
    if (auto st = setup_(*this); !st.ok()) {
      close();
      return st;
    }
  }
  return {};
}

core::Result<Rows> Connection::finish(PGresult* result, std::string_view what) {
  const auto status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  const bool link_down = PQstatus(conn_) == CONNECTION_BAD;
  std::string message;
  const char* sqlstate = nullptr;
  if (result != nullptr) {
    sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    message = trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
    const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    if (detail != nullptr) message += " (" + trimmed(detail) + ")";
  }
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  core::Error error{std::string(reason_for(sqlstate, link_down)),
                    target_->name + ": " + std::string(what) + ": " + message};
  if (result != nullptr) PQclear(result);
  if (link_down) close();
  return error;
}

core::Result<Rows> Connection::exec(const std::string& sql, std::string_view what) {
  if (auto st = ensure(); !st.ok()) return st.error();
  return finish(PQexec(conn_, sql.c_str()), what);
}

core::Result<Rows> Connection::query(const std::string& sql, const Params& params,
                                     std::string_view what) {
  if (params.has_nul()) {
    return core::Error{"store_invalid_input",
                       target_->name + ": " + std::string(what) +
                           ": text holds a NUL byte, which PostgreSQL cannot store"};
  }
  if (auto st = ensure(); !st.ok()) return st.error();
  return finish(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, params.values(), nullptr,
                             nullptr, 0),
                what);
}

bool Connection::in_transaction() const {
  if (conn_ == nullptr) return false;
  const auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void Connection::rollback() {
  if (!in_transaction()) return;
  PGresult* r = PQexec(conn_, "ROLLBACK");
  const bool ok = r != nullptr && PQresultStatus(r) == PGRES_COMMAND_OK;
  if (r != nullptr) PQclear(r);
  // A connection that cannot end its transaction is of no further use.
  if (!ok) close();
}

core::Status run_transaction(Connection& conn, const std::string& begin_sql,
                             const std::function<core::Status()>& body) {
  core::Status st;
  if (auto r = conn.exec(begin_sql, "begin write transaction"); !r.ok()) st = r.error();
  if (st.ok()) st = body();
  if (st.ok()) {
    if (auto r = conn.exec("COMMIT", "commit"); !r.ok()) st = r.error();
  }
  if (!st.ok()) conn.rollback();
  return st;
}

}  // namespace alertd::sinks::postgres
