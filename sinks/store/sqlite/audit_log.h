#pragma once
// The audit trail's hash chain in the SQLite store: appending chained
// entries (writer), checking the chain (a read connection) and the schema
// version 3 backfill of rows written before the chain existed.
//
// Table audit_head holds one row (id 1): the seq and hash of the last entry,
// updated in the same transaction as the entries. The chain alone cannot show
// that its newest rows were cut off; the head can.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/result.h"
#include "sinks/store/audit_chain.h"
#include "sinks/store/audit_verify.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/sqlite/rows.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

inline constexpr std::string_view kAuditHeadSql = "SELECT seq, hash FROM audit_head WHERE id = 1";
inline constexpr std::string_view kAuditHashAtSql = "SELECT hash FROM audit_log WHERE seq = ?1";

/// The head recorded in audit_head; nullopt when the row is missing.
core::Result<std::optional<AuditChainHead>> read_audit_head(Statement& head_query);

/// Writer side: numbers, hashes and inserts entries, one batch (transaction)
/// at a time. The head lives in memory between batches (loaded at open), so
/// appending costs no read, unless another connection wrote meanwhile (one
/// `PRAGMA data_version` per batch tells): then it is read again.
class AuditAppender {
 public:
  /// Prepares the statements and loads the head: audit_head's row, or the
  /// last audit_log row when that is further (or the head row is missing).
  /// Entries are hashed with `ctx`'s key, and its anchor is opened on this head.
  core::Status open(Connection& db, AuditContext& ctx);

  /// Call after BEGIN: remembers the head so a rollback can restore it, and
  /// reads it again when another connection wrote since (PRAGMA data_version).
  core::Status begin_batch();
  /// Appends one entry as number head.seq + 1 chained to the head.
  core::Status append(const core::AuditEntry& entry);
  /// Call before COMMIT: writes the head row if this batch appended entries.
  core::Status end_batch();
  /// Call after COMMIT succeeded: moves the anchor if this batch appended entries.
  void committed_batch();
  /// Call after a ROLLBACK (or a failed COMMIT): the head is as before the batch.
  void undo_batch();

  const AuditChainHead& head() const { return head_; }

 private:
  AuditContext* ctx_ = nullptr;
  Statement insert_;
  Statement set_head_;
  StatementBinder binder_;
  core::AuditEntry row_;  // the entry as appended, reused across entries
  AuditHasher hasher_;
  AuditChainHead head_;
  AuditChainHead batch_start_;
  Statement head_query_;
  Statement last_query_;
  Statement data_version_;
  int64_t data_version_seen_ = 0;

  core::Status load_head();
  core::Result<int64_t> read_data_version();
};

/// The audit tables through a read connection's statements (`rows`: SELECT
/// kAuditColumns ... WHERE seq > ?1 ORDER BY seq, stepped one row at a time).
/// Use inside one read transaction, so the head and the rows are one commit.
class SqliteAuditRows final : public AuditRows {
 public:
  SqliteAuditRows(Statement& head_query, Statement& hash_at, Statement& rows)
      : head_query_(head_query), hash_at_(hash_at), rows_(rows) {}
  core::Result<std::optional<AuditChainHead>> head() override;
  core::Result<std::optional<std::string>> hash_at(int64_t seq) override;
  core::Status walk(int64_t after, ChainVerifier& verifier) override;

 private:
  Statement& head_query_;
  Statement& hash_at_;
  Statement& rows_;
};

/// The hash of entry `seq` through `hash_at` (kAuditHashAtSql).
core::Result<std::optional<std::string>> audit_hash_at(Statement& hash_at, int64_t seq);

/// Schema version 3, after its SQL added the columns and audit_head and
/// dropped the update trigger: hashes every existing row in seq order, writes
/// the head, and re-creates the trigger. Reads in chunks (memory stays
/// bounded) and runs inside the migration's transaction.
core::Status backfill_audit_chain(Connection& db);

}  // namespace alertd::sinks::sqlite
