#include "sinks/store/sqlite/audit_log.h"

#include <sqlite3.h>

#include <utility>
#include <vector>

#include "sinks/store/sqlite/rows.h"

namespace alertd::sinks::sqlite {

namespace {

// The same trigger as schema version 1 created; version 3 drops it for the
// backfill and creates it again.
constexpr std::string_view kNoUpdateTriggerSql = R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be updated');
END;
)sql";

constexpr std::string_view kSetHeadSql =
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) "
    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";

constexpr int64_t kBackfillChunk = 1000;

core::Result<Statement> prepare(Connection& db, std::string_view sql) {
  return Statement::prepare(db, sql);
}

}  // namespace

core::Result<std::optional<AuditChainHead>> read_audit_head(Statement& head_query) {
  ResetGuard guard(head_query);
  const int rc = head_query.step();
  if (rc == SQLITE_DONE) return std::optional<AuditChainHead>();
  if (rc != SQLITE_ROW) return head_query.error("read audit head", rc);
  AuditChainHead head;
  head.seq = head_query.column_int(0);
  head.hash = head_query.column_text(1);
  return std::optional<AuditChainHead>(std::move(head));
}

core::Result<std::optional<std::string>> audit_hash_at(Statement& hash_at, int64_t seq) {
  ResetGuard guard(hash_at);
  hash_at.bind_int(1, seq);
  const int rc = hash_at.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return hash_at.error("read audit entry hash", rc);
  return std::optional<std::string>(hash_at.column_text(0));
}

