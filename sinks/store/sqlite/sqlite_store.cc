#include "sinks/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "sinks/store/sqlite/checkpointer.h"
#include "sinks/store/sqlite/migrations.h"
#include "sinks/store/sqlite/read_pool.h"
#include "sinks/store/sqlite/rows.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks {

namespace {

using sqlite::Connection;
using sqlite::ReadPool;
using sqlite::ReadSnapshot;
using sqlite::ResetGuard;
using sqlite::Statement;

constexpr size_t kMaxReadConnections = 64;
constexpr size_t kMaxListLimit = 1000;

core::Error open_error(const std::string& path, std::string what) {
  return core::Error{"store_open", "sqlite store '" + path + "': " + std::move(what)};
}

/// Adds which incident a failed write was about to the error message.
core::Status about(core::Status st, const core::Incident& incident) {
  if (st.ok()) return st;
  core::Error e = st.error();
  e.message += " (incident " + incident.id + ", seq " + std::to_string(incident.seq) + ")";
  return e;
}

/// The writer connection and the statements apply() reuses for every batch.
struct Writer {
  Connection db;
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement update_incident_unindexed;
  Statement upsert_incident;
  Statement upsert_member;
  Statement insert_audit;
  sqlite::MemberText text;  // reused buffers for the bound member text
  // Highest incident seq this writer wrote or found at open. Only a hint for
  // picking the statement (seqs above it are new incidents, which skip the
  // narrow UPDATE): a stale value after a rollback or another process's
  // writes only costs a statement, since the upsert is always correct.
  int64_t max_seq_hint = 0;
};

core::Status prepare_writer(Writer& w) {
  const std::pair<Statement*, std::string_view> statements[] = {
      {&w.begin, "BEGIN IMMEDIATE"},
      {&w.commit, "COMMIT"},
      {&w.rollback, "ROLLBACK"},
      {&w.update_incident_unindexed, sqlite::kUpdateIncidentUnindexedSql},
      {&w.upsert_incident, sqlite::kUpsertIncidentSql},
      {&w.upsert_member, sqlite::kUpsertMemberSql},
      {&w.insert_audit, sqlite::kInsertAuditSql},
  };
  for (const auto& [stmt, sql] : statements) {
    auto prepared = Statement::prepare(w.db, sql);
    if (!prepared.ok()) return prepared.error();
    *stmt = std::move(*prepared);
  }
  return {};
}

class SqliteIncidentStore final : public IncidentStore {
 public:
  SqliteIncidentStore(Writer writer, std::unique_ptr<ReadPool> readers,
                      std::unique_ptr<sqlite::Checkpointer> checkpointer)
      : writer_(std::move(writer)),
        readers_(std::move(readers)),
        checkpointer_(std::move(checkpointer)) {}

  core::Status apply(std::span<const core::IncidentUpdate> batch) override;
  core::Result<IncidentPage> list(const IncidentFilter& filter) override;
  core::Result<std::optional<IncidentDetail>> get(std::string_view id) override;
  core::Result<std::vector<core::AuditEntry>> timeline(std::string_view id) override;
  core::Result<core::ActiveState> load_active() override;

 private:
  core::Status write_update(const core::IncidentUpdate& update);
  core::Status write_incident(const core::Incident& incident);

