// Silences in every store backend: ids, round trips, listing, expiry, their
// audit entries, what is refused, what survives a restart, and writes from
// several threads beside the store writer thread's apply().
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "sinks/store/store.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 3'600'000;

core::Silence create_ok(Store& store, core::Silence s) {
  auto created = store.create_silence(std::move(s));
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  return created.ok() ? std::move(*created) : core::Silence{};
}

std::vector<core::AuditEntry> timeline_ok(Store& store, const std::string& id) {
  auto t = store.timeline(id);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? std::move(*t) : std::vector<core::AuditEntry>{};
}

AuditVerification verify_ok(Store& store) {
  auto v = store.verify_audit();
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  EXPECT_TRUE(v.ok() && v->ok) << (v.ok() ? v->reason : "");
  return v.ok() ? std::move(*v) : AuditVerification{};
}

/// A tenant's silences, newest first: one page of up to 1000 (store_pages_test.cc pages).
core::Result<std::vector<core::Silence>> list_all(Store& store, const std::string& tenant) {
  auto page = store.list_silences(SilenceFilter{.tenant = tenant, .limit = 1000});
  if (!page.ok()) return page.error();
  EXPECT_FALSE(page->next_cursor.has_value());
  return std::move(page->silences);
}

std::vector<std::string> ids(const core::Result<std::vector<core::Silence>>& list) {
  EXPECT_TRUE(list.ok()) << (list.ok() ? "" : list.error().message);
  std::vector<std::string> out;
  if (list.ok()) {
    for (const auto& s : list.value()) out.push_back(s.id);
  }
  return out;
}

TEST(SilenceId, FormatsAndParsesOnlyTheCanonicalSpelling) {
  EXPECT_EQ(silence_id(1), "SIL-1");
  EXPECT_EQ(silence_id(1234), "SIL-1234");
  EXPECT_EQ(parse_silence_id("SIL-1"), 1);
  EXPECT_EQ(parse_silence_id("SIL-987654321"), 987654321);
  for (const char* bad : {"", "SIL-", "SIL-0", "SIL-007", "SIL--1", "SIL-+1", "SIL-1x", "sil-1",
                          "INC-1", "SIL-99999999999999999999", " SIL-1"}) {
    EXPECT_FALSE(parse_silence_id(bad).has_value()) << bad;
  }
}

TEST_P(StoreSilencesTest, CreateAssignsSequentialIdsAndRoundTripsEveryField) {
  core::Silence s = make_silence({"service=\"db\"", "instance=~\"db-0[1-3]:9100\"", "env!=\"dev\""},
                                 kT0, kT0 + 2 * kHour, "team-a");
  s.id = "SIL-999";  // ignored: the store assigns ids
  s.created_by = "Ünïcödé Operator <op@example.com>";
  s.comment = "DB failover \"planned\"\nticket CHG-42 \\ done";
  // Sub-millisecond parts are cut, and updated_at defaults to created_at.
  s.starts_at += std::chrono::microseconds(999);
  s.created_at = at_ms(kT0 - 5000) + std::chrono::microseconds(1);
  const core::Silence first = create_ok(*store_, s);
  EXPECT_EQ(first.id, "SIL-1");
  EXPECT_EQ(ns(first.starts_at), ns(at_ms(kT0)));
  EXPECT_EQ(ns(first.created_at), ns(at_ms(kT0 - 5000)));
  EXPECT_EQ(ns(first.updated_at), ns(first.created_at));
  EXPECT_EQ(first.matchers, s.matchers);
  EXPECT_EQ(create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + 1)).id, "SIL-2");

  auto got = store_->get_silence("SIL-1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  expect_same_silence(**got, first);
}

TEST_P(StoreSilencesTest, GetUnknownOrMalformedIdIsNullopt) {
  create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));
  for (const char* id : {"SIL-2", "SIL-0", "INC-1", "1", "SIL-01", ""}) {
    auto got = store_->get_silence(id);
    ASSERT_TRUE(got.ok()) << id;
    EXPECT_FALSE(got->has_value()) << id;
  }
}

