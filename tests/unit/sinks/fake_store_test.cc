// The in-memory fake store (tests/support/fake_store.h): its TestDb for the
// conformance suite (store_conformance.h), and its test controls.
//
// The fake has no SQL. Its TestDb answers the suite's read-only row checks
// (counts and a few single values) from the fake's own rows, and refuses
// everything else; the tests that need an SQL shell to change the database
// behind the store's back (tampering, triggers) are skipped for it
// (Backend::sql_shell).
#include "tests/support/fake_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <thread>

#include "store_conformance.h"
#include "store_test_util.h"

namespace alertd::sinks {
namespace {

using alertd::testing::FakeStore;
using namespace testing;  // NOLINT: the helpers of store_test_util.h

int64_t count_if(const std::vector<core::Incident>& rows,
                 const std::function<bool(const core::Incident&)>& pred) {
  return std::count_if(rows.begin(), rows.end(), pred);
}

class FakeTestDb final : public TestDb {
 public:
  std::unique_ptr<Store> open(size_t /*read_connections*/) override { return root_.reopen(); }
  core::Status exec(const std::string& sql) override {
    return core::Error{"store_unsupported", "fake store: no SQL (" + sql + ")"};
  }
  core::Result<int64_t> query_int(const std::string& sql) override;
  std::string name_in_errors() const override { return std::string(FakeStore::kName); }
  core::Status check_integrity() override { return {}; }  // no indexes to drift from the rows
  core::Status disable_audit_triggers() override { return exec("disable audit triggers"); }

 private:
  std::optional<int64_t> member_count(const std::function<bool(const core::Member&)>& pred);

  FakeStore root_;
};

std::optional<int64_t> FakeTestDb::member_count(
    const std::function<bool(const core::Member&)>& pred) {
  int64_t n = 0;
  for (const auto& inc : root_.incidents()) {
    for (const auto& m : root_.members_of(inc.seq)) n += pred(m) ? 1 : 0;
  }
  return n;
}

core::Result<int64_t> FakeTestDb::query_int(const std::string& sql) {
  constexpr std::string_view kCount = "SELECT COUNT(*) FROM ";
  if (sql.starts_with(kCount) && sql.find(' ', kCount.size()) == std::string::npos) {
    if (auto n = root_.row_count(sql.substr(kCount.size()))) return *n;
  }
  const auto incidents = root_.incidents();
  const auto audit = root_.audit_log();
  const std::map<std::string, std::function<std::optional<int64_t>()>> answers = {
      {"SELECT seq FROM audit_head WHERE id = 1", [&] { return root_.audit_head_seq(); }},
      {"SELECT MAX(seq) FROM audit_log", [&] { return audit.empty() ? 0 : audit.back().seq; }},
      {"SELECT MAX(seq) FROM problems", [&] { return root_.row_count("problems"); }},
      {"SELECT COUNT(*) FROM audit_log WHERE action = 'link'",
       [&] {
         return std::count_if(audit.begin(), audit.end(),
                              [](const auto& e) { return e.action == "link"; });
       }},
      {"SELECT COUNT(*) FROM incidents WHERE ack_due_at IS NULL AND "
       "resolve_due_at IS NULL AND next_escalation_at IS NULL",
       [&] {
         return count_if(incidents, [](const core::Incident& i) {
           return i.ack_due_at == core::kNoTime && i.resolve_due_at == core::kNoTime &&
                  i.next_escalation_at == core::kNoTime;
         });
       }},
      {"SELECT opened_at FROM incidents",
       [&]() -> std::optional<int64_t> {
         if (incidents.empty()) return std::nullopt;
         return core::to_unix_millis(incidents.front().opened_at);
       }},
      {"SELECT acknowledged_at IS NULL AND closed_at IS NULL FROM incidents",
       [&]() -> std::optional<int64_t> {
         if (incidents.empty()) return std::nullopt;
         const auto& i = incidents.front();
         return i.acknowledged_at == core::kNoTime && i.closed_at == core::kNoTime;
       }},
      {"SELECT COUNT(*) FROM incident_members WHERE resolved_at IS NULL",
       [&] { return member_count([](const auto& m) { return m.resolved_at == core::kNoTime; }); }},
  };
  if (auto it = answers.find(sql); it != answers.end()) {
    if (auto n = it->second()) return *n;
  }
  constexpr std::string_view kByFingerprint =
      "SELECT COUNT(*) FROM incident_members WHERE fingerprint = '";
  if (sql.starts_with(kByFingerprint) && sql.ends_with("'")) {
    const auto hex = sql.substr(kByFingerprint.size(), sql.size() - kByFingerprint.size() - 1);
    if (auto n = member_count(
            [&](const auto& m) { return core::fingerprint_hex(m.fingerprint) == hex; })) {
      return *n;
    }
  }
  return core::Error{"store_unsupported", "fake store: no answer to '" + sql + "'"};
}

const Backend kFake{"Fake", [] { return std::make_unique<FakeTestDb>(); }, false};

}  // namespace

namespace testing {
ALERTD_INSTANTIATE_STORE_SUITES(Fake, kFake);
}  // namespace testing

namespace {

using std::chrono::milliseconds;

TEST(FakeStoreControls, StallBlocksEveryCallUntilResumed) {
  FakeStore store;
  store.stall();
  std::thread writer([&] {
    core::IncidentUpdate u = make_update(make_incident(1));
    EXPECT_TRUE(store.apply({&u, 1}).ok());
  });
  std::thread reader([&] { EXPECT_TRUE(store.list(IncidentFilter{}).ok()); });
  ASSERT_TRUE(store.wait_for_stalled_calls(2, milliseconds(5000)));
  EXPECT_EQ(store.committed_batches(), 0u);
  store.resume();
  writer.join();
  reader.join();
  EXPECT_EQ(store.stalled_calls(), 0u);
  EXPECT_TRUE(store.wait_for_committed_batches(1, milliseconds(5000)));
}

TEST(FakeStoreControls, FailedWritesAreAnOutageThatEnds) {
  FakeStore store;
  store.fail_writes(true);
  core::IncidentUpdate u = make_update(make_incident(1));
  auto st = store.apply({&u, 1});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "store_unavailable");
  auto silence = store.create_silence(make_silence({"a=\"b\""}, 1000, 2000));
  ASSERT_FALSE(silence.ok());
  EXPECT_EQ(silence.error().reason, "store_unavailable");
  EXPECT_FALSE(store.ping().ok());
  EXPECT_TRUE(store.list(IncidentFilter{}).ok());  // reads still answer
  EXPECT_EQ(store.committed_batches(), 0u);
  EXPECT_EQ(*store.row_count("incidents"), 0);

  store.fail_writes(false);
  EXPECT_TRUE(store.apply({&u, 1}).ok());
  EXPECT_TRUE(store.ping().ok());
  EXPECT_EQ(store.committed_batches(), 1u);
}

TEST(FakeStoreControls, CountsOnlyCommittedBatches) {
  FakeStore store;
  EXPECT_TRUE(store.apply({}).ok());  // nothing to commit
  core::Incident bad = make_incident(1);
  bad.seq = 0;
  core::IncidentUpdate refused = make_update(bad);
  EXPECT_FALSE(store.apply({&refused, 1}).ok());
  core::IncidentUpdate u = make_update(make_incident(1));
  EXPECT_TRUE(store.apply({&u, 1}).ok());
  EXPECT_EQ(store.committed_batches(), 1u);
  EXPECT_FALSE(store.wait_for_committed_batches(2, milliseconds(10)));
}

}  // namespace
}  // namespace alertd::sinks
