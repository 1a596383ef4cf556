#include "sinks/store/postgres/postgres_store.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_map>

#include "core/fingerprint.h"
#include "sinks/store/label_json.h"
#include "sinks/store/lease_pool.h"
#include "sinks/store/postgres/audit_log.h"
#include "sinks/store/postgres/migrations.h"
#include "sinks/store/postgres/pg_conn.h"
#include "sinks/store/postgres/problems.h"
#include "sinks/store/postgres/retention.h"
#include "sinks/store/postgres/rows.h"
#include "sinks/store/postgres/silences.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks {

namespace {

using postgres::ColumnArrays;
using postgres::Connection;
using postgres::Params;
using postgres::Rows;

constexpr size_t kMaxReadConnections = 64;
constexpr size_t kMaxListLimit = 1000;

// Which optional filters a list query has: one SQL text per shape.
enum ListShape : unsigned { kByStatus = 1, kByService = 2, kByPriority = 4, kBefore = 8 };
constexpr size_t kListShapes = 16;

// As in SQLite: the predicate of the partial index incidents_active, word for word.
constexpr std::string_view kActive = "status NOT IN ('resolved', 'closed')";

std::string list_sql(unsigned shape) {
  std::string sql = "SELECT " + schema::incident_select() + " FROM incidents WHERE tenant = $1";
  int next = 2;
  auto param = [&] { return "$" + std::to_string(next++); };
  if (shape & kByStatus) sql += " AND status = " + param();
  if (shape & kByService) sql += " AND service = " + param();
  if (shape & kByPriority) sql += " AND priority = " + param();
  if (shape & kBefore) sql += " AND seq < " + param();
  sql += " ORDER BY seq DESC LIMIT " + param();
  return sql;
}

/// Every statement, built once from the column lists of rows.h.
struct Statements {
  Statements() {
    using namespace postgres;
    const std::string& incident_cols = schema::incident_select();
    const std::string& member_cols = schema::member_select();
    incident_by_id = "SELECT " + incident_cols + " FROM incidents WHERE id = $1";
    members_of = "SELECT " + member_cols + " FROM incident_members WHERE incident_seq = $1" +
                 " ORDER BY " + std::string(postgres::kMemberOrder);
    timeline =
        "SELECT " + schema::audit_select() + " FROM audit_log WHERE incident_id = $1 ORDER BY seq";
    active_incidents = "SELECT " + incident_cols + " FROM incidents WHERE " + std::string(kActive) +
                       " ORDER BY seq";
    active_members = "SELECT incident_seq, " + member_cols +
                     " FROM incident_members WHERE incident_seq IN (SELECT seq FROM incidents "
                     "WHERE " +
                     std::string(kActive) + ") ORDER BY incident_seq, " +
                     std::string(postgres::kMemberOrder);
    max_seq = std::string(kMaxIncidentSeqSql);
    opened_since =
        "SELECT " + incident_cols +
        " FROM incidents WHERE tenant = $1 AND opened_at >= $2 ORDER BY opened_at LIMIT $3";
    for (unsigned shape = 0; shape < kListShapes; ++shape) list[shape] = list_sql(shape);
  }
  std::string incident_by_id, members_of, timeline, active_incidents, active_members, max_seq;
  std::string opened_since;
  std::array<std::string, kListShapes> list;
};

const Statements& sql() {
  static const Statements statements;
  return statements;
}

core::Status run_schema_check(Connection& conn) {
  return postgres::run_migrations(conn);
}

struct MemberKey {
  int64_t seq;
  uint64_t fingerprint;
  bool operator==(const MemberKey&) const = default;
};
struct MemberKeyHash {
  size_t operator()(const MemberKey& k) const {
    return std::hash<uint64_t>()(k.fingerprint ^
                                 (static_cast<uint64_t>(k.seq) * 0x9E3779B97F4A7C15));
  }
};

/// The writer connection and the buffers apply() reuses for every batch.
struct Writer {
  explicit Writer(std::shared_ptr<const postgres::Target> target)
      : conn(std::move(target), run_schema_check) {}
  Connection conn;
  ColumnArrays incidents{schema::kIncidents.columns.size()};
  ColumnArrays members{schema::kMembers.columns.size() + 1};  // kMemberOwner first
  postgres::ArraysWriter fields;
  // The batch's audit entries in order, numbered and chained as they are appended.
  std::vector<const core::AuditEntry*> audit_entries;
  postgres::AuditAppender audit;
  Params params;
  simdjson::dom::parser parser;
  // One row per incident and per member of a batch: a statement's ON
  // CONFLICT cannot update one row twice, so the last update of each wins,
  // as it would have with one statement per update.
  std::unordered_map<int64_t, size_t> incident_slot;
  std::vector<const core::Incident*> incident_rows;
  std::unordered_map<MemberKey, size_t, MemberKeyHash> member_slot;
  std::vector<std::pair<int64_t, const core::Member*>> member_rows;
};

struct Reader {
  explicit Reader(std::shared_ptr<const postgres::Target> target)
      : conn(std::move(target), run_schema_check) {}
  Connection conn;
  Params params;
  simdjson::dom::parser parser;
};

/// A read transaction, so the statements of one call see one commit.
class Snapshot {
 public:
  explicit Snapshot(Connection& conn) : conn_(conn) {}
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot() {
    if (open_ && conn_.in_transaction()) conn_.rollback();  // nothing to keep
  }
  core::Status begin() {
    auto r = conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read");
    open_ = r.ok();
    return core::status_of(r);
  }