TEST_P(StoreSilencesTest, ListIsPerTenantNewestFirstEndedIncluded) {
  create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));              // SIL-1
  create_ok(*store_, make_silence({"a=\"2\""}, kT0, kT0 + kHour, "other"));     // SIL-2
  create_ok(*store_, make_silence({"a=\"3\""}, kT0 - 3 * kHour, kT0 - kHour));  // SIL-3, long over
  create_ok(*store_, make_silence({"a=\"4\""}, kT0 + kHour, kT0 + 2 * kHour));  // SIL-4, pending
  EXPECT_EQ(ids(list_all(*store_, "default")),
            (std::vector<std::string>{"SIL-4", "SIL-3", "SIL-1"}));
  EXPECT_EQ(ids(list_all(*store_, "other")), (std::vector<std::string>{"SIL-2"}));
  EXPECT_TRUE(ids(list_all(*store_, "nobody")).empty());
}

TEST_P(StoreSilencesTest, LoadSilencesReturnsEveryTenantsNotYetEndedOldestFirst) {
  create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));               // ends at +1h
  create_ok(*store_, make_silence({"a=\"2\""}, kT0, kT0 + 3 * kHour, "other"));  // ends at +3h
  create_ok(*store_, make_silence({"a=\"3\""}, kT0 + 2 * kHour, kT0 + 4 * kHour));
  EXPECT_EQ(ids(store_->load_silences(at_ms(kT0))),
            (std::vector<std::string>{"SIL-1", "SIL-2", "SIL-3"}));
  // ends_at is exclusive: at exactly its end a silence is over.
  EXPECT_EQ(ids(store_->load_silences(at_ms(kT0 + kHour - 1))),
            (std::vector<std::string>{"SIL-1", "SIL-2", "SIL-3"}));
  EXPECT_EQ(ids(store_->load_silences(at_ms(kT0 + kHour))),
            (std::vector<std::string>{"SIL-2", "SIL-3"}));
  EXPECT_EQ(ids(store_->load_silences(at_ms(kT0 + 4 * kHour))), std::vector<std::string>{});
}

TEST_P(StoreSilencesTest, ExpireEndsAnActiveSilenceOnceAndKeepsIt) {
  const core::Silence s = create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + 2 * kHour));
  const auto now = at_ms(kT0 + kHour);
  auto expired = store_->expire_silence(s.id, now, "bob");
  ASSERT_TRUE(expired.ok()) << expired.error().message;
  ASSERT_TRUE(expired->has_value());
  core::Silence want = s;
  want.ends_at = now;
  want.updated_at = now;
  expect_same_silence(**expired, want);
  EXPECT_EQ(core::silence_state(**expired, now), core::SilenceState::expired);

  // Expiring again (later) changes nothing: no new end, no new updated_at.
  auto again = store_->expire_silence(s.id, now + std::chrono::minutes(5), "bob");
  ASSERT_TRUE(again.ok() && again->has_value());
  expect_same_silence(**again, want);
  expect_same_silence(**store_->get_silence(s.id), want);
  EXPECT_EQ(ids(list_all(*store_, "default")), (std::vector<std::string>{s.id}));
  EXPECT_TRUE(ids(store_->load_silences(now)).empty());
}

TEST_P(StoreSilencesTest, ExpiringAPendingSilenceMakesItExpiredNotPending) {
  const core::Silence s =
      create_ok(*store_, make_silence({"a=\"1\""}, kT0 + kHour, kT0 + 2 * kHour));
  const auto now = at_ms(kT0);
  ASSERT_EQ(core::silence_state(s, now), core::SilenceState::pending);
  auto expired = store_->expire_silence(s.id, now, "bob");
  ASSERT_TRUE(expired.ok() && expired->has_value());
  EXPECT_EQ(ns((*expired)->starts_at), ns(now));
  EXPECT_EQ(ns((*expired)->ends_at), ns(now));
  EXPECT_EQ(core::silence_state(**expired, now), core::SilenceState::expired);
  EXPECT_EQ(core::silence_state(**expired, now + std::chrono::hours(1)),
            core::SilenceState::expired);
}

