#pragma once
// The notifier: the notify policy run on the store writer thread over what
// it has just committed, and the outbox between the policy and the senders
// (issue 15 §2, §5). Each message is rendered and kept in the store's
// outbox (with the told state of its incident) before it is handed to the
// dispatcher, so nothing the policy decided lives only in memory; each
// attempt's outcome comes back from a sender thread and is written, with
// its `notify` audit entry, by the writer on its next tick.
//
// A crash between an incident's commit and its messages' enqueue loses
// nothing either: the told state kept is the one before the change, so the
// restore tells the change then (correlator::NotifyPolicy::restore).
//
// Threads: everything but on_attempt() runs on the store writer thread;
// on_attempt() on the dispatcher's.

#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "config/settings.h"
#include "core/incident.h"
#include "correlator/notify/policy.h"
#include "daemon/published.h"
#include "sinks/notify/dispatcher.h"
#include "sinks/store/store.h"
#include "telemetry/registry.h"

namespace alertd::daemon {

/// The senders' settings and receivers from `notify:`.
sinks::notify::Dispatcher::Options dispatcher_options(const config::NotifyConfig& notify);
std::vector<sinks::notify::Receiver> receivers_of(const config::NotifyConfig& notify);

class Notifier {
 public:
  Notifier(const Published<config::Settings>& settings, sinks::Store& store,
           telemetry::Registry& registry);

  /// The senders; until attached (and with no receivers) messages wait in the outbox.
  void attach(sinks::notify::Dispatcher* dispatcher) { dispatcher_ = dispatcher; }

  /// Start-up, before the first update: the policy from the active incidents
  /// and their told state, and every pending message handed to the senders.
  core::Status restore(core::TimePoint now);

  /// An incident another instance opened, taken over after a shared store
  /// joined one of ours into it: the policy learns it with what was told of
  /// it (by whichever instance), so that it is not announced again.
  core::Status adopt(const core::Incident& incident, const core::LabelSet& first_labels);

  /// After each commit: the state changes worth a message.
  void committed(std::span<const core::IncidentUpdate> writes, core::TimePoint now);

  /// Every turn of the writer: the restore until it succeeds, a reload's receivers and routes, the
  /// policy's timers (group_wait, reminders), the outcomes to record, and
  /// what the senders' queue could not take before.
  void tick(core::TimePoint now);

  /// The writer's last turn: the senders stop (attempts in flight finish)
  /// and every outcome they reported is written; what was still queued
  /// stays pending in the outbox for the next start.
  void shutdown();

  /// A sender thread's report of one attempt.
  void on_attempt(const sinks::notify::AttemptOutcome& outcome);

 private:
  void reconfigure(const config::Settings& settings);
  void restore_incident(const core::Incident& incident, const core::LabelSet& first_labels,
                        const sinks::NotifyTold* told);
  void emit(std::vector<correlator::NotifyIntent>& intents,
            std::span<const core::IncidentUpdate> writes, core::TimePoint now);
  const core::Incident* find_incident(const std::string& id,
                                      std::span<const core::IncidentUpdate> writes,
                                      std::optional<core::Incident>& loaded);
  void enqueue();
  void submit_waiting();
  void hold(sinks::OutboxMessage row);
  void submit_held();
  bool read_back();
  void record_outcomes();
  core::Status resubmit_pending();

  bool restored_ = false;
  bool warned_ = false;  // a store failure is logged once, until a call succeeds
  const Published<config::Settings>& settings_source_;
  Published<config::Settings>::Reader settings_;
  uint64_t settings_version_ = 0;
  sinks::Store& store_;
  sinks::notify::Dispatcher* dispatcher_ = nullptr;
  correlator::NotifyPolicy policy_;
  std::vector<correlator::NotifyIntent> intents_;  // scratch

  // Rendered, not yet in the outbox (the store refused; retried each tick).
  std::vector<sinks::OutboxMessage> unsaved_;
  std::vector<sinks::NotifyTold> unsaved_told_;
  std::vector<std::string> forget_;  // closed incidents whose told state goes
  // In the outbox, not yet taken by the senders' queue: in memory up to a
  // bound, then only in the store from the message after reload_after_.
  std::deque<sinks::OutboxMessage> waiting_;
  bool in_store_only_ = false;
  int64_t reload_after_ = 0;

  std::mutex outcomes_mutex_;
  std::vector<sinks::notify::AttemptOutcome> outcomes_;  // from the sender threads
  std::vector<sinks::notify::AttemptOutcome> recording_;
  // Messages the senders finished whose outcome is not in the store yet:
  // read_back() must not take them for pending. Guarded by outcomes_mutex_.
  std::unordered_set<uint64_t> finished_unrecorded_;

  telemetry::CounterFamily& messages_;  // {stage}
  telemetry::CounterFamily& dropped_;   // {reason}
  telemetry::Gauge& outbox_waiting_;
};

}  // namespace alertd::daemon
