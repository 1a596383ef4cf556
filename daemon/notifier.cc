#include "daemon/notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "daemon/notify_render.h"

namespace alertd::daemon {

namespace {

namespace notify = sinks::notify;

// Rendered messages the store has not taken yet are held at most this many;
// beyond, new ones are dropped and counted (the store has been refusing
// writes for a long time: the incident writes are retrying too).
constexpr size_t kMaxUnsaved = 100'000;
// Messages in the outbox held in memory for the senders' queue; the rest
// wait in the store (Notifier::hold).
constexpr size_t kMaxWaitingInMemory = 10'000;
constexpr size_t kReadBackPage = 1'000;
// Attempts written in one transaction.
constexpr size_t kRecordBatch = 2'000;

sinks::DeliveryStatus status_of(notify::AttemptOutcome::Result r) {
  switch (r) {
    case notify::AttemptOutcome::Result::delivered: return sinks::DeliveryStatus::delivered;
    case notify::AttemptOutcome::Result::retrying: return sinks::DeliveryStatus::pending;
    case notify::AttemptOutcome::Result::failed: break;
  }
  return sinks::DeliveryStatus::failed;
}

}  // namespace

std::vector<notify::Receiver> receivers_of(const config::NotifyConfig& n) {
  std::vector<notify::Receiver> out;
  out.reserve(n.receivers.size());
  for (const auto& r : n.receivers) out.push_back(r.receiver);
  return out;
}

notify::Dispatcher::Options dispatcher_options(const config::NotifyConfig& n) {
  notify::Dispatcher::Options o;
  o.threads = static_cast<int>(n.threads);
  o.queue_capacity = n.queue_capacity;
  o.max_attempts = n.max_attempts;
  o.max_age = n.max_age;
  return o;
}

Notifier::Notifier(const Published<config::Settings>& settings, sinks::Store& store,
                   telemetry::Registry& registry)
    : settings_source_(settings),
      settings_(settings),
      store_(store),
      policy_(settings_.get(settings).notify.policy),
      messages_(registry.counter("alertd_notify_messages_total",
                                 "Messages rendered into the outbox, by template stage",
                                 {"stage"})),
      dropped_(registry.counter("alertd_notify_dropped_total",
                                "Messages not sent, by reason (unknown_receiver: removed by a "
                                "reload; outbox_full: the store refused the outbox for too long)",
                                {"reason"})),
      outbox_waiting_(registry
                          .gauge("alertd_notify_outbox_waiting",
                                 "Messages kept in the outbox that the senders' queue has not "
                                 "taken yet")
                          .with({})) {
  settings_version_ = settings_.get(settings_source_).version;
  for (auto stage : {"initial", "update", "resolution"}) messages_.with({stage});
  for (auto reason : {"unknown_receiver", "outbox_full"}) dropped_.with({reason});
}

core::Status Notifier::restore(core::TimePoint now) {
  auto told = store_.load_notify_told();
  if (!told.ok()) return told.error();
  auto active = store_.load_active();
  if (!active.ok()) return active.error();
  std::map<std::string, sinks::NotifyTold> by_id;
  for (auto& t : *told) by_id.emplace(t.incident_id, std::move(t));
  std::map<std::string, const core::LabelSet*> first_labels;
  for (const auto& [id, member] : active->members) first_labels.emplace(id, &member.labels);
  std::vector<core::IncidentUpdate> again;
  for (const auto& incident : active->incidents) {
    auto it = by_id.find(incident.id);
    auto labels = first_labels.find(incident.id);
    restore_incident(incident, labels == first_labels.end() ? core::LabelSet{} : *labels->second,
                     it == by_id.end() ? nullptr : &it->second);
    again.push_back({.incident = incident});
  }
  // What changed after the last message kept (a crash before its enqueue).
  committed(again, now);
  return resubmit_pending();
}

core::Status Notifier::adopt(const core::Incident& incident, const core::LabelSet& first_labels) {
  auto told = store_.load_notify_told();
  if (!told.ok()) return told.error();
  auto it = std::find_if(told->begin(), told->end(),
                         [&](const sinks::NotifyTold& t) { return t.incident_id == incident.id; });
  restore_incident(incident, first_labels, it == told->end() ? nullptr : &*it);
  return {};
}

// The policy's state of one incident from what the store says was told of it.
void Notifier::restore_incident(const core::Incident& incident, const core::LabelSet& first_labels,
                                const sinks::NotifyTold* told) {
  std::optional<correlator::NotifyPolicy::Told> was;
  core::TimePoint last_sent = core::kNoTime;
  if (told != nullptr && told->initial_sent) {
    was = policy_told(*told);
    last_sent = told->last_sent;
  }
  policy_.restore(incident, first_labels, was, last_sent);
}

// Pending messages are read back in pages as the senders' queue takes them
// (submit_waiting), never all at once.
core::Status Notifier::resubmit_pending() {
  in_store_only_ = true;
  reload_after_ = 0;
  submit_waiting();
  return {};
}

// A message kept in the outbox waits in memory for the senders' queue, up
// to kMaxWaitingInMemory; past that, it and every later one wait only in
// the store, read back in order once memory has room (a receiver down for
// hours must not grow the process).
void Notifier::hold(sinks::OutboxMessage row) {
  if (!in_store_only_ && waiting_.size() < kMaxWaitingInMemory) {
    waiting_.push_back(std::move(row));
    return;
  }
  if (!in_store_only_) {
    in_store_only_ = true;
    reload_after_ = row.seq - 1;  // seqs increase: the ones in memory are all below
  }
}

void Notifier::committed(std::span<const core::IncidentUpdate> writes, core::TimePoint now) {
  intents_.clear();
  for (const auto& w : writes) {
    const core::LabelSet* labels = w.members.empty() ? nullptr : &w.members.front().labels;
    policy_.observe(w.incident, labels, now, intents_);
    if (w.incident.status == core::IncidentStatus::closed) forget_.push_back(w.incident.id);
  }
  if (!intents_.empty()) emit(intents_, writes, now);
  enqueue();
}

void Notifier::tick(core::TimePoint now) {
  if (!restored_) {
    auto st = restore(now);
    if (!st.ok()) {
      if (!warned_)
        spdlog::warn("notify: the outbox cannot be read yet, retrying: {}", st.error().message);
      warned_ = true;
      return;
    }
    restored_ = true;
    warned_ = false;
  }
  const auto& settings = settings_.get(settings_source_);
  if (settings.version != settings_version_) reconfigure(settings);
  if (auto due = policy_.next_due(); due && *due <= now) {
    intents_.clear();
    policy_.tick(now, intents_);
    emit(intents_, {}, now);
  }
  enqueue();
  record_outcomes();
  submit_waiting();
}

void Notifier::reconfigure(const config::Settings& settings) {
  settings_version_ = settings.version;
  policy_.reconfigure(settings.notify.policy);
  if (dispatcher_ != nullptr) dispatcher_->reconfigure(receivers_of(settings.notify));
}

// The incident an intent is about: in the updates just committed, else as stored.
const core::Incident* Notifier::find_incident(const std::string& id,
                                              std::span<const core::IncidentUpdate> writes,
                                              std::optional<core::Incident>& loaded) {
  for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
    if (it->incident.id == id) return &it->incident;
  }
  if (loaded && loaded->id == id) return &*loaded;
  auto stored = store_.get(id);
  if (!stored.ok() || !*stored) return nullptr;
  loaded = std::move((*stored)->incident);
  return &*loaded;
}

