#include "sinks/store/audit_chain.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "sinks/store/audit_anchor.h"

namespace alertd::sinks {
namespace {

std::string sha256(std::string_view data) {
  AuditHasher hasher;
  auto hex = hasher.sha256_hex(data);
  EXPECT_TRUE(hex.ok());
  return hex.ok() ? *hex : std::string();
}

core::AuditEntry entry(std::string incident_id, std::string action, int64_t at_ms) {
  core::AuditEntry e;
  e.incident_id = std::move(incident_id);
  e.action = std::move(action);
  e.at = core::from_unix_millis(at_ms);
  e.detail = R"({"n":)" + std::to_string(at_ms) + "}";
  return e;
}

/// Numbers and chains entries as a store does when it appends them.
std::vector<core::AuditEntry> chain(std::vector<core::AuditEntry> entries) {
  AuditHasher hasher;
  std::string prev(kAuditGenesisHash);
  int64_t seq = 0;
  for (auto& e : entries) {
    e.seq = ++seq;
    e.prev_hash = prev;
    e.hash = *hasher.hash(prev, e.seq, e);
    prev = e.hash;
  }
  return entries;
}

std::vector<core::AuditEntry> five_entries() {
  return chain({entry("INC-1", "create", 1000), entry("INC-1", "member_added", 2000),
                entry("INC-2", "create", 3000), entry("INC-1", "status_change", 4000),
                entry("INC-2", "member_added", 5000)});
}

AuditVerification verify(const std::vector<core::AuditEntry>& rows,
                         const std::optional<AuditChainHead>& head) {
  ChainVerifier verifier;
  for (const auto& row : rows) EXPECT_TRUE(verifier.add(row).ok());
  verifier.finish(head);
  return verifier.result();
}

AuditChainHead head_of(const std::vector<core::AuditEntry>& rows) {
  return rows.empty() ? AuditChainHead{} : AuditChainHead{rows.back().seq, rows.back().hash};
}

// The primitive itself, against FIPS 180-2's vectors.
TEST(AuditChain, Sha256MatchesKnownVectors) {
  EXPECT_EQ(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// Fixed vectors another store (or a script) can check its implementation
// against; the hashes were computed independently with Python's hashlib.
TEST(AuditChain, CanonicalEncodingAndHashAreFixed) {
  core::AuditEntry first = entry("INC-7", "create", 1'767'225'600'123);
  first.detail = R"({"title":"Disk full"})";
  std::string bytes;
  append_audit_encoding(bytes, kAuditGenesisHash, 1, first);
  EXPECT_EQ(bytes, "15:alertd-audit-v1,64:" + std::string(kAuditGenesisHash) +
                       ",1:1,5:INC-7,13:1767225600123,6:alertd,6:create,21:{\"title\":\"Disk "
                       "full\"},");
  AuditHasher hasher;
  const std::string h1 = *hasher.hash(kAuditGenesisHash, 1, first);
  EXPECT_EQ(h1, "158db81026a35abc31377d2417746da27d74b022088ad007618216aa6d1ca49a");

  core::AuditEntry second;
  second.incident_id = "INC-7";
  second.actor = "alice";
  second.action = "acknowledge";  // at unset, detail empty
  EXPECT_EQ(*hasher.hash(h1, 2, second),
            "18c975678e51cf4b9fe2e83631d069839d525805c8489fcdcbe9301bb41a0caa");
}

TEST(AuditChain, HashIgnoresTheEntrysOwnSeqAndHashFields) {
  core::AuditEntry e = entry("INC-1", "create", 1000);
  AuditHasher hasher;
  const std::string plain = *hasher.hash(kAuditGenesisHash, 1, e);
  e.seq = 99;
  e.hash = "something";
  e.prev_hash = "else";
  EXPECT_EQ(*hasher.hash(kAuditGenesisHash, 1, e), plain);
}

// Length prefixes: moving bytes from one field to the next changes the hash.
TEST(AuditChain, EncodingIsUnambiguous) {
  AuditHasher hasher;
  core::AuditEntry a = entry("INC-1", "create", 1000);
  core::AuditEntry b = a;
  a.actor = "ab";
  a.action = "c";
  b.actor = "a";
  b.action = "bc";
  EXPECT_NE(*hasher.hash(kAuditGenesisHash, 1, a), *hasher.hash(kAuditGenesisHash, 1, b));

  // An unset time (kNoTime, which is also the epoch) has its own marker, never a number.
  core::AuditEntry unset = entry("INC-1", "create", 1000);
  unset.at = core::kNoTime;
  std::string bytes;
  append_audit_encoding(bytes, kAuditGenesisHash, 1, unset);
  EXPECT_NE(bytes.find(",5:unset,"), std::string::npos) << bytes;
  // The seq and the previous hash are covered too.
  EXPECT_NE(*hasher.hash(kAuditGenesisHash, 1, a), *hasher.hash(kAuditGenesisHash, 2, a));
  EXPECT_NE(*hasher.hash(kAuditGenesisHash, 1, a), *hasher.hash(std::string(64, '1'), 1, a));
}

// The hash covers the time as a store keeps it (whole milliseconds), so an
// entry hashes the same before writing and after reading back.
TEST(AuditChain, TimeIsHashedAsStored) {
  AuditHasher hasher;
  core::AuditEntry precise = entry("INC-1", "create", 0);
  precise.at = core::from_unix_millis(1'767'225'600'123) + std::chrono::microseconds(456);
  core::AuditEntry stored = precise;
  stored.at = core::from_unix_millis(1'767'225'600'123);
  EXPECT_EQ(*hasher.hash(kAuditGenesisHash, 1, precise),
            *hasher.hash(kAuditGenesisHash, 1, stored));
  // Under a millisecond after the epoch stores as 0, which reads back unset.
  precise.at = core::kNoTime + std::chrono::microseconds(500);
  stored.at = core::kNoTime;
  EXPECT_EQ(*hasher.hash(kAuditGenesisHash, 1, precise),
            *hasher.hash(kAuditGenesisHash, 1, stored));
}

TEST(AuditChain, IntactChainVerifies) {
  const auto rows = five_entries();
  const auto v = verify(rows, head_of(rows));
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 5);
  EXPECT_EQ(v.head_hash, rows.back().hash);
  EXPECT_FALSE(v.broken_seq.has_value());
  EXPECT_EQ(v.reason, "");
}

TEST(AuditChain, EmptyChainVerifies) {
  const auto v = verify({}, AuditChainHead{});
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.entries, 0);
  EXPECT_EQ(v.head_hash, kAuditGenesisHash);
  EXPECT_TRUE(verify({}, std::nullopt).ok);  // nothing written, nothing to miss
}

void expect_broken(const AuditVerification& v, int64_t seq, std::string_view token,
                   std::string_view incident_id) {
  EXPECT_FALSE(v.ok);
  ASSERT_TRUE(v.broken_seq.has_value());
  EXPECT_EQ(*v.broken_seq, seq);
  EXPECT_EQ(v.entries, seq - 1);
  EXPECT_EQ(v.broken_incident_id, incident_id);
  EXPECT_TRUE(v.reason.starts_with(std::string(token) + ": ")) << v.reason;
  EXPECT_EQ(v.head_hash, "");
}

// An edit of any hashed field, with the stored hashes left alone, shows at
// that entry.
TEST(AuditChain, EditOfEachFieldIsReportedAtItsEntry) {
  const std::vector<std::pair<const char*, std::function<void(core::AuditEntry&)>>> edits = {
      {"incident_id", [](core::AuditEntry& e) { e.incident_id = "INC-9"; }},
      {"at", [](core::AuditEntry& e) { e.at += std::chrono::milliseconds(1); }},
      {"at unset", [](core::AuditEntry& e) { e.at = core::kNoTime; }},
      {"actor", [](core::AuditEntry& e) { e.actor = "mallory"; }},
      {"action", [](core::AuditEntry& e) { e.action = "close"; }},
      {"detail", [](core::AuditEntry& e) { e.detail = R"({"n":0})"; }},
      {"hash", [](core::AuditEntry& e) { e.hash = std::string(64, 'f'); }},
  };
  for (const auto& [field, edit] : edits) {
    SCOPED_TRACE(field);
    auto rows = five_entries();
    edit(rows[2]);
    // The report names the incident as the row now reads.
    expect_broken(verify(rows, head_of(five_entries())), 3, "content_mismatch",
                  rows[2].incident_id);
  }
}

TEST(AuditChain, EditOfPrevHashBreaksTheLink) {
  auto rows = five_entries();
  rows[3].prev_hash = std::string(64, 'a');
  expect_broken(verify(rows, head_of(rows)), 4, "link_mismatch", "INC-1");
}

// Rewriting an entry's own hash to match its edit moves the break to the
// next entry, whose prev_hash still names the original.
TEST(AuditChain, EditWithRecomputedHashBreaksTheNextLink) {
  auto rows = five_entries();
  rows[1].actor = "mallory";
  AuditHasher hasher;
  rows[1].hash = *hasher.hash(rows[1].prev_hash, rows[1].seq, rows[1]);
  expect_broken(verify(rows, head_of(five_entries())), 3, "link_mismatch", "INC-2");
}

TEST(AuditChain, DeletedMiddleEntryIsAGap) {
  auto rows = five_entries();
  rows.erase(rows.begin() + 2);
  const auto v = verify(rows, head_of(five_entries()));
  expect_broken(v, 3, "seq_gap", "");
  EXPECT_NE(v.reason.find("seq 2 is followed by seq 4"), std::string::npos) << v.reason;
}

TEST(AuditChain, DeletedFirstEntryIsAGap) {
  auto rows = five_entries();
  rows.erase(rows.begin());
  expect_broken(verify(rows, head_of(five_entries())), 1, "seq_gap", "");
}

// Deleting an entry and renumbering the rest closes the gap but not the
// links: the renumbered entry's prev_hash is its old predecessor's hash.
TEST(AuditChain, DeletedAndRenumberedEntryBreaksTheLink) {
  auto rows = five_entries();
  rows.erase(rows.begin() + 1);
  for (size_t i = 0; i < rows.size(); ++i) rows[i].seq = static_cast<int64_t>(i) + 1;
  expect_broken(verify(rows, std::nullopt), 2, "link_mismatch", "INC-2");
}

TEST(AuditChain, SwappedEntriesBreakTheLink) {
  auto rows = five_entries();
  std::swap(rows[1], rows[2]);
  std::swap(rows[1].seq, rows[2].seq);  // seq order kept, contents swapped
  expect_broken(verify(rows, head_of(five_entries())), 2, "link_mismatch", "INC-2");
}

// Nothing follows the newest entry, so the chain alone cannot tell that it
// was cut off: the recorded head can.
TEST(AuditChain, DeletedLastEntryNeedsTheHead) {
  const auto intact = five_entries();
  auto rows = intact;
  rows.pop_back();
  ChainVerifier alone;
  for (const auto& row : rows) ASSERT_TRUE(alone.add(row).ok());
  EXPECT_TRUE(alone.ok());  // the chain by itself is fine

  expect_broken(verify(rows, head_of(intact)), 5, "tail_missing", "");
}

TEST(AuditChain, EntriesBeyondTheHeadAreReported) {
  const auto rows = five_entries();
  const AuditChainHead head{3, rows[2].hash};
  expect_broken(verify(rows, head), 4, "beyond_head", "");
}

TEST(AuditChain, HeadWithAnotherHashIsReported) {
  const auto rows = five_entries();
  expect_broken(verify(rows, AuditChainHead{5, std::string(64, 'b')}), 5, "head_mismatch", "");
}

TEST(AuditChain, MissingHeadRecordIsReported) {
  expect_broken(verify(five_entries(), std::nullopt), 5, "head_missing", "");
}

// Only the first break is reported; later rows are not checked.
TEST(AuditChain, ReportsOnlyTheFirstBreak) {
  auto rows = five_entries();
  rows[1].detail = "{}";
  rows[3].detail = "{}";
  expect_broken(verify(rows, head_of(rows)), 2, "content_mismatch", "INC-1");
}

// HMAC-SHA256 through EVP_MAC against RFC 4231's test case 2.
TEST(AuditChain, HmacMatchesRfc4231) {
  AuditHasher hasher("Jefe");
  EXPECT_EQ(*hasher.hmac_hex("what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_FALSE(AuditHasher().hmac_hex("x").ok());  // no key, no HMAC
}

std::vector<core::AuditEntry> keyed_chain(const std::string& key) {
  auto entries = five_entries();  // SHA-256 first, then re-chained with the key from seq 3 on
  AuditHasher hasher(key);
  for (size_t i = 2; i < entries.size(); ++i) {
    entries[i].prev_hash = entries[i - 1].hash;
    entries[i].hash = *hasher.hash(entries[i].prev_hash, entries[i].seq, entries[i]);
  }
  return entries;
}

AuditVerification verify_with(const std::string& key, const std::vector<core::AuditEntry>& rows) {
  ChainVerifier verifier(key);
  for (const auto& row : rows) EXPECT_TRUE(verifier.add(row).ok());
  verifier.finish(head_of(rows));
  return verifier.result();
}

TEST(AuditChain, ShaEntriesThenHmacEntriesVerifyWithTheKey) {
  const std::string key = "0123456789abcdef";
  const auto rows = keyed_chain(key);
  EXPECT_EQ(rows[1].hash.size(), 64u);
  EXPECT_TRUE(is_hmac_hash(rows[2].hash));
  auto v = verify_with(key, rows);
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.entries, 5);

  v = verify_with("", rows);  // no key: the SHA-256 part, then key_required
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.status, "key_required");
  EXPECT_EQ(v.broken_seq, 3);
  EXPECT_EQ(v.entries, 2);

  v = verify_with("another key 0123", rows);
  EXPECT_EQ(v.status, "broken");
  EXPECT_EQ(v.broken_seq, 3);
  EXPECT_TRUE(v.reason.starts_with("content_mismatch: ")) << v.reason;
}

// Someone without the key re-hashes an HMAC entry as SHA-256: refused.
TEST(AuditChain, ShaEntryAfterHmacIsADowngrade) {
  const std::string key = "0123456789abcdef";
  auto rows = keyed_chain(key);
  rows[4].hash = *AuditHasher().hash(rows[4].prev_hash, rows[4].seq, rows[4]);
  auto v = verify_with(key, rows);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.broken_seq, 5);
  EXPECT_TRUE(v.reason.starts_with("algorithm_downgrade: ")) << v.reason;
}

TEST(AuditChain, ExpectedHashAtAnAnchoredSeq) {
  const auto rows = five_entries();
  ChainVerifier verifier("", ChainPosition{{2, rows[1].hash}, false});
  verifier.expect_hash_at(4, std::string(64, 'c'));
  for (size_t i = 2; i < rows.size(); ++i) EXPECT_TRUE(verifier.add(rows[i]).ok());
  auto v = verifier.result();
  EXPECT_EQ(v.status, "anchor_mismatch");
  EXPECT_EQ(v.broken_seq, 4);
  EXPECT_EQ(v.checked, 2);  // started after entry 2
}

TEST(AuditAnchorFile, RoundTripsAndItsMacBindsTheKey) {
  char tmpl[] = "/tmp/alertd-anchor-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/sub/audit.anchor";
  const std::string key = "0123456789abcdef";
  EXPECT_FALSE(read_anchor_file(path, key)->has_value());  // missing: nullopt, not an error
  const AuditChainHead head{42, "hmac-sha256:" + std::string(64, 'd')};
  ASSERT_TRUE(write_anchor_file(path, head, key).ok());
  auto read = read_anchor_file(path, key);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ((*read)->head.seq, 42);
  EXPECT_EQ((*read)->head.hash, head.hash);
  EXPECT_TRUE((*read)->authenticated);
  EXPECT_FALSE(read_anchor_file(path, "another key 0123").ok());
  auto unkeyed = read_anchor_file(path, "");
  ASSERT_TRUE(unkeyed.ok());
  EXPECT_FALSE((*unkeyed)->authenticated);
  // Moved back by someone without the key: the mac no longer verifies.
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("seq 42"), 6, "seq 40");
  std::ofstream(path) << text;
  auto edited = read_anchor_file(path, key);
  ASSERT_FALSE(edited.ok());
  EXPECT_EQ(edited.error().reason, "anchor_invalid");
  // Without a mac, an HMAC head cannot be: the mac was stripped.
  std::ofstream(path) << "alertd-audit-anchor 1\nseq 42\nhash " << head.hash << "\n";
  EXPECT_FALSE(read_anchor_file(path, key).ok());
  std::ofstream(path) << "garbage";
  EXPECT_FALSE(read_anchor_file(path, "").ok());
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace alertd::sinks
