#include "sinks/store/postgres/audit_log.h"

#include <optional>
#include <utility>

#include "sinks/store/postgres/rows.h"

namespace alertd::sinks::postgres {

namespace {

constexpr int kPage = 1000;  // rows per FETCH (verify) and per backfill chunk

// The head row and the last audit_log row. FOR UPDATE holds the head row
// until the batch commits, so two writers on one database (two daemons, or a
// retry racing a lost COMMIT) number their entries one after the other.
constexpr std::string_view kLockHeadSql =
    "WITH head AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE), "
    "last_row AS (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) "
    "SELECT 0, seq, hash FROM head UNION ALL SELECT 1, seq, hash FROM last_row";

constexpr std::string_view kSetHeadSql =
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) "
    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";

const std::string& append_sql() {
  // One statement: the entries (a data-modifying CTE always runs to the end)
  // and the head they end at.
  static const std::string sql =
      "WITH appended AS (" + insert_audit_sql() +
      ") INSERT INTO audit_head (id, seq, hash) VALUES (1, $" +
      std::to_string(schema::kAudit.columns.size() + 1) + ", $" +
      std::to_string(schema::kAudit.columns.size() + 2) +
      ") ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";
  return sql;
}

core::Result<std::optional<AuditChainHead>> read_head(Connection& conn) {
  auto rows = conn.exec("SELECT seq, hash FROM audit_head WHERE id = 1", "read audit head");
  if (!rows.ok()) return rows.error();
  if (rows->size() == 0) return std::optional<AuditChainHead>();
  AuditChainHead head;
  head.seq = rows->int64(0, 0);
  head.hash = std::string(rows->text(0, 1));
  return std::optional<AuditChainHead>(std::move(head));
}

core::Result<std::optional<std::string>> hash_of_row(Connection& conn, int64_t seq) {
  Params params;
  params.int64(seq);
  auto rows =
      conn.query("SELECT hash FROM audit_log WHERE seq = $1", params, "read audit entry hash");
  if (!rows.ok()) return rows.error();
  if (rows->size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(rows->text(0, 0)));
}

core::Status set_head(Connection& conn, const AuditChainHead& head, std::string_view what) {
  Params params;
  params.int64(head.seq).text(head.hash);
  auto r = conn.query(std::string(kSetHeadSql), params, what);
  return core::status_of(r);
}

}  // namespace

AuditAppender::AuditAppender() : rows_(schema::kAudit.columns.size()) {}

core::Status AuditAppender::open(Connection& conn, AuditContext& ctx) {
  ctx_ = &ctx;
  hasher_ = AuditHasher(ctx.settings().key);
  auto found = conn.exec(
      "SELECT seq, hash FROM audit_head WHERE id = 1 UNION ALL "
      "(SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1)",
      "read audit head");
  if (!found.ok()) return found.error();
  // The further of the head row and the last row, as append() continues.
  AuditChainHead head;
  for (int i = 0; i < found->size(); ++i) {
    if (found->int64(i, 0) > head.seq) head = {found->int64(i, 0), std::string(found->text(i, 1))};
  }
  committed_ = head;
  ctx.anchor.open(head, [&conn](int64_t seq) { return hash_of_row(conn, seq); });
  return {};
}

void AuditAppender::committed() {
  if (!pending_) return;
  if (ctx_ != nullptr) ctx_->anchor.committed(pending_->first, pending_->second);
  committed_ = pending_->second;
  pending_.reset();
}