 private:
  Connection& conn_;
  bool open_ = false;
};

class PostgresIncidentStore final : public IncidentStore {
 public:
  explicit PostgresIncidentStore(std::shared_ptr<const postgres::Target> target)
      : target_(target), writer_(target) {}

  core::Status connect(size_t readers) {
    if (auto st = writer_.conn.ensure(); !st.ok()) return st;
    for (size_t i = 0; i < readers; ++i) {
      auto reader = std::make_unique<Reader>(target_);
      if (auto st = reader->conn.ensure(); !st.ok()) return st;
      readers_.add(std::move(reader));
    }
    return {};
  }

  core::Status apply(std::span<const core::IncidentUpdate> batch) override;
  core::Result<IncidentPage> list(const IncidentFilter& filter) override;
  core::Result<std::optional<IncidentDetail>> get(std::string_view id) override;
  core::Result<std::vector<core::AuditEntry>> timeline(std::string_view id) override;
  core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                         core::TimePoint since,
                                                         size_t limit) override;
  core::Result<core::ActiveState> load_active() override;
  core::Result<AuditVerification> verify_audit() override;
  core::Status ping() override;

  core::Result<core::Silence> create_silence(core::Silence silence) override {
    if (auto st = prepare_new_silence(silence, target_->name); !st.ok()) return st.error();
    std::lock_guard lock(write_mu_);
    return postgres::create_silence(writer_.conn, writer_.audit, std::move(silence));
  }
  core::Result<std::vector<core::Silence>> list_silences(const std::string& tenant) override {
    auto lease = readers_.acquire();
    return postgres::list_silences(lease->conn, lease->parser, tenant);
  }
  core::Result<std::optional<core::Silence>> get_silence(std::string_view id) override {
    const auto seq = parse_silence_id(id);
    if (!seq) return std::optional<core::Silence>();
    auto lease = readers_.acquire();
    return postgres::get_silence(lease->conn, lease->parser, *seq);
  }
  core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                            core::TimePoint now,
                                                            std::string_view actor) override {
    const auto seq = parse_silence_id(id);
    if (!seq) return std::optional<core::Silence>();
    std::lock_guard lock(write_mu_);
    return postgres::expire_silence(writer_.conn, writer_.audit, writer_.parser, *seq, now, actor);
  }
  core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) override {
    auto lease = readers_.acquire();
    return postgres::load_silences(lease->conn, lease->parser, now);
  }
  using IncidentStore::load_silences;

  core::Result<std::vector<ProblemLinks>> link_recurring(std::span<const OpenedIncident> opened,
                                                         const core::ProblemPolicy& policy,
                                                         core::TimePoint now) override {
    std::lock_guard lock(write_mu_);
    return postgres::link_recurring(writer_.conn, writer_.audit, opened, policy, now);
  }
  core::Result<ProblemPage> list_problems(const ProblemFilter& filter) override {
    auto lease = readers_.acquire();
    return postgres::list_problems(lease->conn, filter);
  }
  core::Result<std::optional<ProblemDetail>> get_problem(std::string_view id) override;
  core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                 const ProblemEdit& edit) override {
    std::lock_guard lock(write_mu_);
    return postgres::edit_problem(writer_.conn, writer_.audit, id, edit);
  }
  core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                    core::TimePoint now, const Archiver& archive) override {
    std::lock_guard lock(write_mu_);
    return postgres::purge_closed(writer_.conn, writer_.audit, writer_.parser, closed_before, limit,
                                  now, archive);
  }

 private:
  core::Status stage(std::span<const core::IncidentUpdate> batch);
  core::Status write_staged();
  core::Error invalid(std::string what) const {
    return core::Error{"store_invalid_input", target_->name + ": " + std::move(what)};
  }

  std::shared_ptr<const postgres::Target> target_;
  std::mutex write_mu_;  // every write (batches, silences, problems, retention), one at a time
  Writer writer_;
  LeasePool<Reader> readers_;
};