TEST_P(StoreSilencesTest, ExpireUnknownIdIsNullopt) {
  for (const char* id : {"SIL-1", "SIL-x", "INC-1"}) {
    auto got = store_->expire_silence(id, at_ms(kT0), "bob");
    ASSERT_TRUE(got.ok()) << id << ": " << got.error().message;
    EXPECT_FALSE(got->has_value()) << id;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM silences"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 0);
}

TEST_P(StoreSilencesTest, CreateAndExpireAreAuditedInTheChain) {
  core::Silence s =
      make_silence({"service=\"db\"", "env!=\"dev\""}, kT0 + kHour, kT0 + 3 * kHour, "team-a");
  s.created_by = "alice";
  s.comment = "DB failover \"planned\"";
  s.created_at = at_ms(kT0) + std::chrono::microseconds(7);  // kept to the millisecond
  const core::Silence created = create_ok(*store_, s);
  auto entries = timeline_ok(*store_, created.id);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].incident_id, "SIL-1");
  EXPECT_EQ(entries[0].actor, "alice");
  EXPECT_EQ(entries[0].action, "silence");
  EXPECT_EQ(ns(entries[0].at), ns(at_ms(kT0)));
  EXPECT_EQ(entries[0].detail,
            R"({"tenant":"team-a","matchers":["service=\"db\"","env!=\"dev\""],)"
            R"("starts_at":"2026-01-01T01:00:00.000Z","ends_at":"2026-01-01T03:00:00.000Z",)"
            R"("comment":"DB failover \"planned\""})");
  auto v = verify_ok(*store_);
  EXPECT_EQ(v.entries, 1);
  EXPECT_EQ(v.head_hash, entries[0].hash);

  // Expired while still pending: both times move, and the entry says so.
  const auto now = at_ms(kT0 + 1500);
  auto expired = store_->expire_silence(created.id, now, "bob");
  ASSERT_TRUE(expired.ok() && expired->has_value());
  entries = timeline_ok(*store_, created.id);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].actor, "bob");
  EXPECT_EQ(entries[1].action, "silence_expire");
  EXPECT_EQ(ns(entries[1].at), ns(now));
  EXPECT_EQ(entries[1].detail,
            R"({"changes":{"starts_at":{"from":"2026-01-01T01:00:00.000Z",)"
            R"("to":"2026-01-01T00:00:01.500Z"},"ends_at":{"from":"2026-01-01T03:00:00.000Z",)"
            R"("to":"2026-01-01T00:00:01.500Z"}}})");
  EXPECT_EQ(entries[1].prev_hash, entries[0].hash);  // chained like every other entry

  // Already ended: nothing changes, nothing is appended.
  ASSERT_TRUE(store_->expire_silence(created.id, now + std::chrono::minutes(1), "carol").ok());
  EXPECT_EQ(timeline_ok(*store_, created.id).size(), 2u);
  v = verify_ok(*store_);
  EXPECT_EQ(v.entries, 2);
  EXPECT_EQ(v.head_hash, entries[1].hash);

  // An active silence's start stays where it was.
  const core::Silence active = create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));
  ASSERT_TRUE(store_->expire_silence(active.id, now, "bob").ok());
  entries = timeline_ok(*store_, active.id);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].detail, R"({"changes":{"ends_at":{"from":"2026-01-01T01:00:00.000Z",)"
                               R"("to":"2026-01-01T00:00:01.500Z"}}})");
  EXPECT_EQ(verify_ok(*store_).entries, 4);
}

// A failed write leaves neither the silence row nor its entry, and the chain
// goes on from the same head. The audit append is made to fail (its table
// renamed away, as an operator's mistake would) after the silence row was
// written in the same transaction.
TEST_P(StoreSilencesTest, AFailedAuditAppendLeavesNeitherTheSilenceNorItsEntry) {
  ALERTD_NEEDS_SQL_SHELL();
  const core::Silence kept = create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));
  const std::string head = verify_ok(*store_).head_hash;
  ASSERT_TRUE(db_->exec("ALTER TABLE audit_log RENAME TO audit_log_away").ok());
  EXPECT_FALSE(store_->create_silence(make_silence({"b=\"2\""}, kT0, kT0 + kHour)).ok());
  EXPECT_FALSE(store_->expire_silence(kept.id, at_ms(kT0 + 1000), "bob").ok());
  ASSERT_TRUE(db_->exec("ALTER TABLE audit_log_away RENAME TO audit_log").ok());

  EXPECT_EQ(count("SELECT COUNT(*) FROM silences"), 1);
  auto got = store_->get_silence(kept.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  expect_same_silence(**got, kept);  // not expired
  auto v = verify_ok(*store_);
  EXPECT_EQ(v.entries, 1);
  EXPECT_EQ(v.head_hash, head);

  ASSERT_TRUE(store_->expire_silence(kept.id, at_ms(kT0 + 1000), "bob").ok());
  const core::Silence next = create_ok(*store_, make_silence({"b=\"2\""}, kT0, kT0 + kHour));
  EXPECT_EQ(timeline_ok(*store_, kept.id).size(), 2u);
  EXPECT_EQ(timeline_ok(*store_, next.id).size(), 1u);
  EXPECT_EQ(verify_ok(*store_).entries, 3);
}