core::Status AuditAppender::append(Connection& conn,
                                   std::span<const core::AuditEntry* const> entries,
                                   std::string_view begin_sql) {
  std::string sql(begin_sql);
  if (!sql.empty()) sql += "; ";
  sql += kLockHeadSql;
  // With a BEGIN in front, PQexec answers with the last statement's result.
  auto found = conn.exec(sql, "lock audit head");
  if (!found.ok()) return found.error();
  // Normally both rows are the same entry. After tampering they may not be,
  // and appending must still work (a stuck sink would stop every write):
  // continue after whichever is further, so the next seq is free. A cut tail
  // then shows as a gap (as in the SQLite store).
  std::optional<AuditChainHead> recorded, last_row;
  for (int i = 0; i < found->size(); ++i) {
    auto& slot = found->int64(i, 0) == 0 ? recorded : last_row;
    slot = AuditChainHead{found->int64(i, 1), std::string(found->text(i, 2))};
  }
  AuditChainHead head = recorded.value_or(AuditChainHead{});
  if (last_row.has_value() && last_row->seq > head.seq) head = std::move(*last_row);
  const AuditChainHead before = pending_ ? pending_->first : head;

  rows_.clear();
  for (const core::AuditEntry* entry : entries) {
    const int64_t seq = head.seq + 1;
    auto hash = hasher_.hash(head.hash, seq, *entry);
    if (!hash.ok()) return hash.error();
    // The row as the chain numbers it: the entry's fields, its seq and hashes.
    row_ = *entry;
    row_.seq = seq;
    row_.prev_hash = head.hash;
    row_.hash = *hash;
    write_audit(fields_, rows_, row_);
    head.seq = seq;
    head.hash = std::move(*hash);
  }
  head_hash_ = std::move(head.hash);
  params_.clear();
  rows_.add_to(params_);
  params_.int64(head.seq).view(head_hash_);
  auto r = conn.query(append_sql(), params_, "append audit entries");
  if (!r.ok()) return r.error();
  pending_.emplace(before, AuditChainHead{head.seq, head_hash_});
  return {};
}

core::Status AuditAppender::append_in_transaction(Connection& conn,
                                                  std::span<const core::AuditEntry> entries) {
  if (entries.empty()) return {};
  pointers_.clear();
  for (const auto& e : entries) pointers_.push_back(&e);
  return append(conn, pointers_, "");
}

core::Result<std::optional<AuditChainHead>> PgAuditRows::head() {
  return read_head(conn_);
}

core::Result<std::optional<std::string>> PgAuditRows::hash_at(int64_t seq) {
  return hash_of_row(conn_, seq);
}

core::Status PgAuditRows::walk(int64_t after, ChainVerifier& verifier) {
  if (auto r =
          conn_.exec("DECLARE audit_chain NO SCROLL CURSOR FOR SELECT " + schema::audit_select() +
                         " FROM audit_log WHERE seq > " + std::to_string(after) + " ORDER BY seq",
                     "read audit log");
      !r.ok()) {
    return r.error();
  }
  const std::string fetch = "FETCH " + std::to_string(kPage) + " FROM audit_chain";
  core::AuditEntry row;  // reused: its strings keep their capacity across rows
  int fetched = kPage;
  while (verifier.ok() && fetched == kPage) {
    auto page = conn_.exec(fetch, "read audit log");
    if (!page.ok()) return page.error();
    fetched = page->size();
    for (int i = 0; i < fetched && verifier.ok(); ++i) {
      RowFields reader(*page, i);
      read_audit_into(reader, row);
      if (auto st = verifier.add(row); !st.ok()) return st;
    }
  }
  // The cursor ends with the caller's read transaction.
  return {};
}

core::Status backfill_audit_chain(Connection& conn) {
  const std::string select = "SELECT " + schema::audit_select() +
                             " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT " +
                             std::to_string(kPage);
  const std::string update =
      "UPDATE audit_log AS a SET prev_hash = u.prev_hash, hash = u.hash "
      "FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(seq, prev_hash, hash) "
      "WHERE a.seq = u.seq";
  AuditHasher hasher;
  AuditChainHead head;
  ColumnArrays hashes(3);
  Params params;
  core::AuditEntry row;
  int fetched = kPage;
  while (fetched == kPage) {
    params.clear();
    params.int64(head.seq);
    auto chunk = conn.query(select, params, "backfill audit chain: read");
    if (!chunk.ok()) return chunk.error();
    fetched = chunk->size();
    if (fetched == 0) break;
    hashes.clear();
    for (int i = 0; i < fetched; ++i) {
      RowFields reader(*chunk, i);
      read_audit_into(reader, row);
      // Each row keeps its own seq: a gap in old rows stays visible to verify.
      auto hash = hasher.hash(head.hash, row.seq, row);
      if (!hash.ok()) return hash.error();
      hashes.int64(row.seq).text(head.hash).text(*hash).end_row();
      head.seq = row.seq;
      head.hash = std::move(*hash);
    }
    params.clear();
    hashes.add_to(params);
    if (auto r = conn.query(update, params, "backfill audit chain: update"); !r.ok()) {
      return r.error();
    }
  }
  if (auto st = set_head(conn, head, "backfill audit chain: write head"); !st.ok()) return st;
  auto r = conn.exec("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change",
                     "enable the audit_log append-only trigger");
  return core::status_of(r);
}

}  // namespace alertd::sinks::postgres