core::Status AuditAppender::open(Connection& db, AuditContext& ctx) {
  ctx_ = &ctx;
  hasher_ = AuditHasher(ctx.settings().key);
  auto insert = prepare(db, insert_audit_sql());
  if (!insert.ok()) return insert.error();
  auto set_head = prepare(db, kSetHeadSql);
  if (!set_head.ok()) return set_head.error();
  insert_ = std::move(*insert);
  set_head_ = std::move(*set_head);

  const std::pair<Statement*, std::string_view> reads[] = {
      {&head_query_, kAuditHeadSql},
      {&last_query_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"},
      {&data_version_, "PRAGMA data_version"},
  };
  for (const auto& [stmt, sql] : reads) {
    auto prepared = prepare(db, sql);
    if (!prepared.ok()) return prepared.error();
    *stmt = std::move(*prepared);
  }
  if (auto st = load_head(); !st.ok()) return st;
  auto hash_at = prepare(db, kAuditHashAtSql);
  if (!hash_at.ok()) return hash_at.error();
  ctx.anchor.open(head_, [&](int64_t seq) { return audit_hash_at(*hash_at, seq); });
  return {};
}

core::Status AuditAppender::load_head() {
  auto recorded = read_audit_head(head_query_);
  if (!recorded.ok()) return recorded.error();
  auto last_row = read_audit_head(last_query_);
  if (!last_row.ok()) return last_row.error();
  // Normally both are the same entry. After tampering they may not be, and
  // appending must still work (a stuck sink would stop every write):
  // continue after whichever is further, so the next seq is free. A cut
  // tail then shows as a gap; rows added outside alertd show unless whoever
  // added them also chained them correctly (and could as well have set the
  // head).
  head_ = recorded->value_or(AuditChainHead{});
  if (last_row->has_value() && (*last_row)->seq > head_.seq) head_ = std::move(**last_row);
  batch_start_ = head_;
  auto version = read_data_version();
  if (!version.ok()) return version.error();
  data_version_seen_ = *version;
  return {};
}

core::Result<int64_t> AuditAppender::read_data_version() {
  ResetGuard guard(data_version_);
  const int rc = data_version_.step();
  if (rc != SQLITE_ROW) return data_version_.error("read data_version", rc);
  return data_version_.column_int(0);
}

core::Status AuditAppender::begin_batch() {
  // Another connection committed since this one last looked (an `alertd
  // audit re-anchor`, a second process): the head in memory may be stale,
  // and appending after it would reuse seqs. Read it again then; else the
  // memory is right and costs no read.
  auto version = read_data_version();
  if (!version.ok()) return version.error();
  if (*version != data_version_seen_) return load_head();
  batch_start_ = head_;
  return {};
}

core::Status AuditAppender::append(const core::AuditEntry& entry) {
  const int64_t seq = head_.seq + 1;
  auto hash = hasher_.hash(head_.hash, seq, entry);
  if (!hash.ok()) return hash.error();
  ResetGuard guard(insert_);
  // The row as the chain numbers it: the entry's fields, its seq and hashes.
  row_ = entry;
  row_.seq = seq;
  row_.prev_hash = head_.hash;
  row_.hash = *hash;
  bind_audit(binder_, insert_, row_);
  if (auto st = insert_.run("append audit entry"); !st.ok()) return st;
  head_.seq = seq;
  head_.hash = std::move(*hash);
  return {};
}

core::Status AuditAppender::end_batch() {
  if (head_.seq == batch_start_.seq) return {};
  ResetGuard guard(set_head_);
  set_head_.bind_int(1, head_.seq);
  set_head_.bind_text(2, head_.hash);
  return set_head_.run("update audit head");
}

void AuditAppender::committed_batch() {
  if (head_.seq == batch_start_.seq || ctx_ == nullptr) return;
  ctx_->anchor.committed(batch_start_, head_);
  batch_start_ = head_;
}

void AuditAppender::undo_batch() {
  head_ = batch_start_;
}

core::Result<std::optional<AuditChainHead>> SqliteAuditRows::head() {
  return read_audit_head(head_query_);
}

core::Result<std::optional<std::string>> SqliteAuditRows::hash_at(int64_t seq) {
  return audit_hash_at(hash_at_, seq);
}

core::Status SqliteAuditRows::walk(int64_t after, ChainVerifier& verifier) {
  ResetGuard guard(rows_);
  rows_.bind_int(1, after);
  core::AuditEntry row;  // reused: its strings keep their capacity across rows
  int rc = SQLITE_DONE;
  while (verifier.ok() && (rc = rows_.step()) == SQLITE_ROW) {
    read_audit_into(rows_, 0, row);
    if (auto st = verifier.add(row); !st.ok()) return st;
  }
  if (verifier.ok() && rc != SQLITE_DONE) return rows_.error("read audit log", rc);
  return {};
}

core::Status backfill_audit_chain(Connection& db) {
  auto select = prepare(db, "SELECT " + schema::audit_select() +
                                " FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  if (!select.ok()) return select.error();
  auto update = prepare(db, "UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1");
  if (!update.ok()) return update.error();

  struct Hashed {
    int64_t seq;
    std::string prev_hash;
    std::string hash;
  };
  AuditHasher hasher;
  AuditChainHead head;
  std::vector<Hashed> chunk;
  core::AuditEntry row;
  do {
    // Read a chunk, then update it: SQLite leaves undefined what a running
    // SELECT sees of rows its own connection changes under it.
    chunk.clear();
    {
      ResetGuard guard(*select);
      select->bind_int(1, head.seq);
      select->bind_int(2, kBackfillChunk);
      int rc;
      while ((rc = select->step()) == SQLITE_ROW) {
        read_audit_into(*select, 0, row);
        // Each row keeps its own seq: a gap in old rows stays visible to verify.
        auto hash = hasher.hash(head.hash, row.seq, row);
        if (!hash.ok()) return hash.error();
        chunk.push_back({row.seq, head.hash, *hash});
        head.seq = row.seq;
        head.hash = std::move(*hash);
      }
      if (rc != SQLITE_DONE) return select->error("backfill audit chain: read", rc);
    }
    for (const auto& h : chunk) {
      ResetGuard guard(*update);
      update->bind_int(1, h.seq);
      update->bind_text(2, h.prev_hash);
      update->bind_text(3, h.hash);
      if (auto st = update->run("backfill audit chain: update"); !st.ok()) return st;
    }
  } while (static_cast<int64_t>(chunk.size()) == kBackfillChunk);

  auto set_head = prepare(db, kSetHeadSql);
  if (!set_head.ok()) return set_head.error();
  set_head->bind_int(1, head.seq);
  set_head->bind_text(2, head.hash);
  if (auto st = set_head->run("backfill audit chain: write head"); !st.ok()) return st;
  set_head->reset();
  return db.exec(kNoUpdateTriggerSql, "re-create audit_log update trigger");
}

}  // namespace alertd::sinks::sqlite
