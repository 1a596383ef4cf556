#pragma once
// FakeStore: an in-memory sinks store for tests that need a store but not a
// database: the in-process pipeline tests, and anything that must make the
// store slow or absent on purpose. It keeps the contract of the real stores
// (it passes the conformance suite, tests/unit/sinks/store_conformance.h, as
// sinks_fake_test): all-or-nothing batches, upserts by seq and by (seq,
// fingerprint), millisecond times, the hash-chained audit trail, silences that
// only end earlier, problems and their links, the notification outbox,
// retention. What it cannot have
// is SQL: there are no tables to query or tamper with.
//
// Test controls (thread-safe; they act on every FakeStore over the same data,
// see reopen()):
//
//   stall() / resume()   From stall() on, every call of the store (writes,
//                        reads and ping() alike) blocks on entry until
//                        resume(), as a store whose lock is held elsewhere or
//                        whose server hangs would. stalled_calls() says how
//                        many are blocked now; wait_for_stalled_calls() waits
//                        until that many are.
//   fail_writes(true)    Every write (apply, create_silence, expire_silence,
//                        link_recurring, edit_problem, purge_closed, the
//                        outbox's enqueue, record and forget) and
//                        ping() fails with reason "store_unavailable", as in an
//                        outage: not permanent, so the caller retries later.
//                        Nothing is written. Reads still answer. false ends it.
//   committed_batches()  How many apply() calls committed a non-empty batch;
//                        wait_for_committed_batches() waits until that many
//                        have (a writer thread's progress, without sleeps).
//
// Threads: any number of threads may call it at once; one mutex orders all
// calls, so each call sees one commit, as the real stores' reads do.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/store/store.h"

namespace alertd::testing {

class FakeStore final : public sinks::Store {
 public:
  /// An empty store.
  FakeStore();
  ~FakeStore() override;
  FakeStore(const FakeStore&) = delete;
  FakeStore& operator=(const FakeStore&) = delete;

  /// Another store over the same data and controls, as opening the same
  /// database again: what one writes, the other reads.
  std::unique_ptr<FakeStore> reopen() const;

  // --- test controls (see the top of this file) ---

  void stall();
  void resume();
  size_t stalled_calls() const;
  /// True once at least `n` calls are blocked by stall(); false after `timeout`.
  bool wait_for_stalled_calls(size_t n, std::chrono::milliseconds timeout) const;
  void fail_writes(bool fail);
  uint64_t committed_batches() const;
  /// True once committed_batches() >= n; false after `timeout`.
  bool wait_for_committed_batches(uint64_t n, std::chrono::milliseconds timeout) const;

  // --- what a test would otherwise ask the database ---

  /// Rows of a table as the SQL stores name them: incidents,
  /// incident_members, audit_log, silences, problems, problem_incidents,
  /// notify_outbox, notify_told.
  /// nullopt for any other name.
  std::optional<int64_t> row_count(std::string_view table) const;
  /// Every stored incident, by seq; every member of one incident; every
  /// audit entry, by seq (with prev_hash and hash).
  std::vector<core::Incident> incidents() const;
  std::vector<core::Member> members_of(int64_t incident_seq) const;
  std::vector<core::AuditEntry> audit_log() const;
  /// The recorded head of the audit chain (seq 0 when empty).
  int64_t audit_head_seq() const;

  // --- sinks::IncidentStore, and Store::ping ---

  core::Status apply(std::span<const core::IncidentUpdate> batch) override;
  core::Result<sinks::IncidentPage> list(const sinks::IncidentFilter& filter) override;
  core::Result<std::optional<sinks::IncidentDetail>> get(std::string_view id) override;
  core::Result<sinks::TimelinePage> timeline(std::string_view id,
                                             const sinks::TimelineQuery& query) override;
  using sinks::IncidentStore::timeline;
  core::Result<std::optional<core::AuditEntry>> last_timeline_entry(std::string_view id) override;
  core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                         core::TimePoint since,
                                                         size_t limit) override;
  core::Result<core::ActiveState> load_active() override;
  core::Result<std::vector<core::JournalMark>> load_journal_marks(uint64_t after) override;
  core::Result<sinks::AuditVerification> verify_audit(
      const sinks::AuditVerifyRequest& request = {}) override;
  core::Result<int64_t> re_anchor_audit(const core::AuditEntry& entry) override;
  core::Result<int64_t> quarantine(sinks::QuarantineRecord record) override;
  core::Result<sinks::QuarantinePage> list_quarantine(std::optional<int64_t> before_seq,
                                                      size_t limit) override;
  core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                    core::TimePoint now, const sinks::Archiver& archive) override;
  core::Status ping() override;

  // --- sinks::SilenceStore ---

  core::Result<core::Silence> create_silence(core::Silence silence) override;
  core::Result<sinks::SilencePage> list_silences(const sinks::SilenceFilter& filter) override;
  core::Result<int64_t> count_unended_silences(core::TimePoint now) override;
  core::Result<std::optional<core::Silence>> get_silence(std::string_view id) override;
  core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                            core::TimePoint now,
                                                            std::string_view actor) override;
  core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) override;
  using sinks::SilenceStore::load_silences;

  // --- sinks::ProblemStore ---

  core::Result<std::vector<core::ProblemLinks>> link_recurring(
      std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
      const core::RecurrenceCheck& check) override;
  core::Result<sinks::ProblemPage> list_problems(const sinks::ProblemFilter& filter) override;
  core::Result<std::optional<sinks::ProblemDetail>> get_problem(std::string_view id) override;
  core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                 const sinks::ProblemEdit& edit) override;

  // --- sinks::NotifyStore ---

  core::Result<std::vector<int64_t>> enqueue_notifications(
      std::span<const sinks::OutboxMessage> messages,
      std::span<const sinks::NotifyTold> told) override;
  core::Result<size_t> record_deliveries(std::span<const sinks::DeliveryAttempt> attempts) override;
  core::Result<std::vector<sinks::OutboxMessage>> load_pending_notifications(int64_t after_seq,
                                                                             size_t limit) override;
  core::Result<std::vector<sinks::NotifyTold>> load_notify_told() override;
  core::Status forget_notify_told(std::span<const std::string> incident_ids) override;

  /// What error messages name the store by.
  static constexpr std::string_view kName = "fake store";

  struct State;  // the data and the controls, shared by reopen()

 private:
  explicit FakeStore(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace alertd::testing