TEST_P(StoreSilencesTest, RefusesSilencesThatCannotBeRight) {
  struct Case {
    const char* what;
    std::function<void(core::Silence&)> spoil;
  };
  const Case cases[] = {
      {"no matchers", [](core::Silence& s) { s.matchers.clear(); }},
      {"empty tenant", [](core::Silence& s) { s.tenant.clear(); }},
      {"no start", [](core::Silence& s) { s.starts_at = core::kNoTime; }},
      {"no end", [](core::Silence& s) { s.ends_at = core::kNoTime; }},
      {"no created_at", [](core::Silence& s) { s.created_at = core::kNoTime; }},
      {"ends at start", [](core::Silence& s) { s.ends_at = s.starts_at; }},
      {"ends before start",
       [](core::Silence& s) { s.ends_at = s.starts_at - std::chrono::hours(1); }},
      // Within the same millisecond: equal once cut to what the store keeps.
      {"sub-ms length",
       [](core::Silence& s) { s.ends_at = s.starts_at + std::chrono::microseconds(5); }},
      {"bad utf-8 matcher", [](core::Silence& s) { s.matchers.push_back("a=\"\xff\""); }},
      {"bad utf-8 comment", [](core::Silence& s) { s.comment = "\xc3"; }},
  };
  for (const auto& c : cases) {
    core::Silence s = make_silence({"a=\"1\""}, kT0, kT0 + kHour);
    c.spoil(s);
    auto created = store_->create_silence(s);
    ASSERT_FALSE(created.ok()) << c.what;
    EXPECT_EQ(created.error().reason, "store_invalid_input") << c.what;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM silences"), 0);
  // No entry either, and the head did not move.
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 0);
  EXPECT_EQ(verify_ok(*store_).entries, 0);
  EXPECT_EQ(create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour)).id, "SIL-1");
  EXPECT_EQ(verify_ok(*store_).entries, 1);
}

// Recorded, never lost: not even an operator's SQL shell can delete a silence or
// change what it matched; only an earlier end is allowed.
TEST_P(StoreSilencesTest, RowsCannotBeDeletedOrRewritten) {
  ALERTD_NEEDS_SQL_SHELL();
  const core::Silence s = create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));
  for (const char* tamper :
       {"DELETE FROM silences", "UPDATE silences SET matchers = '[\"b=\\\"2\\\"\"]'",
        "UPDATE silences SET comment = 'other'", "UPDATE silences SET created_by = 'mallory'",
        "UPDATE silences SET tenant = 'x'", "UPDATE silences SET seq = 5",
        "UPDATE silences SET ends_at = ends_at + 1",
        "UPDATE silences SET starts_at = starts_at + 1", "UPDATE silences SET created_at = 0"}) {
    auto st = db_->exec(tamper);
    ASSERT_FALSE(st.ok()) << tamper;
    EXPECT_EQ(st.error().reason, "store_constraint") << tamper;
  }
  EXPECT_TRUE(db_->exec("UPDATE silences SET ends_at = ends_at - 1").ok());
  auto got = store_->get_silence(s.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->matchers, s.matchers);
  EXPECT_EQ(ns((*got)->ends_at), ns(s.ends_at - std::chrono::milliseconds(1)));
}

TEST_P(StoreSilencesTest, SilencesAndIdsSurviveARestart) {
  const core::Silence one = create_ok(*store_, make_silence({"a=\"1\""}, kT0, kT0 + kHour));
  const core::Silence two = create_ok(*store_, make_silence({"b=~\"x|y\""}, kT0, kT0 + 2 * kHour));
  ASSERT_TRUE(store_->expire_silence(two.id, at_ms(kT0 + 1000), "bob").ok());
  reopen();

  auto loaded = store_->load_silences(at_ms(kT0 + 1000));
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  expect_same_silence(loaded->front(), one);
  auto expired = store_->get_silence(two.id);
  ASSERT_TRUE(expired.ok() && expired->has_value());
  EXPECT_EQ(ns((*expired)->ends_at), ns(at_ms(kT0 + 1000)));
  // AUTOINCREMENT: a new silence never takes an old id.
  EXPECT_EQ(create_ok(*store_, make_silence({"c=\"3\""}, kT0, kT0 + kHour)).id, "SIL-3");
  EXPECT_EQ(timeline_ok(*store_, two.id).size(), 2u);
  EXPECT_EQ(verify_ok(*store_).entries, 4);  // the chain goes on after a restart
}

