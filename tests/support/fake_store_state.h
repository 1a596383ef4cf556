#pragma once
// FakeStore's data and controls (fake_store.h), shared by fake_store.cc
// (controls, incidents, audit trail, retention), fake_store_records.cc
// (silences, problems) and fake_store_notify.cc (the notification outbox).
// Not for tests to include.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/incident.h"
#include "core/problem.h"
#include "core/result.h"
#include "core/silence.h"
#include "sinks/store/audit_chain.h"
#include "sinks/store/audit_verify.h"
#include "sinks/store/notify_store.h"
#include "tests/support/fake_store.h"

namespace alertd::testing {

struct ProblemLink {
  int64_t problem_seq = 0;
  core::TimePoint linked_at = core::kNoTime;
};

struct FakeStore::State {
  // One mutex for data and controls: each call sees one commit, and a
  // stalled call waits on `changed` without holding it.
  mutable std::mutex mu;
  mutable std::condition_variable changed;  // stall ended, a call stalled, a batch committed
  bool stalled = false;
  bool failing = false;
  size_t stalled_calls = 0;
  uint64_t committed_batches = 0;

  // Everything below is what the SQL stores keep in their tables, with the
  // same normalization: times in whole milliseconds, problem_id never stored.
  std::map<int64_t, core::Incident> incidents;                  // by seq
  std::map<std::string, int64_t, std::less<>> incident_ids;     // id -> seq (UNIQUE)
  std::map<int64_t, std::map<uint64_t, core::Member>> members;  // seq -> fingerprint -> member
  std::vector<core::AuditEntry> audit;                          // in seq order, 1, 2, 3, ...
  std::vector<sinks::QuarantineRecord> quarantine;              // in seq order, 1, 2, 3, ...
  sinks::AuditChainHead head;
  sinks::AuditVerifyState verified;  // verify_audit's last position (no key, no anchor file)
  sinks::AuditHasher hasher;
  std::map<int64_t, core::Silence> silences;  // by seq
  int64_t last_silence_seq = 0;
  std::map<int64_t, core::Problem> problems;  // by seq; counts filled in on read
  int64_t last_problem_seq = 0;
  std::map<int64_t, ProblemLink> links;  // incident seq -> its problem
  int64_t purged_max_seq = 0;
  std::map<int64_t, sinks::OutboxMessage> outbox;  // by seq
  int64_t last_outbox_seq = 0;
  std::map<std::string, sinks::NotifyTold, std::less<>> told;  // by incident id

  /// Retention's part of the outbox: the messages and told state of `incident_id`.
  void forget_notifications(const std::string& incident_id);

  /// Blocks while stalled; returns holding `mu`.
  std::unique_lock<std::mutex> enter() const;
  /// The error of every write while failing; ok otherwise.
  core::Status write_allowed() const;

  /// Numbers, hashes and appends `entries` (times cut to milliseconds); all
  /// or nothing.
  core::Status append_audit(std::span<const core::AuditEntry> entries);
  /// An incident as read: the stored row with its problem link.
  core::Incident read_incident(const core::Incident& stored) const;
  /// The members of incident `seq` in the SQL stores' order: first_seen (unset
  /// first), then fingerprint as hex text.
  std::vector<core::Member> members_in_order(int64_t seq) const;
  /// A problem as read: the stored row with its link count and last link time.
  core::Problem read_problem(const core::Problem& stored) const;
};

/// The row as a SQL store would keep it: times in whole milliseconds.
core::Incident stored_incident(core::Incident incident);
core::Member stored_member(core::Member member);
core::Problem stored_problem(core::Problem problem);

inline core::Error fake_error(std::string reason, const std::string& what) {
  return core::Error{std::move(reason), std::string(FakeStore::kName) + ": " + what};
}

}  // namespace alertd::testing
