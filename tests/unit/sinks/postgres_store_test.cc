// The PostgreSQL backend: its TestDb for the conformance suite
// (store_conformance.h), and what only a server store has: lost connections,
// unreachable servers, conninfo text that must not be echoed, migrations
// raced by two openers.
//
// Needs a server: ALERTD_TEST_PG (a conninfo) is set by
// tests/support/with_postgres.sh, through which CTest runs this binary.
// Without it every test fails (never skips) and says so.
#include "sinks/store/postgres/postgres_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "schema_check.h"
#include "sinks/store/audit_chain.h"
#include "sinks/store/postgres/migrations.h"
#include "sinks/store/postgres/pg_conn.h"
#include "store_conformance.h"
#include "store_test_util.h"

namespace alertd::sinks {
namespace {

using namespace testing;  // NOLINT: the helpers of store_test_util.h
using postgres::Connection;

/// The conninfo of the test server's database, or a test failure.
std::string base_conninfo() {
  const char* base = std::getenv("ALERTD_TEST_PG");
  if (base == nullptr || *base == '\0') {
    ADD_FAILURE() << "ALERTD_TEST_PG is not set: run this test through "
                     "tests/support/with_postgres.sh (ctest does), which starts a "
                     "throwaway PostgreSQL server and sets it";
    return "";
  }
  return base;
}

std::unique_ptr<Connection> connect_raw(const std::string& conninfo) {
  auto target = postgres::parse_target(conninfo);
  EXPECT_TRUE(target.ok()) << (target.ok() ? "" : target.error().message);
  if (!target.ok()) return nullptr;
  return std::make_unique<Connection>(std::make_shared<const postgres::Target>(*target), nullptr);
}

/// A schema of its own per test in the test database, found through
/// search_path (so the store also works outside "public"); dropped after.
class PgTestDb final : public TestDb {
 public:
  static std::unique_ptr<PgTestDb> make() {
    const std::string base = base_conninfo();
    if (base.empty()) return nullptr;
    auto db = std::unique_ptr<PgTestDb>(new PgTestDb(base));
    auto created = db->admin_->exec("CREATE SCHEMA " + db->schema_, "create test schema");
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? std::move(db) : nullptr;
  }
  ~PgTestDb() override {
    raw_.reset();
    (void)admin_->exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE", "drop test schema");
  }

