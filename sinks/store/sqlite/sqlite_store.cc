#include "sinks/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <mutex>
#include <system_error>

#include "sinks/store/incident_store.h"
#include "sinks/store/problem_linking.h"
#include "sinks/store/sqlite/audit_log.h"
#include "sinks/store/sqlite/checkpointer.h"
#include "sinks/store/sqlite/migrations.h"
#include "sinks/store/sqlite/problems.h"
#include "sinks/store/sqlite/readers.h"
#include "sinks/store/sqlite/retention.h"
#include "sinks/store/sqlite/rows.h"
#include "sinks/store/sqlite/silences.h"
#include "sinks/store/sqlite/sqlite_db.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks {

namespace {

using sqlite::Connection;
using sqlite::ReadPool;
using sqlite::ReadSnapshot;
using sqlite::ResetGuard;
using sqlite::Statement;
using sqlite::StatementCache;

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
  sqlite::AuditAppender audit;     // numbers and hash-chains the audit entries
  sqlite::StatementBinder binder;  // reused buffers for the bound member text
  simdjson::dom::parser parser;    // reads back an expired silence, members to archive
  StatementCache cache;            // the rare writes: silences, problems, retention
  // Highest incident seq this writer wrote or found at open. Only a hint for
  // picking the statement (seqs above it are new incidents, which skip the
  // narrow UPDATE): a stale value after a rollback or another process's
  // writes only costs a statement, since the upsert is always correct.
  int64_t max_seq_hint = 0;
};

core::Status prepare_writer(Writer& w) {
  const std::pair<Statement*, std::string> statements[] = {
      {&w.begin, "BEGIN IMMEDIATE"},
      {&w.commit, "COMMIT"},
      {&w.rollback, "ROLLBACK"},
      {&w.update_incident_unindexed, sqlite::update_incident_unindexed_sql()},
      {&w.upsert_incident, sqlite::upsert_incident_sql()},
      {&w.upsert_member, sqlite::upsert_member_sql()},
  };
  for (const auto& [stmt, sql] : statements) {
    auto prepared = Statement::prepare(w.db, sql);
    if (!prepared.ok()) return prepared.error();
    *stmt = std::move(*prepared);
  }
  return w.audit.open(w.db);
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
  core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                         core::TimePoint since,
                                                         size_t limit) override;
  core::Result<core::ActiveState> load_active() override;
  core::Result<AuditVerification> verify_audit() override;
  core::Status ping() override { return {}; }  // a file: nothing to reach

  core::Result<core::Silence> create_silence(core::Silence silence) override;
  core::Result<std::vector<core::Silence>> list_silences(const std::string& tenant) override;
  core::Result<std::optional<core::Silence>> get_silence(std::string_view id) override;
  core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                            core::TimePoint now,
                                                            std::string_view actor) override;
  core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) override;
  using IncidentStore::load_silences;

  core::Result<std::vector<ProblemLinks>> link_recurring(std::span<const OpenedIncident> opened,
                                                         const core::ProblemPolicy& policy,
                                                         core::TimePoint now) override;
  core::Result<ProblemPage> list_problems(const ProblemFilter& filter) override;
  core::Result<std::optional<ProblemDetail>> get_problem(std::string_view id) override;
  core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                 const ProblemEdit& edit) override;
  core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                    core::TimePoint now, const Archiver& archive) override;

 private:
  /// Runs `body` in one write transaction (the audit chain's batch with
  /// it): commits when it returns ok, else rolls back and undoes the batch.
  /// Call with write_mu_ held.
  core::Status in_write_transaction(const std::function<core::Status()>& body);
  core::Status append_audit(const std::vector<core::AuditEntry>& entries);
  core::Status write_update(const core::IncidentUpdate& update);
  core::Status write_incident(const core::Incident& incident);

  // Declared before readers_: the pool's connections close first, so the
  // writer's close is the last one and checkpoints the WAL into the file.
  // Serializes every use of the writer connection: apply() from the sink
  // thread and the silence writes from HTTP threads. A mutex, not a second
  // connection: SQLite allows one writer at a time anyway, and a second
  // connection would wait in the busy handler's coarse sleeps (and could make
  // apply() fail with store_busy) where a mutex hands over at once.
  std::mutex write_mu_;
  Writer writer_;
  std::unique_ptr<ReadPool> readers_;
  // Declared last: it stops before any other connection closes.
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;
};

core::Status SqliteIncidentStore::in_write_transaction(const std::function<core::Status()>& body) {
  // IMMEDIATE takes the write lock now (waiting up to busy_timeout) instead
  // of failing half-way through the batch when another writer holds it.
  core::Status st = writer_.begin.run("begin write transaction");
  if (!st.ok()) return st;
  writer_.audit.begin_batch();
  st = body();
  if (st.ok()) st = writer_.audit.end_batch();
  if (st.ok()) st = writer_.commit.run("commit");
  if (!st.ok()) {
    // Some errors (I/O, full disk) already rolled back; otherwise undo the
    // partial batch so a retry writes every row, audit entries included,
    // once, and numbers and chains them from the same head again.
    if (writer_.db.in_transaction()) (void)writer_.rollback.run("rollback");
    writer_.audit.undo_batch();
  }
  return st;
}