void Notifier::emit(std::vector<correlator::NotifyIntent>& intents,
                    std::span<const core::IncidentUpdate> writes, core::TimePoint now) {
  const auto& settings = settings_.get(settings_source_);
  std::optional<core::Incident> loaded;
  std::string last_told;
  for (const auto& intent : intents) {
    const auto* receiver = settings.notify.receiver(intent.receiver);
    if (receiver == nullptr) {
      dropped_.with({"unknown_receiver"}).inc();
      continue;
    }
    const auto* incident = find_incident(intent.incident_id, writes, loaded);
    if (incident == nullptr) continue;  // purged meanwhile: nothing left to tell
    if (unsaved_.size() >= kMaxUnsaved) {
      dropped_.with({"outbox_full"}).inc();
      continue;
    }
    const auto* on_call = intent.person.empty()
                              ? on_call_person(settings.oncall, intent.schedule, now)
                              : settings.oncall.person(intent.person);
    unsaved_.push_back(
        render_message(*receiver, *incident, intent, on_call, settings.notify.external_url, now));
    messages_.with({unsaved_.back().stage}).inc();
    if (last_told != incident->id) {
      unsaved_told_.push_back(told_record(*incident, now));
      last_told = incident->id;
    }
  }
}

// The rendered messages into the outbox, with their incidents' told state,
// in one transaction; on failure they wait for the next tick.
void Notifier::enqueue() {
  if (!forget_.empty()) {
    if (store_.forget_notify_told(forget_).ok()) forget_.clear();
  }
  if (unsaved_.empty() && unsaved_told_.empty()) return;
  auto seqs = store_.enqueue_notifications(unsaved_, unsaved_told_);
  if (!seqs.ok()) {
    if (!warned_) {
      spdlog::warn("notify: {} messages not yet kept in the outbox, retrying: {}", unsaved_.size(),
                   seqs.error().message);
    }
    warned_ = true;
    return;
  }
  warned_ = false;
  for (size_t i = 0; i < unsaved_.size(); ++i) {
    unsaved_[i].seq = (*seqs)[i];
    hold(std::move(unsaved_[i]));
  }
  unsaved_.clear();
  unsaved_told_.clear();
  submit_waiting();
}