  std::unique_ptr<Store> open(size_t read_connections) override {
    auto store = open_postgres_store({store_conninfo_, read_connections});
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<Store> open_audited(size_t read_connections,
                                      const AuditSettings& audit) override {
    auto store = open_postgres_store({store_conninfo_, read_connections, audit});
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
  }
  core::Status exec(const std::string& sql) override {
    auto r = raw().exec(sql, "test sql");
    return r.ok() ? core::Status() : core::Status(r.error());
  }
  core::Result<int64_t> query_int(const std::string& sql) override {
    auto rows = raw().exec(sql, "test query");
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return core::Error{"store_error", "no row: " + sql};
    const auto text = rows->text(0, 0);
    if (text == "t" || text == "f") return text == "t" ? 1 : 0;
    return rows->int64(0, 0);
  }
  std::string name_in_errors() const override {
    return postgres::parse_target(store_conninfo_)->name;
  }
  core::Status check_integrity() override { return {}; }  // indexes are transactional
  core::Status disable_audit_triggers() override {
    return exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change");
  }

  const std::string& store_conninfo() const { return store_conninfo_; }

  /// Ends every connection a store has to the server (they carry the
  /// application name "alertd"), as a server restart or failover would.
  int64_t terminate_store_connections() {
    auto rows = admin_->exec(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'alertd' AND pid <> pg_backend_pid()",
        "terminate store connections");
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    // pg_terminate_backend only signals: wait until the backends are gone,
    // so the store's next call surely meets a closed connection.
    for (int i = 0; i < 500; ++i) {
      auto left = admin_->exec(
          "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'alertd'", "count");
      if (!left.ok() || left->int64(0, 0) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return rows.ok() ? rows->int64(0, 0) : -1;
  }

 private:
  explicit PgTestDb(const std::string& base) {
    static std::atomic<int> counter{0};
    schema_ = "alertd_t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    store_conninfo_ = base + " options='-c search_path=" + schema_ + "'";
    admin_ = connect_raw(base + " application_name=alertd_test");
  }
  Connection& raw() {
    if (!raw_) raw_ = connect_raw(store_conninfo_ + " application_name=alertd_test");
    return *raw_;
  }

  std::string schema_;
  std::string store_conninfo_;
  std::unique_ptr<Connection> admin_;
  std::unique_ptr<Connection> raw_;
};

const Backend kPostgres{"Postgres", []() -> std::unique_ptr<TestDb> { return PgTestDb::make(); }};

}  // namespace

namespace testing {
ALERTD_INSTANTIATE_STORE_SUITES(Postgres, kPostgres);
}  // namespace testing

namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = PgTestDb::make();
    ASSERT_NE(db_, nullptr);
    store_ = db_->open(4);
    ASSERT_NE(store_, nullptr);
  }
  int64_t count_of(const std::string& sql) {
    auto n = db_->query_int(sql);
    EXPECT_TRUE(n.ok()) << sql << ": " << (n.ok() ? "" : n.error().message);
    return n.ok() ? *n : -1;
  }
  std::unique_ptr<PgTestDb> db_;
  std::unique_ptr<Store> store_;
};

/// Calls `op` until it succeeds, at most `tries` times; every failure must
/// be a lost connection. Returns how many calls failed, or -1.
template <typename Op>
int retry_until_ok(Op op, int tries) {
  for (int failed = 0; failed < tries; ++failed) {
    core::Status st = op();
    if (st.ok()) return failed;
    EXPECT_EQ(st.error().reason, "store_unavailable") << st.error().message;
  }
  return -1;
}

// A server restart or failover ends every connection. Each call on a lost
// connection fails with store_unavailable (never throws), the next one on it
// reconnects, and nothing written before or retried after is lost or doubled.
TEST_F(PostgresStoreTest, ReconnectsAfterItsConnectionsAreTerminated) {
  std::vector<core::IncidentUpdate> before = {
      make_update(make_incident(1), {make_member("A", 1)}, {make_audit("INC-1", "create", 1)})};
  ASSERT_TRUE(store_->apply(before).ok());
  ASSERT_GT(db_->terminate_store_connections(), 0);

  // The writer's connection is gone: the batch fails whole, then lands once.
  std::vector<core::IncidentUpdate> after = {
      make_update(make_incident(2), {make_member("B", 2)}, {make_audit("INC-2", "create", 2)})};
  EXPECT_EQ(retry_until_ok([&] { return store_->apply(after); }, 3), 1);
  // Four readers, each lost: reads fail at most once per reader.
  EXPECT_GE(retry_until_ok(
                [&] {
                  auto got = store_->get("INC-2");
                  return got.ok() ? core::Status() : core::Status(got.error());
                },
                6),
            0);
  for (int i = 0; i < 6; ++i) (void)store_->ping();  // every reader reconnected now
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM incidents"), 2);
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM audit_log"), 2);
  auto got = store_->get("INC-2");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->members.size(), 1u);
  auto silence = store_->create_silence(make_silence({"a=\"1\""}, 1000, 2000));
  ASSERT_TRUE(silence.ok()) << silence.error().message;
}

TEST_F(PostgresStoreTest, PingReportsALostServerAndRecovers) {
  ASSERT_TRUE(store_->ping().ok());
  ASSERT_GT(db_->terminate_store_connections(), 0);
  auto lost = store_->ping();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().reason, "store_unavailable");
  EXPECT_NE(lost.error().message.find(db_->name_in_errors()), std::string::npos)
      << lost.error().message;
  EXPECT_GE(retry_until_ok([&] { return store_->ping(); }, 6), 0);
}

TEST(PostgresOpen, UnreachableServerIsUnavailableAndThePasswordIsNotShown) {
  // A port nothing listens on: bound, then closed again.
  const int port = [] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
  }();
  auto store =
      open_postgres_store({"host=127.0.0.1 port=" + std::to_string(port) +
                           " dbname=alertd user=alertd password=s3cret-pw connect_timeout=2"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().reason, "store_unavailable");
  EXPECT_NE(store.error().message.find("alertd@127.0.0.1:" + std::to_string(port) + "/alertd"),
            std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find("s3cret-pw"), std::string::npos) << store.error().message;
}

TEST(PostgresOpen, UnparsableConninfoIsRefusedWithoutEchoingIt) {
  for (const char* bad : {"host=x password='s3cret unterminated", "password s3cret", "bogus=1"}) {
    auto store = open_postgres_store({bad});
    ASSERT_FALSE(store.ok()) << bad;
    EXPECT_EQ(store.error().reason, "store_open") << bad;
    EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
  }
  auto empty = open_postgres_store({""});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().reason, "store_open");
}

