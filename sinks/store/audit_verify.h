#pragma once
// verify_audit for every store: the incremental walk of the chain from the
// last verified position, the head the database recorded, and the anchor
// outside it (audit_anchor.h). A backend supplies one read snapshot of its
// audit tables (AuditRows); the rules of what is ok live here, once.
//
// Order: the anchor file is read before the snapshot begins. The writer
// writes the anchor only after its commit, so an anchor read first is never
// ahead of a snapshot taken after it unless entries were really removed.
//
// Incremental: AuditVerifyState keeps the last verified position (seq,
// hash). A call walks only the entries after it, after checking that the
// entry at that position still has the hash verified (if not, it walks the
// whole log to find the first break). An edit of an entry before the
// position, keeping its stored hash, is found only by a full walk
// (AuditVerifyRequest::full). The state also remembers the highest seq ever
// verified, so a log cut below it reads as truncated even without an anchor.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"
#include "sinks/store/audit_anchor.h"
#include "sinks/store/audit_chain.h"
#include "sinks/store/incident_store.h"

namespace alertd::sinks {

/// One read snapshot of a backend's audit_log and audit_head.
class AuditRows {
 public:
  virtual ~AuditRows() = default;
  /// audit_head's row; nullopt when it is missing.
  virtual core::Result<std::optional<AuditChainHead>> head() = 0;
  /// The stored hash of entry `seq`; nullopt when there is no such row.
  virtual core::Result<std::optional<std::string>> hash_at(int64_t seq) = 0;
  /// Feeds every row with seq > `after` to `verifier` in seq order, until it
  /// breaks or the rows end. Streams: memory stays flat.
  virtual core::Status walk(int64_t after, ChainVerifier& verifier) = 0;
};

/// The anchor as verify saw it, read before the snapshot.
struct AnchorSeen {
  bool configured = false;             // an anchor_file is set
  std::optional<AnchorFile> anchor;    // nullopt: the file does not exist (or error)
  std::optional<core::Error> invalid;  // unreadable, malformed, or its mac failed
};
AnchorSeen read_anchor_for_verify(const AuditSettings& settings);

/// What a store keeps between verify calls. Thread-safe.
class AuditVerifyState {
 public:
  ChainPosition position() const;
  int64_t highest_verified() const;
  /// After a walk that verified the chain up to `position`.
  void verified(const ChainPosition& position);
  /// After a full walk found a break: the next calls start from the start.
  void restart();

 private:
  mutable std::mutex mutex_;
  ChainPosition position_;
  int64_t highest_ = 0;
};

/// IncidentStore::verify_audit over one snapshot.
core::Result<AuditVerification> verify_audit_chain(AuditRows& rows, const AuditSettings& settings,
                                                   const AnchorSeen& anchor,
                                                   AuditVerifyState& state,
                                                   const AuditVerifyRequest& request);

/// What a store shares between its writer and its readers: the settings, the
/// anchor the writer moves, and the position verify keeps.
struct AuditContext {
  explicit AuditContext(AuditSettings s) : anchor(std::move(s)) {}
  const AuditSettings& settings() const { return anchor.settings(); }
  AuditAnchor anchor;
  AuditVerifyState verified;
};

}  // namespace alertd::sinks