void Notifier::submit_waiting() {
  if (dispatcher_ != nullptr) {
    submit_held();
    if (waiting_.empty() && in_store_only_ && read_back()) submit_held();
  }
  outbox_waiting_.set(static_cast<double>(waiting_.size()));
}

void Notifier::submit_held() {
  while (!waiting_.empty() && dispatcher_->submit(to_delivery(waiting_.front()))) {
    waiting_.pop_front();
  }
}

// The next page of messages that wait only in the store; false when none
// came. One the senders already hold (queued or retrying) is not sent
// twice: the dispatcher takes a message id once.
bool Notifier::read_back() {
  auto page = store_.load_pending_notifications(reload_after_, kReadBackPage);
  if (!page.ok()) return false;  // the store is away: the next tick
  if (reload_after_ == 0 && !page->empty()) {
    spdlog::info("notify: pending messages in the outbox resumed");
  }
  {
    std::lock_guard lock(outcomes_mutex_);
    for (auto& row : *page) {
      reload_after_ = row.seq;
      // Delivered or given up, its outcome not written yet: done already.
      if (finished_unrecorded_.count(static_cast<uint64_t>(row.seq)) != 0) continue;
      waiting_.push_back(std::move(row));
    }
  }
  if (page->size() < kReadBackPage) in_store_only_ = false;
  return !waiting_.empty();
}

void Notifier::shutdown() {
  enqueue();
  if (dispatcher_ != nullptr) dispatcher_->stop();
  record_outcomes();
}

void Notifier::on_attempt(const notify::AttemptOutcome& outcome) {
  std::lock_guard lock(outcomes_mutex_);
  outcomes_.push_back(outcome);
  if (outcome.result != notify::AttemptOutcome::Result::retrying) {
    finished_unrecorded_.insert(outcome.message_id);
  }
}

// The attempts onto their messages' rows, with their `notify` audit
// entries, up to kRecordBatch in one transaction per turn: a receiver that
// is down makes attempts far faster than one commit each could keep up
// with, and the writer's turn must stay short for the incident updates.
// What the store refuses now is written on a later turn, in order.
void Notifier::record_outcomes() {
  {
    std::lock_guard lock(outcomes_mutex_);
    recording_.insert(recording_.end(), std::make_move_iterator(outcomes_.begin()),
                      std::make_move_iterator(outcomes_.end()));
    outcomes_.clear();
  }
  while (!recording_.empty()) {
    const size_t n = std::min(recording_.size(), kRecordBatch);
    std::vector<sinks::DeliveryAttempt> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const auto& o = recording_[i];
      batch.push_back({static_cast<int64_t>(o.message_id), o.at, o.attempt, status_of(o.result),
                       o.reason, o.status, o.next_at});
    }
    if (!store_.record_deliveries(batch).ok()) return;  // the store is away: a later turn
    {
      std::lock_guard lock(outcomes_mutex_);
      for (size_t i = 0; i < n; ++i) {
        if (recording_[i].result != notify::AttemptOutcome::Result::retrying) {
          finished_unrecorded_.erase(recording_[i].message_id);
        }
      }
    }
    recording_.erase(recording_.begin(), recording_.begin() + static_cast<ptrdiff_t>(n));
    if (n < kRecordBatch) return;
  }
}

}  // namespace alertd::daemon
