#include "daemon/store_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "correlator/lifecycle/lifecycle.h"
#include "daemon/update_merger.h"

namespace alertd::daemon {

namespace {
constexpr auto kPollWait = std::chrono::milliseconds(20);
// When idle, the writer asks the store whether it is there this often, so
// that /-/ready notices a lost PostgreSQL server without a write.
constexpr auto kPingEvery = std::chrono::seconds(1);
// A store call that has not returned after this long makes /-/ready fail:
// a stalled store (a lock held elsewhere, a hung server) is not ready.
constexpr int64_t kStuckAfterNs = 5'000'000'000;
// An outage fails every attempt: the first failure is logged, then at most
// one line this often, and the recovery once.
constexpr auto kFailureLogEvery = std::chrono::seconds(30);
// Incidents joined into another instance's are remembered this many at most.
constexpr size_t kMaxJoinsKept = 65536;

// A constraint violation, invalid text or a value over a limit fails the
// same way on every retry.
bool is_permanent(const core::Error& e) {
  return e.reason == "store_constraint" || e.reason == "store_invalid_input" ||
         e.reason == "store_limit";
}

constexpr auto refusal = core::lifecycle_refusal;
}  // namespace

StoreWriter::StoreWriter(const config::DaemonConfig& config,
                         const Published<config::Settings>& settings, telemetry::Metrics& metrics,
                         sinks::Store& store, core::Clock& clock,
                         BoundedQueue<ControlMessage>& control, Notifier& notifier)
    : config_(config),
      settings_source_(settings),
      settings_(settings),
      metrics_(metrics),
      store_(store),
      clock_(clock),
      control_(control),
      notifier_(notifier),
      upkeep_(store, metrics) {}

void StoreWriter::run(BoundedQueue<WriterItem>& input, const std::atomic<bool>& stop) {
  std::vector<WriterItem> batch(config_.store.batch_max);
  UpdateMerger merger;
  auto flush = [&] {
    auto writes = merger.take();
    if (!writes.empty()) commit(writes);
  };
  while (true) {
    bool stopping = stop.load(std::memory_order_acquire);
    // First, so that the notifier has restored before the first commit.
    if (!stopping) notifier_.tick(clock_.now());
    size_t n = input.pop(batch.data(), batch.size(), kPollWait);
    const auto now = clock_.now();
    if (!stopping) {
      const auto& settings = settings_.get(settings_source_);
      upkeep_.tick(settings.problems, settings.retention, now);
    }
    for (size_t i = 0; i < n; ++i) {
      if (auto* update = std::get_if<core::IncidentUpdate>(&batch[i])) {
        merger.add(std::move(*update));
        continue;
      }
      flush();  // everything queued before it, first
      if (auto* barrier = std::get_if<CommitBarrier>(&batch[i])) {
        barrier->done();
        batch[i] = core::IncidentUpdate{};
        continue;
      }
      call_started();
      if (auto* deferred = std::get_if<DeferredCommand>(&batch[i])) {
        run_deferred(deferred->command);
      } else {
        std::get<WriterJob>(batch[i]).run();
      }
      call_started_ns_.store(0, std::memory_order_release);
      last_call_ = now;
      batch[i] = core::IncidentUpdate{};  // frees what the item held
    }
    flush();
    if (abandoned()) break;
    if (n > 0) continue;
    keep_health(now);
    if (stopping && input.depth() == 0) break;
  }
  notifier_.shutdown();
}

void StoreWriter::commit(std::vector<core::IncidentUpdate>& writes) {
  auto backoff = std::chrono::milliseconds(50);
  int failures = 0;
  const auto first_failure = std::chrono::steady_clock::now();
  auto last_logged = first_failure;
  // Accepted means kept: a failed transaction is retried until it commits,
  // or until a shutdown gives up on the store (the journal keeps the alerts).
  while (!commit_once(writes, failures, first_failure)) {
    if (abandoned()) {
      spdlog::warn(
          "shutdown: {} incident updates not committed; the store did not take them "
          "within durability.shutdown_timeout",
          writes.size());
      return;
    }
    ++failures;
    const auto now = std::chrono::steady_clock::now();
    if (failures == 1 || now - last_logged >= kFailureLogEvery) {
      last_logged = now;
      spdlog::error(
          "store write of {} incident updates failed ({} attempts so far), retrying "
          "with backoff up to 5 s: {}",
          writes.size(), failures, last_error_);
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

// One attempt; true when done with `writes` (committed, or refused for good).
bool StoreWriter::commit_once(std::vector<core::IncidentUpdate>& writes, int failures,
                              std::chrono::steady_clock::time_point first_failure) {
  call_started();
  auto started = core::monotonic_nanos();
  auto status = store_.apply(writes);
  auto committed = core::monotonic_nanos();
  call_ended(status);
  last_call_ = clock_.now();
  if (!status.ok()) {
    metrics_.store_write_errors.inc();
    if (!is_permanent(status.error())) return false;
    drop_refused(writes, status.error());
    return true;
  }
  metrics_.store_batches.inc();
  metrics_.store_batch_seconds.observe(static_cast<double>(committed - started) / 1e9);
  if (store_.shared()) take_group_joins(writes);
  for (const auto& w : writes) {
    if (w.received_mono_ns > 0) {
      metrics_.processing_latency.observe(static_cast<double>(committed - w.received_mono_ns) /
                                          1e9);
    }
    metrics_.lifecycle.committed(w);
    if (!w.replies.empty()) answer_committed(w);
  }
  notifier_.committed(writes, clock_.now());
  if (commit_listener_) commit_listener_(writes);
  upkeep_.committed(writes, settings_.get(settings_source_).problems, clock_.now());
  if (failures > 0) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - first_failure)
                       .count();
    spdlog::info("store write of {} incident updates committed after {} failed attempts over {} s",
                 writes.size(), failures, seconds);
  }
  return true;
}

// A row the store refuses for good (ingest checks what it can, so this is
// rare: a limit only the store knows, or a bug). The batch is written one
// update at a time, so that one bad row cannot block every other incident;
// the bad one goes to the quarantine with its error, and its commands are
// answered with the refusal.
void StoreWriter::drop_refused(std::vector<core::IncidentUpdate>& writes,
                               const core::Error& error) {
  if (writes.size() > 1) {
    for (auto& w : writes) {
      std::vector<core::IncidentUpdate> one;
      one.push_back(std::move(w));
      commit(one);
    }
    return;
  }
  for (const auto& w : writes) {
    for (const auto& reply : w.replies) {
      deliver(reply, refusal(core::Verdict::failed, "store_refused", error.message));
    }
    quarantine(w, error);
  }
}

// Keeps a refused update in the quarantine, retrying while the store is
// away (like any write); only a quarantine the store refuses too drops it.
void StoreWriter::quarantine(const core::IncidentUpdate& update, const core::Error& error) {
  auto record = sinks::quarantine_record(update, error, clock_.now());
  auto backoff = std::chrono::milliseconds(50);
  while (true) {
    call_started();
    auto seq = store_.quarantine(record);
    call_ended(core::status_of(seq));
    if (seq.ok()) {
      metrics_.store_quarantined.with({error.reason}).inc();
      spdlog::error("store refused the update of {} ({}); kept as quarantine record {}: {}",
                    record.incident_id, error.reason, *seq, record.error);
      return;
    }
    if (is_permanent(seq.error()) || abandoned()) break;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
  metrics_.store_updates_dropped.inc();
  spdlog::error("store refused the update of {} and its quarantine record; dropped: {}",
                record.incident_id, record.error);
}

// The callers of a committed update's commands get the incident as the
// store now reads it: with what only the store holds (the problem link).
void StoreWriter::answer_committed(const core::IncidentUpdate& update) {
  core::LifecycleResult r;
  r.incident = update.incident;
  if (auto stored = store_.get(update.incident.id); stored.ok() && *stored) {
    r.incident = (*stored)->incident;
  }
  for (const auto& reply : update.replies) deliver(reply, r);
}

// A command on an incident the correlator let go (resolved or closed): the
// same state machine, on the incident as stored.
void StoreWriter::run_deferred(const core::LifecycleCommand& cmd) {
  auto stored = store_.get(cmd.incident_id);
  if (!stored)
    return deliver(cmd.reply, refusal(core::Verdict::unavailable, "store_unavailable",
                                      stored.error().message));
  if (!*stored) {
    return deliver(cmd.reply, refusal(core::Verdict::not_found, "not_found",
                                      "no incident with id \"" + cmd.incident_id + "\""));
  }
  const auto& settings = settings_.get(settings_source_);
  core::IncidentUpdate update;
  update.incident = (*stored)->incident;
  auto result =
      correlator::apply_command(update.incident, cmd, settings.correlation.lifecycle,
                                settings.correlation.priority, update.audit, update.milestones);
  if (core::refused(result.verdict)) return deliver(cmd.reply, std::move(result));
  update.replies.push_back(cmd.reply);
  const bool reopened = core::is_active(update.incident.status);
  std::vector<core::IncidentUpdate> writes;
  writes.push_back(update);
  commit(writes);
  if (reopened) {
    // Active again: the correlator takes it back, members and SLA clock included.
    Adoption adoption;
    adoption.state.incidents.push_back(update.incident);
    for (auto& m : (*stored)->members) {
      adoption.state.members.emplace_back(update.incident.id, std::move(m));
    }
    control_.push_over_bound(std::move(adoption));
  }
}

std::function<int64_t(int64_t)> StoreWriter::seq_reserver() {
  if (!store_.shared()) return {};
  return [this](int64_t count) -> int64_t {
    auto backoff = std::chrono::milliseconds(50);
    for (int failures = 0; !abandoned(); ++failures) {
      auto first = store_.reserve_incident_seqs(count);
      if (first.ok()) return *first;
      if (failures == 0 || backoff >= std::chrono::milliseconds(5000)) {
        spdlog::error("store: reserving incident numbers failed, retrying: {}",
                      first.error().message);
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    return 0;
  };
}

// After a commit to a shared store: the incidents of ours it joined into
// another instance's go back to the correlator as that one, members and all,
// and what this batch committed for them is told (notifier, incidents topic,
// metrics) as the other incident, which gained their members.
void StoreWriter::take_group_joins(std::vector<core::IncidentUpdate>& writes) {
  // The targets as stored now, each read once: the joins of this batch first.
  std::unordered_map<std::string, core::Incident> targets;
  for (auto& join : store_.take_group_joins()) {
    spdlog::info("store: incident seq {} was opened by another instance too, as {}: joined into it",
                 join.opened_seq, join.joined_id);
    if (joined_.size() >= kMaxJoinsKept) joined_.clear();  // long adopted by then
    joined_.emplace(join.opened_seq, join.joined_id);
    auto stored = store_.get(join.joined_id);
    // Unread: the correlator keeps its own, and the store goes on writing
    // its members and audit entries to the other (logged above).
    if (!stored.ok() || !*stored) continue;
    targets.emplace(join.joined_id, (*stored)->incident);
    adopt_target(std::move(**stored), join.opened_seq);
  }
  if (joined_.empty()) return;
  std::vector<std::string> told;
  std::vector<std::shared_ptr<core::CommandReply>> replies;
  std::erase_if(writes, [&](core::IncidentUpdate& w) {
    auto it = joined_.find(w.incident.seq);
    if (it == joined_.end()) return false;
    if (std::find(told.begin(), told.end(), it->second) == told.end()) told.push_back(it->second);
    replies.insert(replies.end(), w.replies.begin(), w.replies.end());
    return true;
  });
  for (const auto& id : told) {
    auto known = targets.find(id);
    if (known == targets.end()) {
      auto stored = store_.get(id);
      if (!stored.ok() || !*stored) continue;
      known = targets.emplace(id, std::move((*stored)->incident)).first;
    }
    core::IncidentUpdate update;
    update.incident = known->second;
    update.replies = std::exchange(replies, {});
    writes.push_back(std::move(update));
  }
}

// The notifier and the correlator take the join's target in place of
// `replaced_seq`.
void StoreWriter::adopt_target(sinks::IncidentDetail&& stored, int64_t replaced_seq) {
  const auto& members = stored.members;
  if (auto st = notifier_.adopt(stored.incident,
                                members.empty() ? core::LabelSet{} : members.front().labels);
      !st.ok()) {
    spdlog::warn("store: what was told of {} is unknown, it may be announced again: {}",
                 stored.incident.id, st.error().message);
  }
  Adoption adoption;
  adoption.replaces_seq = replaced_seq;
  adoption.state.incidents.push_back(stored.incident);
  for (auto& m : stored.members) {
    adoption.state.members.emplace_back(stored.incident.id, std::move(m));
  }
  control_.push_over_bound(std::move(adoption));
}

void StoreWriter::keep_health(core::TimePoint now) {
  if (last_call_ != core::kNoTime && now - last_call_ < kPingEvery) return;
  call_started();
  auto status = store_.ping();
  call_ended(status);
  last_call_ = now;
}

void StoreWriter::call_started() {
  call_started_ns_.store(core::monotonic_nanos(), std::memory_order_release);
}

void StoreWriter::call_ended(const core::Status& status) {
  call_started_ns_.store(0, std::memory_order_release);
  std::lock_guard lock(trouble_mutex_);
  if (status.ok()) {
    last_error_.clear();
  } else {
    last_error_ = status.error().message;
  }
}

std::optional<std::string> StoreWriter::trouble() const {
  if (int64_t started = call_started_ns_.load(std::memory_order_acquire); started != 0) {
    int64_t waited = core::monotonic_nanos() - started;
    if (waited > kStuckAfterNs) {
      return "a store call has been waiting for " + std::to_string(waited / 1'000'000'000) + " s";
    }
  }
  std::lock_guard lock(trouble_mutex_);
  if (last_error_.empty()) return std::nullopt;
  return last_error_;
}

}  // namespace alertd::daemon