  // Declared before readers_: the pool's connections close first, so the
  // writer's close is the last one and checkpoints the WAL into the file.
  std::mutex write_mu_;  // apply() has one caller by contract; this makes misuse safe
  Writer writer_;
  std::unique_ptr<ReadPool> readers_;
  // Declared last: it stops before any other connection closes.
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;
};

core::Status SqliteIncidentStore::apply(std::span<const core::IncidentUpdate> batch) {
  if (batch.empty()) return {};
  std::lock_guard lock(write_mu_);
  // IMMEDIATE takes the write lock now (waiting up to busy_timeout) instead
  // of failing half-way through the batch when another writer holds it.
  core::Status st = writer_.begin.run("begin write transaction");
  if (!st.ok()) return st;
  for (const auto& update : batch) {
    st = write_update(update);
    if (!st.ok()) break;
  }
  if (st.ok()) st = writer_.commit.run("commit");
  // Some errors (I/O, full disk) already rolled back; otherwise undo the
  // partial batch so a retry writes every row, audit entries included, once.
  if (!st.ok() && writer_.db.in_transaction()) (void)writer_.rollback.run("rollback");
  return st;
}

core::Status SqliteIncidentStore::write_update(const core::IncidentUpdate& update) {
  const core::Incident& incident = update.incident;
  if (incident.seq <= 0 || incident.id.empty()) {
    return core::Error{"store_invalid_input", "sqlite store: incident without seq or id (id '" +
                                                  incident.id + "', seq " +
                                                  std::to_string(incident.seq) + ")"};
  }
  if (auto st = write_incident(incident); !st.ok()) return about(st, incident);
  for (const auto& member : update.members) {
    ResetGuard guard(writer_.upsert_member);
    auto st = sqlite::bind_member(writer_.upsert_member, incident.seq, member, writer_.text);
    if (st.ok()) st = writer_.upsert_member.run("upsert member");
    if (!st.ok()) return about(st, incident);
  }
  for (const auto& entry : update.audit) {
    sqlite::bind_audit(writer_.insert_audit, entry);
    if (auto st = writer_.insert_audit.run("append audit entry"); !st.ok()) {
      return about(st, incident);
    }
  }
  return {};
}

core::Status SqliteIncidentStore::write_incident(const core::Incident& incident) {
  // Most updates of an existing incident move only counters and times: the
  // narrow UPDATE then leaves every index untouched. Anything else (a new
  // incident, a status, priority, service or tenant change) takes the upsert.
  if (incident.seq <= writer_.max_seq_hint) {
    sqlite::bind_incident(writer_.update_incident_unindexed, incident);
    if (auto st = writer_.update_incident_unindexed.run("upsert incident"); !st.ok()) return st;
    if (sqlite3_changes(writer_.db.get()) > 0) return {};
  } else {
    writer_.max_seq_hint = incident.seq;
  }
  sqlite::bind_incident(writer_.upsert_incident, incident);
  return writer_.upsert_incident.run("upsert incident");
}

core::Result<IncidentPage> SqliteIncidentStore::list(const IncidentFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  unsigned shape = 0;
  if (filter.status) shape |= sqlite::kListByStatus;
  if (filter.service) shape |= sqlite::kListByService;
  if (filter.priority) shape |= sqlite::kListByPriority;
  if (filter.before_seq) shape |= sqlite::kListBefore;

  auto lease = readers_->acquire();
  auto stmt_or = lease->list_statement(shape);
  if (!stmt_or.ok()) return stmt_or.error();
  Statement& stmt = **stmt_or;
  ResetGuard guard(stmt);
  stmt.bind_text(1, filter.tenant);
  if (filter.status) stmt.bind_text(2, core::to_string(*filter.status));
  if (filter.service) stmt.bind_text(3, *filter.service);
  if (filter.priority) stmt.bind_text(4, core::to_string(*filter.priority));
  if (filter.before_seq) stmt.bind_int(5, *filter.before_seq);
  // One row more than asked tells whether another page exists.
  stmt.bind_int(6, static_cast<int64_t>(limit + 1));

  IncidentPage page;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto incident = sqlite::read_incident(stmt, 0);
    if (!incident.ok()) return incident.error();
    page.incidents.push_back(std::move(*incident));
  }
  if (rc != SQLITE_DONE) return stmt.error("list incidents", rc);
  if (page.incidents.size() > limit) {
    page.incidents.pop_back();
    page.next_cursor = page.incidents.back().seq;
  }
  return page;
}

core::Result<std::optional<IncidentDetail>> SqliteIncidentStore::get(std::string_view id) {
  auto lease = readers_->acquire();
  ReadSnapshot snapshot(*lease);  // incident and members from the same commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();

  IncidentDetail detail;
  {
    Statement& stmt = lease->incident_by_id;
    ResetGuard guard(stmt);
    stmt.bind_text(1, id);
    int rc = stmt.step();
    if (rc == SQLITE_DONE) return std::optional<IncidentDetail>();
    if (rc != SQLITE_ROW) return stmt.error("get incident", rc);
    auto incident = sqlite::read_incident(stmt, 0);
    if (!incident.ok()) return incident.error();
    detail.incident = std::move(*incident);
  }
  Statement& stmt = lease->members_of;
  ResetGuard guard(stmt);
  stmt.bind_int(1, detail.incident.seq);
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto member = sqlite::read_member(stmt, 0, lease->parser);
    if (!member.ok()) return member.error();
    detail.members.push_back(std::move(*member));
  }
  if (rc != SQLITE_DONE) return stmt.error("get incident members", rc);
  return std::optional<IncidentDetail>(std::move(detail));
}

core::Result<std::vector<core::AuditEntry>> SqliteIncidentStore::timeline(std::string_view id) {
  auto lease = readers_->acquire();
  Statement& stmt = lease->timeline;
  ResetGuard guard(stmt);
  stmt.bind_text(1, id);
  std::vector<core::AuditEntry> entries;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) entries.push_back(sqlite::read_audit(stmt, 0));
  if (rc != SQLITE_DONE) return stmt.error("read timeline", rc);
  return entries;
}

