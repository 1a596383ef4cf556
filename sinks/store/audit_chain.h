#pragma once
// The hash chain of the audit trail, independent of any store: every store
// (SQLite, PostgreSQL) hashes and verifies its entries with these, so a chain
// written by one reads the same in the other and in external tools.
//
// hash(entry) = lowercase hex SHA-256 of the canonical encoding:
//
//   netstring("alertd-audit-v1") netstring(prev_hash) netstring(seq)
//   netstring(incident_id) netstring(at) netstring(actor) netstring(action)
//   netstring(detail)
//
// where netstring(x) = decimal byte length of x, ':', x, ',' (so no field can
// run into the next), seq is decimal, at is decimal unix milliseconds (what
// the stores keep; "unset" when the entry has no time, i.e. 0 ms, since
// alertd's unset time is the epoch), and prev_hash is the
// previous entry's hash, or 64 '0' for the first entry. Entries are numbered
// 1, 2, 3, ... without gaps.
//
// With a key (`audit.key`), an entry's hash is "hmac-sha256:" followed by the
// lowercase hex HMAC-SHA256 of the same encoding under that key. Each entry
// thus records its own algorithm in its hash: a chain written without a key
// continues with HMAC entries once a key is configured (the first HMAC
// entry's prev_hash is the last SHA-256 hash), and a SHA-256 entry after an
// HMAC entry is a break (algorithm_downgrade: someone without the key
// re-hashed it). A verifier without the key checks the SHA-256 part and
// stops at the first HMAC entry with key_required; it never answers ok.
//
// What a valid chain proves: no entry was edited, removed from the middle, or
// reordered *without rewriting every later hash*. It cannot show that the
// newest entries were cut off (nothing follows them): the store keeps the head
// (last seq and hash) apart, and ChainVerifier::finish compares it; the anchor
// file outside the database (audit_anchor.h) catches a head rewritten to
// match a cut log. Someone who can write the database and the anchor and
// knows this algorithm can still rewrite everything when there is no key;
// with a key, only a holder of the key can.
//
// Threads: an AuditHasher and a ChainVerifier are used by one thread at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/incident.h"
#include "core/result.h"
#include "sinks/store/incident_store.h"

struct evp_md_ctx_st;
struct evp_md_st;
struct evp_mac_st;
struct evp_mac_ctx_st;

namespace alertd::sinks {

/// The start of the hash of an entry chained with a key (HMAC-SHA256).
inline constexpr std::string_view kAuditHmacPrefix = "hmac-sha256:";

inline bool is_hmac_hash(std::string_view hash) {
  return hash.starts_with(kAuditHmacPrefix);
}

/// The prev_hash of the first entry.
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Appends the canonical encoding of `entry` as entry number `seq`, chained
/// to `prev_hash`, to `out`. Covers incident_id, at (in milliseconds), actor,
/// action and detail; the entry's seq, hash and prev_hash fields are not read
/// (a store numbers an entry as it appends it).
void append_audit_encoding(std::string& out, std::string_view prev_hash, int64_t seq,
                           const core::AuditEntry& entry);

/// SHA-256, or HMAC-SHA256 with a key, through OpenSSL's libcrypto, reusing
/// one digest and one MAC context.
class AuditHasher {
 public:
  /// Without a key: the SHA-256 chain. With one: HMAC-SHA256 entries.
  explicit AuditHasher(std::string key = {});
  AuditHasher(AuditHasher&& other) noexcept;
  AuditHasher& operator=(AuditHasher&& other) noexcept;
  AuditHasher(const AuditHasher&) = delete;
  AuditHasher& operator=(const AuditHasher&) = delete;
  ~AuditHasher();

  bool keyed() const { return !key_.empty(); }

