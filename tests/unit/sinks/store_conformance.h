#pragma once
// The store conformance suite: every Store backend must pass the same
// tests (store_test.cc, store_list_test.cc, store_silences_test.cc,
// store_concurrency_test.cc, store_audit_test.cc, store_anchor_test.cc, store_problems_test.cc,
// store_retention_test.cc, store_journal_test.cc, store_poison_test.cc,
// store_pages_test.cc, store_notify_test.cc, store_shared_test.cc). A backend provides a
// TestDb per test (a fresh, empty database) and instantiates the suites with
// ALERTD_INSTANTIATE_STORE_SUITES: SQLite in sqlite_store_test.cc,
// PostgreSQL in postgres_store_test.cc, the in-memory fake of tests/support
// in fake_store_test.cc.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "sinks/store/audit_anchor.h"
#include "sinks/store/store.h"
#include "store_test_util.h"

namespace alertd::sinks::testing {

/// One test's database: fresh and empty when made, removed with the object.
class TestDb {
 public:
  virtual ~TestDb() = default;
  /// Opens a store on this database; opening again sees what was written.
  virtual std::unique_ptr<Store> open(size_t read_connections) = 0;
  /// Runs SQL on an independent connection, as an operator's shell would.
  /// Errors carry the store's reasons (store_constraint for a trigger's refusal).
  virtual core::Status exec(const std::string& sql) = 0;
  /// The first column of the first row as an integer (true/false as 1/0).
  virtual core::Result<int64_t> query_int(const std::string& sql) = 0;
  /// What the store's error messages name the database by.
  virtual std::string name_in_errors() const = 0;
  /// The backend's own consistency check of tables and indexes.
  virtual core::Status check_integrity() = 0;
  /// Lets exec() update and delete audit_log rows, as someone with full
  /// access to the database could (SQLite: drop the triggers; PostgreSQL:
  /// disable the trigger), so tests can tamper with the chain.
  virtual core::Status disable_audit_triggers() = 0;
  /// Opens a store with the audit chain's key and anchor; nullptr from a
  /// backend that has neither (the fake), whose anchor tests are skipped.
  virtual std::unique_ptr<Store> open_audited(size_t /*read_connections*/,
                                              const AuditSettings& /*audit*/) {
    return nullptr;
  }
};

struct Backend {
  std::string name;  // a test-name part: letters only
  std::function<std::unique_ptr<TestDb>()> make;
  // Whether TestDb::exec runs any SQL, as a shell on the database would. The
  // in-memory fake has no SQL: it answers the suite's row checks only, and
  // skips the tests that change the database behind the store's back.
  bool sql_shell = true;
};

/// At the top of a test that changes the database through TestDb::exec or
/// tamper(): skipped for a backend without an SQL shell.
#define ALERTD_NEEDS_SQL_SHELL()                                      \
  if (!GetParam().sql_shell) {                                        \
    GTEST_SKIP() << GetParam().name << " has no SQL shell to change"; \
  }

inline void PrintTo(const Backend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = GetParam().make();
    ASSERT_NE(db_, nullptr);
    store_ = db_->open(4);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
  }
  /// Closes the store and opens it again on the same database (a restart).
  void reopen(size_t read_connections = 4) {
    store_.reset();
    store_ = db_->open(read_connections);
    ASSERT_NE(store_, nullptr);
  }
  core::Status apply(const std::vector<core::IncidentUpdate>& batch) {
    return store_->apply(batch);
  }
  void apply_ok(const std::vector<core::IncidentUpdate>& batch) {
    testing::apply_ok(*store_, batch);
  }
  IncidentDetail get_ok(const std::string& id) { return testing::get_ok(*store_, id); }
  int64_t count(const std::string& sql) {
    auto n = db_->query_int(sql);
    EXPECT_TRUE(n.ok()) << sql << ": " << (n.ok() ? "" : n.error().message);
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<TestDb> db_;
  std::unique_ptr<Store> store_;
};

// One fixture per file, so test names say which part of the contract failed.
class StoreListTest : public StoreTest {
 protected:
  void SetUp() override;  // store_list_test.cc: 300 incidents
};
class StoreSilencesTest : public StoreTest {};
class StorePagesTest : public StoreTest {
 protected:
  // Defined in store_pages_test.cc.
  static constexpr int kFixtureSilences = 300;  // 250 in "default", 50 in "other"
  void SetUp() override;
  /// The fixture's silence seqs of a tenant (in `state` at the fixture's time), newest first.
  static std::vector<int64_t> expected_silences(const std::string& tenant,
                                                std::optional<core::SilenceState> state);
};
class StoreJournalTest : public StoreTest {};
class StoreConcurrencyTest : public StoreTest {};
class StorePoisonTest : public StoreTest {};  // store_poison_test.cc: hostile values, quarantine
class StoreNotifyTest : public StoreTest {};  // store_notify_test.cc: the notification outbox
class StoreSharedTest : public StoreTest {};  // store_shared_test.cc: several instances, one store
class StoreAuditTest : public StoreTest {
 protected:
  // Defined in store_audit_test.cc.
  void apply_three_batches();  // 7 audit entries over incidents 1..3
  AuditVerification verify_ok();
  /// Runs SQL with the append-only triggers out of the way (TestDb::disable_audit_triggers).
  void tamper(const std::string& sql);
  /// Every entry of incidents 1..3, by seq.
  std::vector<core::AuditEntry> all_entries();
};

class StoreAnchorTest : public StoreTest {
 protected:
  // Defined in store_anchor_test.cc.
  void SetUp() override;
  /// Reopens the store with `key` ("" for none) and the anchor file.
  void reopen_audited(const std::string& key = "");
  /// 7 audit entries over three batches, as StoreAuditTest's.
  void apply_three_batches();
  AuditVerification verify_ok(bool full = false);
  void tamper(const std::string& sql);
  std::optional<AuditChainHead> anchor();
  std::vector<core::AuditEntry> entries();  // of incidents 1..3, by seq