core::Status PostgresIncidentStore::apply(std::span<const core::IncidentUpdate> batch) {
  if (batch.empty()) return {};
  std::lock_guard lock(write_mu_);
  if (auto st = stage(batch); !st.ok()) return st;
  auto st = write_staged();
  // Undo the partial batch so a retry writes every row, audit entries
  // included, once. (A COMMIT lost with the connection may have landed: its
  // retry then rewrites the same rows and appends the audit entries again.)
  if (!st.ok()) writer_.conn.rollback();
  return st;
}

core::Status PostgresIncidentStore::stage(std::span<const core::IncidentUpdate> batch) {
  Writer& w = writer_;
  w.incident_slot.clear();
  w.incident_rows.clear();
  w.member_slot.clear();
  w.member_rows.clear();
  w.incidents.clear();
  w.members.clear();
  w.audit_entries.clear();
  for (const auto& update : batch) {
    const core::Incident& inc = update.incident;
    if (inc.seq <= 0 || inc.id.empty()) {
      return invalid("incident without seq or id (id '" + inc.id + "', seq " +
                     std::to_string(inc.seq) + ")");
    }
    auto [slot, fresh] = w.incident_slot.try_emplace(inc.seq, w.incident_rows.size());
    if (fresh) {
      w.incident_rows.push_back(&inc);
    } else {
      w.incident_rows[slot->second] = &inc;
    }
    for (const auto& m : update.members) {
      if (!labels_are_utf8(m.labels) || !labels_are_utf8(m.annotations)) {
        return invalid("member " + core::fingerprint_hex(m.fingerprint) + " of incident seq " +
                       std::to_string(inc.seq) +
                       " has labels or annotations that are not valid UTF-8");
      }
      auto [mslot, mfresh] =
          w.member_slot.try_emplace(MemberKey{inc.seq, m.fingerprint}, w.member_rows.size());
      if (mfresh) {
        w.member_rows.emplace_back(inc.seq, &m);
      } else {
        w.member_rows[mslot->second].second = &m;
      }
    }
    for (const auto& entry : update.audit) w.audit_entries.push_back(&entry);
  }
  for (const auto* inc : w.incident_rows) postgres::write_incident(w.fields, w.incidents, *inc);
  for (const auto& [seq, m] : w.member_rows) postgres::write_member(w.fields, w.members, seq, *m);
  return {};
}

