#include "sinks/store/sqlite/writer.h"

#include <sqlite3.h>

#include <utility>

#include "sinks/store/sqlite/migrations.h"

namespace alertd::sinks::sqlite {

namespace {

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
  return run_migrations(db);
}

core::Status prepare(Writer& w, AuditContext& audit) {
  const std::pair<Statement*, std::string> statements[] = {
      {&w.begin, "BEGIN IMMEDIATE"},
      {&w.commit, "COMMIT"},
      {&w.rollback, "ROLLBACK"},
      {&w.update_incident_unindexed, update_incident_unindexed_sql()},
      {&w.upsert_incident, upsert_incident_sql()},
      {&w.upsert_member, upsert_member_sql()},
  };
  for (const auto& [stmt, sql] : statements) {
    auto prepared = Statement::prepare(w.db, sql);
    if (!prepared.ok()) return prepared.error();
    *stmt = std::move(*prepared);
  }
  return w.audit.open(w.db, audit);
}

core::Status write_incident(Writer& w, const core::Incident& incident) {
  // Most updates of an existing incident move only counters and times: the
  // narrow UPDATE then leaves every index untouched. Anything else (a new
  // incident, a status, priority, service or tenant change) takes the upsert.
  if (incident.seq <= w.max_seq_hint) {
    bind_incident(w.binder, w.update_incident_unindexed, incident);
    if (auto st = w.update_incident_unindexed.run("upsert incident"); !st.ok()) return st;
    if (sqlite3_changes(w.db.get()) > 0) return {};
  } else {
    w.max_seq_hint = incident.seq;
  }
  bind_incident(w.binder, w.upsert_incident, incident);
  return w.upsert_incident.run("upsert incident");
}

core::Status write_update(Writer& w, const core::IncidentUpdate& update) {
  const core::Incident& incident = update.incident;
  if (incident.seq <= 0 || incident.id.empty()) {
    return core::Error{"store_invalid_input", "sqlite store: incident without seq or id (id '" +
                                                  incident.id + "', seq " +
                                                  std::to_string(incident.seq) + ")"};
  }
  if (auto st = write_incident(w, incident); !st.ok()) return about(st, incident);
  for (const auto& member : update.members) {
    ResetGuard guard(w.upsert_member);
    auto st = bind_member(w.binder, w.upsert_member, incident.seq, member);
    if (st.ok()) st = w.upsert_member.run("upsert member");
    if (!st.ok()) return about(st, incident);
  }
  for (const auto& entry : update.audit) {
    if (auto st = w.audit.append(entry); !st.ok()) return about(st, incident);
  }
  return {};
}

}  // namespace

core::Status open_writer(Writer& w, const std::string& path, int busy_timeout_ms,
                         AuditContext& audit) {
  auto db = Connection::open(path, Connection::Mode::read_write_create, busy_timeout_ms);
  if (!db.ok()) return db.error();
  w.db = std::move(*db);
  if (auto st = configure(w.db); !st.ok()) return st;
  if (auto st = prepare(w, audit); !st.ok()) return st;
  auto max_seq =
      w.db.query_int("SELECT COALESCE(MAX(seq), 0) FROM incidents", "read max incident seq");
  if (!max_seq.ok()) return max_seq.error();
  w.max_seq_hint = *max_seq;
  return {};
}

core::Status in_write_transaction(Writer& w, const std::function<core::Status()>& body) {
  // IMMEDIATE takes the write lock now (waiting up to busy_timeout) instead
  // of failing half-way through the batch when another writer holds it.
  core::Status st = w.begin.run("begin write transaction");
  if (!st.ok()) return st;
  st = w.audit.begin_batch();
  if (st.ok()) st = body();
  if (st.ok()) st = w.audit.end_batch();
  if (st.ok()) st = w.commit.run("commit");
  if (st.ok()) {
    // After the commit, never before: an anchor ahead of the database would
    // read as truncation (audit_anchor.h).
    w.audit.committed_batch();
  } else {
    // Some errors (I/O, full disk) already rolled back; otherwise undo the
    // partial batch so a retry writes every row, audit entries included,
    // once, and numbers and chains them from the same head again.
    if (w.db.in_transaction()) (void)w.rollback.run("rollback");
    w.audit.undo_batch();
  }
  return st;
}

core::Status append_audit(Writer& w, std::span<const core::AuditEntry> entries) {
  for (const auto& entry : entries) {
    if (auto st = w.audit.append(entry); !st.ok()) return st;
  }
  return {};
}

core::Status write_batch(Writer& w, std::span<const core::IncidentUpdate> batch) {
  if (batch.empty()) return {};
  return in_write_transaction(w, [&] {
    for (const auto& update : batch) {
      if (auto st = write_update(w, update); !st.ok()) return st;
    }
    return core::Status();
  });
}

}  // namespace alertd::sinks::sqlite