  std::unique_ptr<TempDir> dir_;
  std::string anchor_path_;
  std::string key_;  // the key the store is open with
};

class StoreProblemsTest : public StoreTest {
 protected:
  // Defined in store_problems_test.cc.
  /// Stores incident `seq` of group key `key` opened at `opened_ms`.
  core::OpenedIncident open_incident(int64_t seq, const std::string& key, int64_t opened_ms,
                                     const std::string& tenant = "default");
  std::vector<core::ProblemLinks> link(const std::vector<core::OpenedIncident>& opened,
                                       core::ProblemPolicy policy = {});
  ProblemDetail problem_ok(const std::string& id);
};
class StoreRetentionTest : public StoreTest {
 protected:
  // Defined in store_retention_test.cc.
  /// Stores incident `seq` closed at `closed_ms` with one member and an audit entry.
  void closed_incident(int64_t seq, int64_t closed_ms);
  size_t purge(int64_t before_ms, size_t limit, const Archiver& archive = nullptr);
};

}  // namespace alertd::sinks::testing

#define ALERTD_INSTANTIATE_STORE_SUITES(prefix, backend)                             \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreTest, ::testing::Values(backend),            \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreListTest, ::testing::Values(backend),        \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreSilencesTest, ::testing::Values(backend),    \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreConcurrencyTest, ::testing::Values(backend), \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreAuditTest, ::testing::Values(backend),       \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreAnchorTest, ::testing::Values(backend),      \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreProblemsTest, ::testing::Values(backend),    \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreRetentionTest, ::testing::Values(backend),   \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreJournalTest, ::testing::Values(backend),     \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StorePoisonTest, ::testing::Values(backend),      \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StorePagesTest, ::testing::Values(backend),       \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreNotifyTest, ::testing::Values(backend),      \
                           ::alertd::sinks::testing::backend_name);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreSharedTest, ::testing::Values(backend),      \
                           ::alertd::sinks::testing::backend_name)
