#include "sinks/store/audit_verify.h"

#include <utility>

namespace alertd::sinks {

namespace {

/// Marks an outcome whose chain verified as failing for a reason found
/// around it (the anchor, a position verified before).
void fail_outcome(AuditVerification& v, std::string status, std::string reason,
                  std::optional<int64_t> broken_seq) {
  v.ok = false;
  v.status = std::move(status);
  v.reason = std::move(reason);
  v.broken_seq = broken_seq;
  v.broken_incident_id.clear();
  if (broken_seq) v.entries = std::min(v.entries, *broken_seq - 1);
}

/// The anchor's verdict on a chain that verified up to `v.entries`. `from`
/// is where the walk started: the anchored entry, when at or before it, was
/// not walked and is looked up.
core::Status check_anchor(AuditRows& rows, const AnchorSeen& seen, const ChainPosition& from,
                          AuditVerification& v) {
  if (!seen.configured) return {};
  if (seen.invalid) {
    fail_outcome(v, "anchor_invalid", "anchor_invalid: " + seen.invalid->message, std::nullopt);
    return {};
  }
  if (!seen.anchor) {
    if (v.entries > 0) {
      fail_outcome(v, "anchor_missing",
                   "anchor_missing: the anchor file does not exist while the chain has " +
                       std::to_string(v.entries) +
                       " entries (deleted, or never written: see `alertd audit re-anchor`)",
                   std::nullopt);
    }
    return {};
  }
  const AuditChainHead& anchored = seen.anchor->head;
  v.anchor_seq = anchored.seq;
  v.anchor_hash = anchored.hash;
  if (anchored.seq > v.entries) {
    fail_outcome(v, "truncated",
                 "truncated: the database's head is entry " + std::to_string(v.entries) +
                     " but the anchor outside it is at entry " + std::to_string(anchored.seq) +
                     ": entries committed before were removed",
                 v.entries + 1);
    return {};
  }
  if (anchored.seq == 0 || anchored.seq > from.head.seq) return {};  // checked during the walk
  std::optional<std::string> hash;
  if (anchored.seq == from.head.seq) {
    hash = from.head.hash;
  } else {
    auto found = rows.hash_at(anchored.seq);
    if (!found.ok()) return found.error();
    hash = std::move(*found);
  }
  if (hash != anchored.hash) {
    fail_outcome(v, "anchor_mismatch",
                 "anchor_mismatch: entry " + std::to_string(anchored.seq) +
                     " is not the entry the anchor recorded: the chain was rewritten from there "
                     "on (or restored from another backup)",
                 anchored.seq);
  }
  return {};
}

}  // namespace

AnchorSeen read_anchor_for_verify(const AuditSettings& settings) {
  AnchorSeen seen;
  seen.configured = !settings.anchor_file.empty();
  if (!seen.configured) return seen;
  auto file = read_anchor_file(settings.anchor_file, settings.key);
  if (!file.ok()) {
    seen.invalid = file.error();
  } else {
    seen.anchor = std::move(*file);
  }
  return seen;
}

ChainPosition AuditVerifyState::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

int64_t AuditVerifyState::highest_verified() const {
  std::lock_guard lock(mutex_);
  return highest_;
}

void AuditVerifyState::restart() {
  std::lock_guard lock(mutex_);
  position_ = ChainPosition{};
}

void AuditVerifyState::verified(const ChainPosition& position) {
  std::lock_guard lock(mutex_);
  // Two verifies may end in either order: keep the further position.
  if (position.head.seq >= position_.head.seq) position_ = position;
  highest_ = std::max(highest_, position.head.seq);
}

core::Result<AuditVerification> verify_audit_chain(AuditRows& rows, const AuditSettings& settings,
                                                   const AnchorSeen& seen, AuditVerifyState& state,
                                                   const AuditVerifyRequest& request) {
  const AnchorSeen& anchor = request.ignore_anchor ? AnchorSeen{} : seen;
  auto head = rows.head();
  if (!head.ok()) return head.error();
  ChainPosition from = request.full ? ChainPosition{} : state.position();
  if (from.head.seq > 0) {
    // The entry verified last must still be there, with its hash: if not,
    // walk from the start to find where the chain breaks.
    auto at = rows.hash_at(from.head.seq);
    if (!at.ok()) return at.error();
    if (*at != from.head.hash) from = ChainPosition{};
  }
  ChainVerifier verifier(settings.key, from);
  if (anchor.anchor && anchor.anchor->head.seq > from.head.seq) {
    verifier.expect_hash_at(anchor.anchor->head.seq, anchor.anchor->head.hash);
  }
  if (auto st = rows.walk(from.head.seq, verifier); !st.ok()) return st.error();
  verifier.finish(*head);
  const int64_t highest = state.highest_verified();
  if (verifier.ok()) {
    state.verified(verifier.position());
  } else if (from.head.seq == 0 && verifier.result().status == "broken") {
    // A full walk found a break: the position verified before is no proof
    // any more, so later calls walk from the start and report it too.
    state.restart();
  }
  AuditVerification v = verifier.result();
  v.full = from.head.seq == 0;
  v.head_seq = head->has_value() ? (*head)->seq : 0;
  if (anchor.anchor) {
    v.anchor_seq = anchor.anchor->head.seq;
    v.anchor_hash = anchor.anchor->head.hash;
  }
  if (!v.ok) return v;
  if (v.entries < highest) {
    fail_outcome(v, "truncated",
                 "truncated: the log ends at entry " + std::to_string(v.entries) + " but entry " +
                     std::to_string(highest) + " was verified before",
                 v.entries + 1);
    return v;
  }
  if (auto st = check_anchor(rows, anchor, from, v); !st.ok()) return st.error();
  return v;
}

}  // namespace alertd::sinks