TEST_P(StoreSilencesTest, LoadSilencesAtTheWallClock) {
  const auto now = core::to_unix_millis(core::SystemClock().now());
  create_ok(*store_, make_silence({"a=\"over\""}, now - 2 * kHour, now - kHour));
  const core::Silence running =
      create_ok(*store_, make_silence({"a=\"on\""}, now - kHour, now + kHour));
  auto loaded = store_->load_silences();
  EXPECT_EQ(ids(loaded), (std::vector<std::string>{running.id}));
}

// API requests create and expire silences while the store writer thread applies
// incident batches and readers read: every call succeeds, every silence lands
// once with its own id, and every incident batch commits. (SQLite: the default busy
// timeout stays: a WAL reader may hold the write lock for an instant when it
// finds the shared index changing under it, so even one writer must be
// allowed to wait.)
TEST_P(StoreConcurrencyTest, SilenceWritesBesideApplyAndReads) {
  reopen(/*read_connections=*/2);
  auto& store = store_;
  constexpr int kBatches = 100;
  constexpr int kWriters = 3;
  constexpr int kPerWriter = 60;

  std::vector<std::string> errors[kWriters + 2];
  std::thread sink([&] {
    for (int k = 1; k <= kBatches; ++k) {
      core::Incident inc = make_incident(k);
      inc.flapping = k % 2 == 0;
      std::vector<core::IncidentUpdate> batch = {make_update(
          inc, {make_member("m" + std::to_string(k), k)}, {make_audit(inc.id, "create", k)})};
      if (auto st = store->apply(batch); !st.ok()) errors[kWriters].push_back(st.error().message);
    }
  });
  std::vector<std::vector<std::string>> made(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto s = store->create_silence(make_silence(
            {"writer=\"" + std::to_string(w) + "\"", "n=\"" + std::to_string(i) + "\""}, kT0,
            kT0 + kHour));
        if (!s.ok()) {
          errors[w].push_back(s.error().message);
          continue;
        }
        made[w].push_back(s->id);
        if (i % 2 == 1) {
          auto e = store->expire_silence(s->id, at_ms(kT0 + 1000), "writer");
          if (!e.ok()) {
            errors[w].push_back("expire " + s->id + ": " + e.error().message);
          } else if (!e->has_value()) {
            errors[w].push_back("expire " + s->id + ": not found");
          }
        }
      }
    });
  }
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      auto loaded = store->load_silences(at_ms(kT0));
      auto list = list_all(*store, "default");
      if (!list.ok()) errors[kWriters + 1].push_back("list: " + list.error().message);
      if (!loaded.ok()) errors[kWriters + 1].push_back("load: " + loaded.error().message);
      // Silences are never deleted: a later list holds at least every silence
      // an earlier load saw.
      if (list.ok() && loaded.ok() && loaded->size() > list->size()) {
        errors[kWriters + 1].push_back("more loaded than listed");
      }
    }
  });
  sink.join();
  for (auto& t : writers) t.join();
  done = true;
  reader.join();

  for (const auto& e : errors) EXPECT_TRUE(e.empty()) << e.front();
  std::set<std::string> all;
  for (const auto& ids : made) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kWriters * kPerWriter));
  auto list = list_all(*store, "default");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), static_cast<size_t>(kWriters * kPerWriter));
  auto loaded = store->load_silences(at_ms(kT0 + 2000));
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->size(), static_cast<size_t>(kWriters * kPerWriter / 2));
  for (const auto& s : *loaded) {
    // Silences of one writer carry its matchers: rows were not mixed up.
    const std::string writer = s.matchers.at(0);
    const int w = writer[8] - '0';
    EXPECT_NE(std::find(made[w].begin(), made[w].end(), s.id), made[w].end()) << s.id;
  }
  auto state = store->load_active();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->max_seq, kBatches);
  EXPECT_EQ(state->members.size(), static_cast<size_t>(kBatches));
  EXPECT_TRUE(state->incidents.at(1).flapping);
  // One chain through all of it: each batch's entry, each create, each expire.
  EXPECT_EQ(verify_ok(*store).entries, kBatches + kWriters * kPerWriter * 3 / 2);
}

}  // namespace
}  // namespace alertd::sinks::testing