  /// Lowercase hex SHA-256 of `data`. Fails (reason audit_hash) only when
  /// libcrypto does (out of memory, no SHA-256 provider).
  core::Result<std::string> sha256_hex(std::string_view data);
  /// "hmac-sha256:" + lowercase hex HMAC-SHA256 of `data` under the key
  /// (audit_hash error without a key).
  core::Result<std::string> hmac_hex(std::string_view data);
  /// The chain hash of `entry` as number `seq` after `prev_hash` (see the
  /// top of this file): HMAC when the hasher has a key, else SHA-256.
  core::Result<std::string> hash(std::string_view prev_hash, int64_t seq,
                                 const core::AuditEntry& entry);
  /// The same with the algorithm chosen by the caller (a verifier follows
  /// each entry's own).
  core::Result<std::string> hash_as(bool hmac, std::string_view prev_hash, int64_t seq,
                                    const core::AuditEntry& entry);

 private:
  void release();

  std::string key_;
  evp_md_ctx_st* ctx_ = nullptr;
  evp_md_st* sha256_ = nullptr;
  evp_mac_st* mac_ = nullptr;
  evp_mac_ctx_st* mac_ctx_ = nullptr;
  std::string encoding_;  // reused buffer for the canonical bytes
};

/// The last entry of a chain as the store records it apart from the entries.
struct AuditChainHead {
  int64_t seq = 0;  // 0: no entries yet
  std::string hash = std::string(kAuditGenesisHash);
};

/// Where a walk starts: the last entry verified before (genesis: seq 0), and
/// whether any entry up to it was an HMAC entry (after one, SHA-256 entries
/// are refused).
struct ChainPosition {
  AuditChainHead head;
  bool hmac_seen = false;
};

/// Checks a chain fed row by row in seq order, keeping only the previous
/// row's seq and hash (a store can stream any number of rows through it).
/// Reports the first broken link; rows after it are not checked. Reasons
/// start with a stable token:
///   seq_gap             a seq is missing (a deleted row); broken_seq is the missing one
///   link_mismatch       prev_hash is not the previous row's hash (deleted, reordered
///                       or re-hashed rows)
///   content_mismatch    the stored hash does not match the row's fields (an edited
///                       row, or with HMAC entries: another audit.key)
///   algorithm_downgrade a SHA-256 entry follows an HMAC entry
///   key_required        an HMAC entry, and the verifier has no key (status key_required)
///   anchor_mismatch     the entry at the anchored seq has another hash (status
///                       anchor_mismatch; see expect_hash_at)
///   tail_missing        the recorded head is past the last row (the newest rows were
///                       cut; status truncated)
///   beyond_head         rows follow the recorded head (appended outside the store)
///   head_mismatch       the last row is the head's seq but not its hash
///   head_missing        rows exist but the store has no head record
class ChainVerifier {
 public:
  /// `key`: audit.key ("" without). `from`: the rows fed start after it.
  explicit ChainVerifier(std::string key = {}, ChainPosition from = {});

  /// The row `seq` must have `hash` (the anchor's entry, when it is among
  /// the rows fed). Call before add().
  void expect_hash_at(int64_t seq, std::string hash);
  /// Checks the next row. An error only when hashing itself fails.
  core::Status add(const core::AuditEntry& row);
  /// After the last row: compares where the chain ended with the head the
  /// store recorded (nullopt: it has none). Does nothing once broken.
  void finish(const std::optional<AuditChainHead>& recorded_head);
  /// Marks the chain not trusted from `seq` on, for what a store finds
  /// around the walk (the anchor, a verified position gone).
  void fail(int64_t seq, std::string incident_id, std::string status, std::string reason);

  bool ok() const { return !broken_seq_.has_value(); }
  /// The last row verified (where the next incremental walk starts).
  const ChainPosition& position() const { return last_; }
  /// Rows hashed so far.
  int64_t checked() const { return checked_; }
  /// The outcome: entries = rows before the first broken seq (all rows when
  /// ok), head_hash = the last row's hash when ok (64 '0' for no rows), else "".
  AuditVerification result() const;

 private:
  AuditHasher hasher_;
  bool has_key_;
  ChainPosition last_;  // the last verified row
  std::optional<AuditChainHead> expected_;
  int64_t checked_ = 0;
  std::optional<int64_t> broken_seq_;
  std::string broken_incident_id_;
  std::string status_ = "ok";
  std::string reason_;
};

}  // namespace alertd::sinks
