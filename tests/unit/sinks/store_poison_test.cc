// Conformance: hostile values reaching a store. Each backend either keeps a
// value exactly or refuses the update with a reason that says retrying is
// useless (store_limit, store_invalid_input, store_constraint), and keeps
// taking other updates afterwards: a poison row never wedges the writer.
// What ingest admits (ingest/formats/storable.h) every backend keeps.

#include <gtest/gtest.h>

#include <random>

#include "ingest/formats/storable.h"
#include "sinks/store/quarantine.h"
#include "store_conformance.h"

namespace alertd::sinks::testing {
namespace {

// Printable ASCII no compressor can shrink: PostgreSQL compresses index
// rows before it checks their size, so a repeated character would fit.
std::string random_text(size_t bytes, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> printable(0x21, 0x7e);
  std::string out(bytes, ' ');
  for (auto& c : out) c = static_cast<char>(printable(rng));
  return out;
}

bool is_permanent(const core::Error& e) {
  return e.reason == "store_limit" || e.reason == "store_invalid_input" ||
         e.reason == "store_constraint";
}

struct Poison {
  std::string name;
  std::function<void(core::IncidentUpdate&)> apply;
};

std::vector<Poison> poisons() {
  return {
      {"long service", [](auto& u) { u.incident.service = random_text(3200, 1); }},
      {"long group key", [](auto& u) { u.incident.group_key = random_text(3200, 2); }},
      {"NUL in annotation",
       [](auto& u) { u.members[0].annotations.set("summary", std::string("a\0b", 3)); }},
      {"C0 controls in label value",
       [](auto& u) { u.members[0].labels.set("instance", "a\x01\x02\x1b[31m\t\r\nb\x1f"); }},
      {"invalid UTF-8 in label value",
       [](auto& u) { u.members[0].labels.set("instance", "caf\xc3\x28 \xff\xfe"); }},
      {"huge annotation",
       [](auto& u) { u.members[0].annotations.set("description", random_text(1 << 20, 3)); }},
      {"C0 controls in title", [](auto& u) { u.incident.title = "t\x01\x07\x1b"; }},
  };
}

TEST_P(StorePoisonTest, EachPoisonIsKeptExactlyOrRefusedForGoodAndTheStoreGoesOn) {
  int64_t seq = 1;
  for (const auto& poison : poisons()) {
    SCOPED_TRACE(poison.name);
    auto update = make_update(make_incident(seq), {make_member("Poison", 1000)});
    poison.apply(update);
    auto status = apply({update});
    if (status.ok()) {
      auto got = get_ok(update.incident.id);
      expect_same_incident(got.incident, update.incident);
      ASSERT_EQ(got.members.size(), 1u);
      expect_same_member(got.members[0], update.members[0]);
    } else {
      EXPECT_TRUE(is_permanent(status.error()))
          << status.error().reason << ": " << status.error().message;
      auto absent = store_->get(update.incident.id);
      ASSERT_TRUE(absent.ok());
      EXPECT_FALSE(absent->has_value()) << "a refused batch changed nothing";
    }
    // The next, ordinary update still commits.
    apply_ok({make_update(make_incident(seq + 1), {make_member("Fine", 2000)})});
    seq += 2;
  }
}

TEST_P(StorePoisonTest, WhatIngestAdmitsFitsEveryIndex) {
  // The widest group key and service ingest lets through, in random text,
  // under the longest tenant a token may name.
  auto incident = make_incident(1, random_text(128, 4));
  incident.group_key = random_text(ingest::kMaxIndexedBytes, 5);
  incident.service = random_text(ingest::kMaxIndexedBytes, 6);
  auto update = make_update(incident, {make_member("Wide", 1000)});
  apply_ok({update});
  expect_same_incident(get_ok(incident.id).incident, incident);
}

TEST_P(StorePoisonTest, QuarantineKeepsTheRecordAndPutsItOnTheAuditTrail) {
  auto update = make_update(make_incident(7), {make_member("Poison", 1000)});
  update.members[0].annotations.set("summary", std::string("nul\0here", 8));
  update.members[0].labels.set("bad", "\xff\xfe");
  update.incident.service = random_text(3200, 7);
  const core::Error error{"store_limit", "index row size 3264 exceeds btree maximum 2704"};
  auto first = store_->quarantine(quarantine_record(update, error, at_ms(5000)));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = store_->quarantine(quarantine_record(update, error, at_ms(6000)));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_GT(*second, *first);

  auto page = store_->list_quarantine(std::nullopt, 1);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 1u);
  const auto& newest = page->records[0];
  EXPECT_EQ(newest.seq, *second);
  EXPECT_EQ(newest.incident_id, "INC-7");
  EXPECT_EQ(newest.reason, "store_limit");
  EXPECT_EQ(newest.at, at_ms(6000));
  EXPECT_NE(newest.update_json.find("\\u0000"), std::string::npos) << "NUL kept as its escape";
  ASSERT_TRUE(page->next_cursor.has_value());
  auto rest = store_->list_quarantine(page->next_cursor, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->records.size(), 1u);
  EXPECT_EQ(rest->records[0].seq, *first);
  EXPECT_FALSE(rest->next_cursor.has_value());

  auto trail = store_->timeline("INC-7");
  ASSERT_TRUE(trail.ok());
  ASSERT_EQ(trail->size(), 2u);
  EXPECT_EQ((*trail)[0].action, "quarantine");
  auto verified = store_->verify_audit();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->reason;
}

}  // namespace
}  // namespace alertd::sinks::testing
