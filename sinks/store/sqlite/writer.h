#pragma once
// The SQLite store's writer: its one read-write connection with the
// statements apply() reuses for every batch, the write transaction every
// write runs in (the audit chain's batch with it), and apply's batch.
//
// One writer serves every write, one at a time under the store's write
// mutex: SQLite allows one writer at a time anyway, and a second connection
// would wait in the busy handler's coarse sleeps (and could make apply()
// fail with store_busy) where a mutex hands over at once.

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "sinks/store/sqlite/audit_log.h"
#include "sinks/store/sqlite/rows.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

struct Writer {
  Connection db;
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement update_incident_unindexed;
  Statement upsert_incident;
  Statement upsert_member;
  AuditAppender audit;           // numbers and hash-chains the audit entries
  StatementBinder binder;        // reused buffers for the bound member text
  simdjson::dom::parser parser;  // reads back an expired silence, members to archive
  StatementCache cache;          // the rare writes: silences, problems, retention
  // Highest incident seq this writer wrote or found at open. Only a hint for
  // picking the statement (seqs above it are new incidents, which skip the
  // narrow UPDATE): a stale value after a rollback or another process's
  // writes only costs a statement, since the upsert is always correct.
  int64_t max_seq_hint = 0;
};

/// Opens the read-write connection (creating the file), sets WAL and the
/// connection's settings, runs the migrations and prepares the statements.
/// The audit chain is hashed with `audit`'s key and anchored by its anchor;
/// `audit` outlives the writer.
core::Status open_writer(Writer& w, const std::string& path, int busy_timeout_ms,
                         AuditContext& audit);

/// Runs `body` in one write transaction (the audit chain's batch with it):
/// commits when it returns ok (and then moves the anchor), else rolls back
/// and undoes the batch. Call under the store's write mutex.
core::Status in_write_transaction(Writer& w, const std::function<core::Status()>& body);

/// Appends `entries` to the audit chain, inside in_write_transaction.
core::Status append_audit(Writer& w, std::span<const core::AuditEntry> entries);

/// IncidentStore::apply: the batch in one write transaction, all or nothing.
core::Status write_batch(Writer& w, std::span<const core::IncidentUpdate> batch);

}  // namespace alertd::sinks::sqlite