TEST_F(PostgresStoreTest, MigrationsAreRecordedOnceAndReopenKeepsData) {
  ASSERT_TRUE(store_->apply(std::vector{make_update(make_incident(7))}).ok());
  for (int i = 0; i < 2; ++i) {
    store_.reset();
    store_ = db_->open(1);
    ASSERT_NE(store_, nullptr);
  }
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM schema_migrations"), postgres::latest_schema_version());
  EXPECT_EQ(count_of("SELECT MAX(version) FROM schema_migrations"),
            postgres::latest_schema_version());
  auto got = store_->get("INC-7");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
}

TEST_F(PostgresStoreTest, ColumnTableMatchesTheMigratedTables) {
  SchemaCheck(schema::Dialect::postgres, [&](const std::string& sql) {
    return count_of(sql);
  }).expect_all_tables();
}

TEST_F(PostgresStoreTest, RefusesADatabaseFromANewerBinary) {
  store_.reset();
  const int future = postgres::latest_schema_version() + 1;
  ASSERT_TRUE(
      db_->exec("INSERT INTO schema_migrations (version) VALUES (" + std::to_string(future) + ")")
          .ok());
  auto store = open_postgres_store({db_->store_conninfo()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().reason, "store_schema");
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

// Two daemons starting on one new database: the advisory lock lets one
// apply the migrations; the other waits and finds nothing to do.
TEST(PostgresMigrations, ConcurrentOpenersOfANewDatabaseBothSucceed) {
  auto db = PgTestDb::make();
  ASSERT_NE(db, nullptr);
  std::vector<std::string> errors(4);
  std::vector<std::thread> openers;
  for (auto& error : errors) {
    openers.emplace_back([&db, &error] {
      auto store = open_postgres_store({db->store_conninfo(), 1});
      if (!store.ok()) error = store.error().message;
    });
  }
  for (auto& t : openers) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  auto n = db->query_int("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, postgres::latest_schema_version());
}

TEST_F(PostgresStoreTest, TruncateCannotEmptyTheAuditLogOrSilences) {
  ASSERT_TRUE(store_
                  ->apply(std::vector{
                      make_update(make_incident(1), {}, {make_audit("INC-1", "create", 1)})})
                  .ok());
  ASSERT_TRUE(store_->create_silence(make_silence({"a=\"1\""}, 1000, 2000)).ok());
  for (const char* sql : {"TRUNCATE audit_log", "TRUNCATE silences"}) {
    auto st = db_->exec(sql);
    ASSERT_FALSE(st.ok()) << sql;
    EXPECT_EQ(st.error().reason, "store_constraint") << sql;
  }
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM audit_log"), 2);  // the incident's and the silence's
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM silences"), 1);
}

/// A database as a version-2 binary left it: exactly the first two migrations,
/// and `old_rows` audit rows numbered by the identity, without hashes.
std::unique_ptr<PgTestDb> version_two_db(int old_rows) {
  auto db = PgTestDb::make();
  if (db == nullptr) return nullptr;
  auto conn = connect_raw(db->store_conninfo());
  auto st = postgres::run_migrations(*conn, postgres::migrations().first(2));
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  auto rows = conn->exec(
      "INSERT INTO audit_log (incident_id, at, actor, action, detail) "
      "SELECT 'INC-' || (i % 7 + 1), CASE WHEN i % 10 = 0 THEN NULL ELSE 1767225600000 + i END, "
      "'alertd', 'member_added', '{\"i\":' || i || '}' FROM generate_series(1, " +
          std::to_string(old_rows) + ") AS i",
      "write v2 audit rows");
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
  return db;
}

// A database written before the chain existed gets every old row hashed in
// seq order on open, in chunks, and the append-only trigger back.
TEST(PostgresAuditMigration, BackfillsAVerifyingChainFromVersionTwo) {
  constexpr int64_t kOldRows = 2500;  // more than one backfill chunk
  auto db = version_two_db(kOldRows);
  ASSERT_NE(db, nullptr);
  auto store = db->open(2);
  ASSERT_NE(store, nullptr);
  auto v = store->verify_audit();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, kOldRows);
  auto t = store->timeline("INC-1");
  ASSERT_TRUE(t.ok());
  ASSERT_FALSE(t->empty());
  EXPECT_EQ(t->front().hash.size(), 64u);

  // New entries chain onto the backfilled head.
  ASSERT_TRUE(store
                  ->apply(std::vector{
                      make_update(make_incident(1), {}, {make_audit("INC-1", "status_change", 1)})})
                  .ok());
  v = store->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, kOldRows + 1);

  // The append-only trigger is enabled again.
  auto update = db->exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().message.find("append-only"), std::string::npos);
  auto version = db->query_int("SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, postgres::latest_schema_version());
}

TEST(PostgresAuditMigration, EmptyVersionTwoLogGetsAGenesisHead) {
  auto db = version_two_db(0);
  ASSERT_NE(db, nullptr);
  auto store = db->open(1);
  ASSERT_NE(store, nullptr);
  auto v = store->verify_audit();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 0);
  EXPECT_EQ(v->head_hash, kAuditGenesisHash);
  auto head = db->query_int("SELECT COUNT(*) FROM audit_head");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, 1);
}