core::Result<core::ActiveState> SqliteIncidentStore::load_active() {
  auto lease = readers_->acquire();
  ReadSnapshot snapshot(*lease);  // incidents, members and max_seq agree
  if (auto st = snapshot.begin(); !st.ok()) return st.error();

  core::ActiveState state;
  {
    Statement& stmt = lease->active_incidents;
    ResetGuard guard(stmt);
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      auto incident = sqlite::read_incident(stmt, 0);
      if (!incident.ok()) return incident.error();
      state.incidents.push_back(std::move(*incident));
    }
    if (rc != SQLITE_DONE) return stmt.error("load active incidents", rc);
  }
  {
    // Both queries order by seq, so each member's incident is found by a
    // forward walk over state.incidents.
    Statement& stmt = lease->active_members;
    ResetGuard guard(stmt);
    size_t owner = 0;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
      const int64_t seq = stmt.column_int(0);
      while (owner < state.incidents.size() && state.incidents[owner].seq < seq) ++owner;
      if (owner == state.incidents.size() || state.incidents[owner].seq != seq) continue;
      auto member = sqlite::read_member(stmt, 1, lease->parser);
      if (!member.ok()) return member.error();
      state.members.emplace_back(state.incidents[owner].id, std::move(*member));
    }
    if (rc != SQLITE_DONE) return stmt.error("load active members", rc);
  }
  Statement& stmt = lease->max_seq;
  ResetGuard guard(stmt);
  int rc = stmt.step();
  if (rc != SQLITE_ROW) return stmt.error("read max seq", rc);
  state.max_seq = stmt.column_int(0);
  return state;
}

core::Status check_options(const SqliteOptions& options) {
  if (options.path.empty()) return core::Error{"store_open", "sqlite store: path is empty"};
  // Each connection of an in-memory database is a database of its own, so
  // the readers would never see the writer's rows.
  if (options.path == ":memory:" || options.path.starts_with("file:")) {
    return open_error(options.path, "in-memory and URI paths are not supported; use a file path");
  }
  if (options.busy_timeout_ms < 0) return open_error(options.path, "busy_timeout_ms is negative");
  return {};
}

core::Status create_parent(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return open_error(path, "cannot create directory '" + parent.string() + "': " + ec.message());
  }
  return {};
}

/// Connection-level settings, then the schema. WAL must be set outside a transaction.
core::Status configure(Connection& db) {
  auto mode = db.query_text("PRAGMA journal_mode = WAL", "enable WAL");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal")
    return open_error(db.path(), "cannot enable WAL (journal mode is " + *mode + ")");
  // NORMAL in WAL mode: a commit survives a process crash; a power loss may
  // lose the last commits but never corrupts the file. The writer's page
  // cache is raised from 2 MiB to 64 MiB: ids ("INC-10" < "INC-9") and seqs
  // of a storm's batch land all over the tables and indexes, so a small cache
  // rereads their pages per batch (64 MiB: 229 -> 187 ms per 5,000-update
  // batch in BM_StoreApplyStorm). The WAL is checkpointed every 8,192 pages
  // (32 MiB) instead of 1,000: one such batch dirties thousands of pages, so
  // the default copied every commit back into the file (187 -> 163 ms).
  // Later the writer stopped checkpointing altogether: sqlite::Checkpointer
  // does it on its own thread, so no commit waits for a whole checkpoint.
  if (auto st = db.exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                        "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0",
                        "set synchronous, foreign_keys, cache_size and wal_autocheckpoint");
      !st.ok()) {
    return st;
  }
  return sqlite::run_migrations(db);
}

}  // namespace

core::Result<std::unique_ptr<IncidentStore>> open_sqlite_store(const SqliteOptions& options) {
  if (auto st = check_options(options); !st.ok()) return st.error();
  if (sqlite3_threadsafe() == 0) {
    return open_error(options.path, "libsqlite3 was built without thread support");
  }
  if (auto st = create_parent(options.path); !st.ok()) return st.error();

  Writer writer;
  auto db =
      Connection::open(options.path, Connection::Mode::read_write_create, options.busy_timeout_ms);
  if (!db.ok()) return db.error();
  writer.db = std::move(*db);
  if (auto st = configure(writer.db); !st.ok()) return st.error();
  if (auto st = prepare_writer(writer); !st.ok()) return st.error();
  auto max_seq =
      writer.db.query_int("SELECT COALESCE(MAX(seq), 0) FROM incidents", "read max incident seq");
  if (!max_seq.ok()) return max_seq.error();
  writer.max_seq_hint = *max_seq;

  const size_t readers = std::clamp<size_t>(options.read_connections, 1, kMaxReadConnections);
  auto pool = ReadPool::open(options.path, readers, options.busy_timeout_ms);
  if (!pool.ok()) return pool.error();
  auto checkpointer = sqlite::Checkpointer::start(options.path, options.busy_timeout_ms,
                                                  std::chrono::milliseconds(200));
  if (!checkpointer.ok()) return checkpointer.error();
  return std::unique_ptr<IncidentStore>(std::make_unique<SqliteIncidentStore>(
      std::move(writer), std::move(*pool), std::move(*checkpointer)));
}

}  // namespace alertd::sinks