core::Status SqliteIncidentStore::append_audit(const std::vector<core::AuditEntry>& entries) {
  for (const auto& entry : entries) {
    if (auto st = writer_.audit.append(entry); !st.ok()) return st;
  }
  return {};
}

core::Status SqliteIncidentStore::apply(std::span<const core::IncidentUpdate> batch) {
  if (batch.empty()) return {};
  std::lock_guard lock(write_mu_);
  return in_write_transaction([&] {
    for (const auto& update : batch) {
      if (auto st = write_update(update); !st.ok()) return st;
    }
    return core::Status();
  });
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
    auto st = sqlite::bind_member(writer_.binder, writer_.upsert_member, incident.seq, member);
    if (st.ok()) st = writer_.upsert_member.run("upsert member");
    if (!st.ok()) return about(st, incident);
  }
  for (const auto& entry : update.audit) {
    if (auto st = writer_.audit.append(entry); !st.ok()) return about(st, incident);
  }
  return {};
}

core::Status SqliteIncidentStore::write_incident(const core::Incident& incident) {
  // Most updates of an existing incident move only counters and times: the
  // narrow UPDATE then leaves every index untouched. Anything else (a new
  // incident, a status, priority, service or tenant change) takes the upsert.
  if (incident.seq <= writer_.max_seq_hint) {
    sqlite::bind_incident(writer_.binder, writer_.update_incident_unindexed, incident);
    if (auto st = writer_.update_incident_unindexed.run("upsert incident"); !st.ok()) return st;
    if (sqlite3_changes(writer_.db.get()) > 0) return {};
  } else {
    writer_.max_seq_hint = incident.seq;
  }
  sqlite::bind_incident(writer_.binder, writer_.upsert_incident, incident);
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

core::Result<std::vector<core::Incident>> SqliteIncidentStore::opened_since(
    const std::string& tenant, core::TimePoint since, size_t limit) {
  auto lease = readers_->acquire();
  Statement& stmt = lease->opened_since;
  ResetGuard guard(stmt);
  stmt.bind_text(1, tenant);
  stmt.bind_time(2, since);
  stmt.bind_int(3, static_cast<int64_t>(limit));
  std::vector<core::Incident> out;
  int rc;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    auto incident = sqlite::read_incident(stmt, 0);
    if (!incident.ok()) return incident.error();
    out.push_back(std::move(*incident));
  }
  if (rc != SQLITE_DONE) return stmt.error("read incidents opened since", rc);
  return out;
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

core::Result<AuditVerification> SqliteIncidentStore::verify_audit() {
  auto lease = readers_->acquire();
  // The head and the rows from one commit: a batch committed meanwhile
  // would otherwise look like rows beyond the head.
  ReadSnapshot snapshot(*lease);
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  return sqlite::verify_audit_log(lease->audit_head, lease->audit_chain);
}

// --- silences ---

core::Result<core::Silence> SqliteIncidentStore::create_silence(core::Silence s) {
  if (auto st = prepare_new_silence(s, "sqlite store"); !st.ok()) return st.error();
  std::lock_guard lock(write_mu_);
  auto written = in_write_transaction([&]() -> core::Status {
    sqlite::SilenceWriter tx(writer_.db, writer_.cache, writer_.parser);
    if (auto st = tx.insert(s); !st.ok()) return st;
    return writer_.audit.append(silence_audit_entry(s));
  });
  if (!written.ok()) return written.error();
  return s;
}

core::Result<std::optional<core::Silence>> SqliteIncidentStore::expire_silence(
    std::string_view id, core::TimePoint now, std::string_view actor) {
  const auto seq = parse_silence_id(id);
  if (!seq) return std::optional<core::Silence>();
  std::lock_guard lock(write_mu_);
  std::optional<core::Silence> result;
  // Read, update and read back in one transaction: the entry's "from" is
  // the row this update changed, and the answer is the row as written.
  auto written = in_write_transaction([&]() -> core::Status {
    sqlite::SilenceWriter tx(writer_.db, writer_.cache, writer_.parser);
    auto before = tx.read(*seq);
    if (!before.ok()) return before.error();
    if (!*before) return {};
    if (auto st = tx.expire(*seq, to_stored(now)); !st.ok()) return st;
    auto after = tx.read(*seq);
    if (!after.ok()) return after.error();
    result = std::move(*after);
    if (!result) return {};  // rows are never deleted (a trigger refuses it)
    auto entry = silence_expire_audit_entry(**before, *result, actor, now);
    return entry ? writer_.audit.append(*entry) : core::Status();
  });
  if (!written.ok()) return written.error();
  return result;
}

core::Result<std::vector<core::Silence>> SqliteIncidentStore::list_silences(
    const std::string& tenant) {
  auto lease = readers_->acquire();
  Statement& stmt = lease->silences_of_tenant;
  ResetGuard guard(stmt);
  stmt.bind_text(1, tenant);
  return sqlite::read_silences(stmt, lease->parser, "list silences");
}

core::Result<std::optional<core::Silence>> SqliteIncidentStore::get_silence(std::string_view id) {
  const auto seq = parse_silence_id(id);
  if (!seq) return std::optional<core::Silence>();
  auto lease = readers_->acquire();
  Statement& stmt = lease->silence_by_seq;
  ResetGuard guard(stmt);
  stmt.bind_int(1, *seq);
  return sqlite::read_one_silence(stmt, lease->parser);
}

core::Result<std::vector<core::Silence>> SqliteIncidentStore::load_silences(core::TimePoint now) {
  auto lease = readers_->acquire();
  Statement& stmt = lease->silences_unended;
  ResetGuard guard(stmt);
  stmt.bind_time(1, to_stored(now));
  return sqlite::read_silences(stmt, lease->parser, "load silences");
}

// --- problems and retention ---

core::Result<std::vector<ProblemLinks>> SqliteIncidentStore::link_recurring(
    std::span<const OpenedIncident> opened, const core::ProblemPolicy& policy,
    core::TimePoint now) {
  if (opened.empty() || !policy.enabled()) return std::vector<ProblemLinks>();
  std::lock_guard lock(write_mu_);
  std::vector<ProblemLinks> links;
  std::vector<core::AuditEntry> audit;
  auto written = in_write_transaction([&]() -> core::Status {
    sqlite::ProblemWriter tx(writer_.db, writer_.cache);
    auto done = sinks::link_recurring(tx, opened, policy, now, audit);
    if (!done.ok()) return done.error();
    links = std::move(*done);
    return append_audit(audit);
  });
  if (!written.ok()) return written.error();
  return links;
}

core::Result<ProblemPage> SqliteIncidentStore::list_problems(const ProblemFilter& filter) {
  auto lease = readers_->acquire();
  return sqlite::list_problems(lease->db, lease->cache, filter);
}

core::Result<std::optional<ProblemDetail>> SqliteIncidentStore::get_problem(std::string_view id) {
  const auto seq = core::parse_problem_id(id);
  if (!seq) return std::optional<ProblemDetail>();
  auto lease = readers_->acquire();
  ReadSnapshot snapshot(*lease);  // the problem and its links from one commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  return sqlite::get_problem(lease->db, lease->cache, *seq);
}

core::Result<core::ProblemResult> SqliteIncidentStore::edit_problem(std::string_view id,
                                                                    const ProblemEdit& edit) {
  core::ProblemResult result = problem_not_found(id);
  const auto seq = core::parse_problem_id(id);
  if (!seq) return result;
  std::lock_guard lock(write_mu_);
  auto written = in_write_transaction([&]() -> core::Status {
    sqlite::ProblemWriter tx(writer_.db, writer_.cache);
    auto stored = tx.read(*seq);
    if (!stored.ok()) return stored.error();
    if (!*stored) return core::Error{std::string(kEditRefused), ""};  // `result` says why
    std::vector<core::AuditEntry> audit;
    core::Problem problem = std::move(**stored);
    result = edit(problem, audit);
    if (result.status >= 400) return core::Error{std::string(kEditRefused), ""};
    if (auto st = tx.update(problem); !st.ok()) return st;
    result.problem = std::move(problem);
    return append_audit(audit);
  });
  if (!written.ok() && written.error().reason != kEditRefused) return written.error();
  return result;
}

core::Result<size_t> SqliteIncidentStore::purge_closed(core::TimePoint closed_before, size_t limit,
                                                       core::TimePoint now,
                                                       const Archiver& archive) {
  std::lock_guard lock(write_mu_);
  size_t purged = 0;
  auto written = in_write_transaction([&]() -> core::Status {
    sqlite::Purger purger(writer_.db, writer_.cache, writer_.parser);
    auto closed = purger.closed_before(to_stored(closed_before), limit, archive != nullptr);
    if (!closed.ok()) return closed.error();
    if (closed->empty()) return {};
    if (archive) {
      if (auto st = archive(*closed); !st.ok()) return st;
    }
    int64_t max_seq = 0;
    for (const auto& detail : *closed) {
      if (auto st = purger.remove(detail.incident.seq); !st.ok()) return st;
      auto entry = purge_audit_entry(detail.incident, archive != nullptr, now);
      if (auto st = writer_.audit.append(entry); !st.ok()) return st;
      max_seq = std::max(max_seq, detail.incident.seq);
    }
    purged = closed->size();
    return purger.record_purged_seq(max_seq);
  });
  if (!written.ok()) return written.error();
  return purged;
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
  auto pool = sqlite::open_readers(options.path, readers, options.busy_timeout_ms);
  if (!pool.ok()) return pool.error();
  auto checkpointer = sqlite::Checkpointer::start(options.path, options.busy_timeout_ms,
                                                  std::chrono::milliseconds(200));
  if (!checkpointer.ok()) return checkpointer.error();
  return std::unique_ptr<IncidentStore>(std::make_unique<SqliteIncidentStore>(
      std::move(writer), std::move(*pool), std::move(*checkpointer)));
}

}  // namespace alertd::sinks
