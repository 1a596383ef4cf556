#pragma once
// The audit trail's hash chain in the PostgreSQL store (the same chain and
// table audit_head as the SQLite store's sqlite/audit_log.h): appending
// chained entries inside a write transaction, checking the chain on a read
// connection, and the schema version 3 backfill of rows written before the
// chain existed.
//
// Unlike the SQLite writer, which keeps the head in memory between batches,
// the PostgreSQL writer reads the head in every batch's transaction (locking
// the audit_head row): a COMMIT whose answer was lost with the connection may
// have landed, and a head remembered from before it would make the retry
// reuse its seqs.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "core/result.h"
#include "sinks/store/audit_chain.h"
#include "sinks/store/audit_verify.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/postgres/pg_conn.h"
#include "sinks/store/postgres/rows.h"

namespace alertd::sinks::postgres {

/// Opens a write transaction and locks the audit head before anything else,
/// the order apply() takes (its head read is the first statement after
/// BEGIN), as purge_closed() and the silence writes do: a writer that takes
/// other rows before appending would otherwise risk a deadlock with one that
/// holds the head and wants those rows.
inline constexpr std::string_view kBeginLockingAuditHeadSql =
    "BEGIN; SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE";

/// Appends a batch's audit entries to the chain, one batch at a time, on the
/// writer connection. Reuses its buffers across batches.
class AuditAppender {
 public:
  AuditAppender();

  /// Hashes with `ctx`'s key and reports commits to its anchor; `ctx`
  /// outlives the appender. Reads the head on `conn` and opens the anchor on it.
  core::Status open(Connection& conn, AuditContext& ctx);

  /// Inside the write transaction: locks and reads the head (audit_head, or
  /// the last audit_log row when that is further), then numbers, hashes and
  /// appends `entries` in order and sets the head, in two round trips.
  /// `begin_sql` is run in the same round trip as the head read ("BEGIN" when
  /// the transaction is not open yet, "" when it is).
  core::Status append(Connection& conn, std::span<const core::AuditEntry* const> entries,
                      std::string_view begin_sql);
  /// The same for entries held by value, in a transaction already open
  /// (nothing to append: no round trip).
  core::Status append_in_transaction(Connection& conn, std::span<const core::AuditEntry> entries);

  /// After the write call's transaction committed: moves the anchor to the
  /// head its appends ended at (nothing when it appended none).
  void committed();
  /// After it failed: forgets its appends (the head is as before).
  void rolled_back() { pending_.reset(); }
  /// The head the last committed append ended at.
  const AuditChainHead& last_committed() const { return committed_; }

 private:
  std::vector<const core::AuditEntry*> pointers_;
  AuditHasher hasher_;
  ColumnArrays rows_;
  ArraysWriter fields_;
  core::AuditEntry row_;  // the entry as appended, reused across entries
  Params params_;
  std::string head_hash_;
  AuditContext* ctx_ = nullptr;
  // The head before and after the appends of the open transaction.
  std::optional<std::pair<AuditChainHead, AuditChainHead>> pending_;
  AuditChainHead committed_;
};

/// The audit tables on a read connection, inside one REPEATABLE READ
/// transaction (so the head and the rows are from the same commit); walk()
/// reads through a cursor fetched in pages: the table is never loaded whole.
class PgAuditRows final : public AuditRows {
 public:
  explicit PgAuditRows(Connection& conn) : conn_(conn) {}
  core::Result<std::optional<AuditChainHead>> head() override;
  core::Result<std::optional<std::string>> hash_at(int64_t seq) override;
  core::Status walk(int64_t after, ChainVerifier& verifier) override;

 private:
  Connection& conn_;
};

/// Schema version 3, after its SQL added the columns and audit_head and
/// disabled the append-only row trigger: hashes every existing row in seq
/// order (1,000 at a time), writes the head and enables the trigger again,
/// all in the migration's transaction.
core::Status backfill_audit_chain(Connection& conn);

}  // namespace alertd::sinks::postgres