core::Status PostgresIncidentStore::write_staged() {
  Writer& w = writer_;
  // The audit entries first, in the round trip of BEGIN: the head row stays
  // locked until COMMIT, whatever else the batch writes.
  if (w.audit_entries.empty()) {
    if (auto r = w.conn.exec("BEGIN", "begin write transaction"); !r.ok()) return r.error();
  } else if (auto st = w.audit.append(w.conn, w.audit_entries, "BEGIN"); !st.ok()) {
    return st;
  }
  const std::pair<ColumnArrays*, std::pair<const std::string*, std::string_view>> tables[] = {
      {&w.incidents, {&postgres::upsert_incidents_sql(), "upsert incidents"}},
      {&w.members, {&postgres::upsert_members_sql(), "upsert members"}},
  };
  for (const auto& [rows, statement] : tables) {
    if (rows->rows() == 0) continue;
    w.params.clear();
    rows->add_to(w.params);
    if (auto r = w.conn.query(*statement.first, w.params, statement.second); !r.ok()) {
      return r.error();
    }
  }
  if (auto r = w.conn.exec("COMMIT", "commit"); !r.ok()) return r.error();
  return {};
}

core::Result<IncidentPage> PostgresIncidentStore::list(const IncidentFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  unsigned shape = 0;
  auto lease = readers_.acquire();
  Params& p = lease->params;
  p.clear();
  p.text(filter.tenant);
  // Parameters in the order list_sql() numbers them.
  if (filter.status) {
    shape |= kByStatus;
    p.text(core::to_string(*filter.status));
  }
  if (filter.service) {
    shape |= kByService;
    p.text(*filter.service);
  }
  if (filter.priority) {
    shape |= kByPriority;
    p.text(core::to_string(*filter.priority));
  }
  if (filter.before_seq) {
    shape |= kBefore;
    p.int64(*filter.before_seq);
  }
  // One row more than asked tells whether another page exists.
  p.int64(static_cast<int64_t>(limit + 1));
  auto rows = lease->conn.query(sql().list[shape], p, "list incidents");
  if (!rows.ok()) return rows.error();

  IncidentPage page;
  for (int i = 0; i < rows->size(); ++i) {
    postgres::RowFields row(*rows, i);
    auto incident = postgres::read_incident(row);
    if (!incident.ok()) return incident.error();
    page.incidents.push_back(std::move(*incident));
  }
  if (page.incidents.size() > limit) {
    page.incidents.pop_back();
    page.next_cursor = page.incidents.back().seq;
  }
  return page;
}

core::Result<std::vector<core::Incident>> PostgresIncidentStore::opened_since(
    const std::string& tenant, core::TimePoint since, size_t limit) {
  auto lease = readers_.acquire();
  Params& p = lease->params;
  p.clear();
  p.text(tenant);
  p.time(since);
  p.int64(static_cast<int64_t>(limit));
  auto rows = lease->conn.query(sql().opened_since, p, "read incidents opened since");
  if (!rows.ok()) return rows.error();
  std::vector<core::Incident> out;
  for (int i = 0; i < rows->size(); ++i) {
    postgres::RowFields row(*rows, i);
    auto incident = postgres::read_incident(row);
    if (!incident.ok()) return incident.error();
    out.push_back(std::move(*incident));
  }
  return out;
}

core::Result<std::optional<IncidentDetail>> PostgresIncidentStore::get(std::string_view id) {
  auto lease = readers_.acquire();
  Snapshot snapshot(lease->conn);  // incident and members from the same commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  Params& p = lease->params;
  p.clear();
  p.text(id);
  auto incident_rows = lease->conn.query(sql().incident_by_id, p, "get incident");
  if (!incident_rows.ok()) return incident_rows.error();
  if (incident_rows->size() == 0) return std::optional<IncidentDetail>();
  IncidentDetail detail;
  postgres::RowFields incident_row(*incident_rows, 0);
  auto incident = postgres::read_incident(incident_row);
  if (!incident.ok()) return incident.error();
  detail.incident = std::move(*incident);

  p.clear();
  p.int64(detail.incident.seq);
  auto member_rows = lease->conn.query(sql().members_of, p, "get incident members");
  if (!member_rows.ok()) return member_rows.error();
  for (int i = 0; i < member_rows->size(); ++i) {
    postgres::RowFields row(*member_rows, i, 0, &lease->parser);
    auto member = postgres::read_member(row);
    if (!member.ok()) return member.error();
    detail.members.push_back(std::move(*member));
  }
  return std::optional<IncidentDetail>(std::move(detail));
}