// A database of the release before the write-ahead journal (version 5)
// upgrades on open: old members read as not journaled and give no marks;
// members written after carry their position, which load_journal_marks reads.
TEST(PostgresJournalMigration, UpgradesVersionFiveMembersToJournalPositions) {
  auto db = PgTestDb::make();
  ASSERT_NE(db, nullptr);
  {
    auto conn = connect_raw(db->store_conninfo());
    ASSERT_NE(conn, nullptr);
    auto st = postgres::run_migrations(*conn, postgres::migrations().first(5));
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  const char* v5_rows = R"sql(
    INSERT INTO incidents (seq, id, tenant, title, service, status, priority, severity,
      group_key, rule, opened_at, updated_at, last_alert_at, alert_count, firing_count)
    VALUES (1, 'INC-1', 'default', 'old', 'db', 'resolved', 'P2', 'sev2', '{service="db"}',
      'default', 1767225600000, 1767225600000, 1767225600000, 1, 0);
    INSERT INTO incident_members (incident_seq, fingerprint, labels, annotations, status,
      source, first_seen, last_seen, resolved_at, event_count)
    VALUES (1, '00000000000000ab', '{"alertname":"Old"}', '{}', 'resolved', 'prometheus',
      1767225600000, 1767225600000, 1767225600000, 3);
  )sql";
  ASSERT_TRUE(db->exec(v5_rows).ok());

  auto store = db->open(1);
  ASSERT_NE(store, nullptr);
  auto detail = get_ok(*store, "INC-1");
  ASSERT_EQ(detail.members.size(), 1u);
  EXPECT_EQ(detail.members[0].journal_pos, 0u);
  auto marks = store->load_journal_marks(0);
  ASSERT_TRUE(marks.ok()) << marks.error().message;
  EXPECT_TRUE(marks->empty());

  core::Member member = detail.members[0];
  member.journal_pos = core::journal_position(12, 4);
  ASSERT_TRUE(store->apply(std::vector{make_update(detail.incident, {member})}).ok());
  marks = store->load_journal_marks(0);
  ASSERT_TRUE(marks.ok()) << marks.error().message;
  EXPECT_EQ(*marks, (std::vector<core::JournalMark>{{"default", 0xab, member.journal_pos}}));
  auto version = db->query_int("SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, postgres::latest_schema_version());
  auto index = db->query_int(
      "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND "
      "indexname = 'incident_members_journal_pos'");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, 1);
}

// PostgreSQL text cannot hold a NUL byte; libpq would cut the value at it.
// The store refuses such text instead of storing less than it was given.
TEST_F(PostgresStoreTest, TextWithANulByteIsRefusedNotCut) {
  core::Silence s = make_silence({"a=\"1\""}, 1000, 2000);
  s.comment = std::string("before\0after", 12);
  auto created = store_->create_silence(s);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().reason, "store_invalid_input");
  // Refused inside the write transaction (it had locked the audit head):
  // rolled back, no entry, the head where it was, the writer usable.
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM silences"), 0);
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM audit_log"), 0);
  EXPECT_EQ(count_of("SELECT seq FROM audit_head WHERE id = 1"), 0);
  s.comment = "after";
  ASSERT_TRUE(store_->create_silence(s).ok());
  EXPECT_EQ(count_of("SELECT seq FROM audit_head WHERE id = 1"), 1);
  core::Incident inc = make_incident(1);
  inc.title = std::string("a\0b", 3);
  auto st = store_->apply(std::vector{make_update(inc)});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_invalid_input");
  EXPECT_EQ(count_of("SELECT COUNT(*) FROM incidents"), 0);
}

}  // namespace
}  // namespace alertd::sinks
