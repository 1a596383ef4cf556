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
// What a valid chain proves: no entry was edited, removed from the middle, or
// reordered *without rewriting every later hash*. It cannot show that the
// newest entries were cut off (nothing follows them): the store keeps the head
// (last seq and hash) apart, and ChainVerifier::finish compares it. Someone
// who can write the file and knows this algorithm can still rewrite the whole
// chain and the head; anchoring the head hash outside the store (a log
// shipper, a ticket) is what catches that.
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

namespace alertd::sinks {

/// The prev_hash of the first entry.
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Appends the canonical encoding of `entry` as entry number `seq`, chained
/// to `prev_hash`, to `out`. Covers incident_id, at (in milliseconds), actor,
/// action and detail; the entry's seq, hash and prev_hash fields are not read
/// (a store numbers an entry as it appends it).
void append_audit_encoding(std::string& out, std::string_view prev_hash, int64_t seq,
                           const core::AuditEntry& entry);

/// SHA-256 through OpenSSL's libcrypto, reusing one digest context.
class AuditHasher {
 public:
  AuditHasher() = default;
  AuditHasher(AuditHasher&& other) noexcept;
  AuditHasher& operator=(AuditHasher&& other) noexcept;
  AuditHasher(const AuditHasher&) = delete;
  AuditHasher& operator=(const AuditHasher&) = delete;
  ~AuditHasher();

  /// Lowercase hex SHA-256 of `data`. Fails (reason audit_hash) only when
  /// libcrypto does (out of memory, no SHA-256 provider).
  core::Result<std::string> sha256_hex(std::string_view data);
  /// The chain hash of `entry` as number `seq` after `prev_hash` (see the top of this file).
  core::Result<std::string> hash(std::string_view prev_hash, int64_t seq,
                                 const core::AuditEntry& entry);

 private:
  void release();

  evp_md_ctx_st* ctx_ = nullptr;
  evp_md_st* sha256_ = nullptr;
  std::string encoding_;  // reused buffer for the canonical bytes
};

/// The last entry of a chain as the store records it apart from the entries.
struct AuditChainHead {
  int64_t seq = 0;  // 0: no entries yet
  std::string hash = std::string(kAuditGenesisHash);
};

/// Checks a chain fed row by row in seq order, keeping only the previous
/// row's seq and hash (a store can stream any number of rows through it).
/// Reports the first broken link; rows after it are not checked. Reasons
/// start with a stable token:
///   seq_gap          a seq is missing (a deleted row); broken_seq is the missing one
///   link_mismatch    prev_hash is not the previous row's hash (deleted, reordered
///                    or re-hashed rows)
///   content_mismatch the stored hash does not match the row's fields (an edited row)
///   tail_missing     the recorded head is past the last row (the newest rows were cut)
///   beyond_head      rows follow the recorded head (appended outside the store)
///   head_mismatch    the last row is the head's seq but not its hash
///   head_missing     rows exist but the store has no head record
class ChainVerifier {
 public:
  /// Checks the next row. An error only when hashing itself fails.
  core::Status add(const core::AuditEntry& row);
  /// After the last row: compares where the chain ended with the head the
  /// store recorded (nullopt: it has none). Does nothing once broken.
  void finish(const std::optional<AuditChainHead>& recorded_head);

  bool ok() const { return !broken_seq_.has_value(); }
  /// The outcome: entries = rows before the first broken seq (all rows when
  /// ok), head_hash = the last row's hash when ok (64 '0' for no rows), else "".
  AuditVerification result() const;

 private:
  void fail(int64_t seq, std::string incident_id, std::string reason);

  AuditHasher hasher_;
  AuditChainHead last_;  // the last verified row
  std::optional<int64_t> broken_seq_;
  std::string broken_incident_id_;
  std::string reason_;
};

}  // namespace alertd::sinks