core::Result<std::vector<core::AuditEntry>> PostgresIncidentStore::timeline(std::string_view id) {
  auto lease = readers_.acquire();
  lease->params.clear();
  lease->params.text(id);
  auto rows = lease->conn.query(sql().timeline, lease->params, "read timeline");
  if (!rows.ok()) return rows.error();
  std::vector<core::AuditEntry> entries;
  entries.reserve(static_cast<size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) {
    postgres::RowFields row(*rows, i);
    entries.push_back(postgres::read_audit(row));
  }
  return entries;
}

core::Result<core::ActiveState> PostgresIncidentStore::load_active() {
  auto lease = readers_.acquire();
  Connection& conn = lease->conn;
  Snapshot snapshot(conn);  // incidents, members and max_seq agree
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  const Params none;

  core::ActiveState state;
  auto incident_rows = conn.query(sql().active_incidents, none, "load active incidents");
  if (!incident_rows.ok()) return incident_rows.error();
  for (int i = 0; i < incident_rows->size(); ++i) {
    postgres::RowFields row(*incident_rows, i);
    auto incident = postgres::read_incident(row);
    if (!incident.ok()) return incident.error();
    state.incidents.push_back(std::move(*incident));
  }
  // Both queries order by seq, so each member's incident is found by a
  // forward walk over state.incidents.
  auto member_rows = conn.query(sql().active_members, none, "load active members");
  if (!member_rows.ok()) return member_rows.error();
  size_t owner = 0;
  for (int i = 0; i < member_rows->size(); ++i) {
    const int64_t seq = member_rows->int64(i, 0);
    while (owner < state.incidents.size() && state.incidents[owner].seq < seq) ++owner;
    if (owner == state.incidents.size() || state.incidents[owner].seq != seq) continue;
    postgres::RowFields row(*member_rows, i, 1, &lease->parser);
    auto member = postgres::read_member(row);
    if (!member.ok()) return member.error();
    state.members.emplace_back(state.incidents[owner].id, std::move(*member));
  }
  auto max_seq = conn.query(sql().max_seq, none, "read max seq");
  if (!max_seq.ok()) return max_seq.error();
  state.max_seq = max_seq->int64(0, 0);
  return state;
}

core::Result<AuditVerification> PostgresIncidentStore::verify_audit() {
  auto lease = readers_.acquire();
  // The head and the rows from one snapshot: a batch committed meanwhile
  // would otherwise look like rows beyond the head.
  Snapshot snapshot(lease->conn);
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  return postgres::verify_audit_log(lease->conn);
}

core::Result<std::optional<ProblemDetail>> PostgresIncidentStore::get_problem(std::string_view id) {
  const auto seq = core::parse_problem_id(id);
  if (!seq) return std::optional<ProblemDetail>();
  auto lease = readers_.acquire();
  Snapshot snapshot(lease->conn);  // the problem and its links from one commit
  if (auto st = snapshot.begin(); !st.ok()) return st.error();
  return postgres::get_problem(lease->conn, *seq);
}

core::Status PostgresIncidentStore::ping() {
  auto lease = readers_.acquire();
  auto r = lease->conn.exec("SELECT 1", "ping");
  return core::status_of(r);
}

}  // namespace

core::Result<std::string> describe_postgres_target(const std::string& conninfo) {
  auto target = postgres::parse_target(conninfo);
  if (!target.ok()) return target.error();
  return target->name;
}

core::Result<std::unique_ptr<IncidentStore>> open_postgres_store(const PostgresOptions& options) {
  auto target = postgres::parse_target(options.conninfo);
  if (!target.ok()) return target.error();
  if (PQisthreadsafe() == 0) {
    return core::Error{"store_open", target->name + ": libpq was built without thread support"};
  }
  auto shared = std::make_shared<const postgres::Target>(std::move(*target));
  auto store = std::make_unique<PostgresIncidentStore>(shared);
  const size_t readers = std::clamp<size_t>(options.read_connections, 1, kMaxReadConnections);
  if (auto st = store->connect(readers); !st.ok()) return st.error();
  return std::unique_ptr<IncidentStore>(std::move(store));
}

}  // namespace alertd::sinks
