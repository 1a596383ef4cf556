#pragma once
// What the routes need from the running pipeline, so that api/ depends on
// no daemon code (DESIGN.md §2): daemon::Pipeline implements it. Nothing
// here blocks: io threads call it.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"
#include "core/alert.h"
#include "core/lifecycle.h"
#include "sinks/notify/message.h"

namespace alertd::api {

class Engine {
 public:
  virtual ~Engine() = default;

  enum class Offer {
    accepted,            // queued (mode none) or journaled (mode journal): answer 2xx
    queue_full,          // mode none: the shard queues are full (429)
    stopping,            // shutting down or still recovering (503)
    journal_full,        // the journal holds durability.max_bytes (503)
    journal_failed,      // the journal could not be written: disk full, I/O error (503)
    too_large,           // one batch over the journal's record limit (413)
    active_alert_limit,  // limits.max_active_alerts reached and the batch has a new alert (429)
  };
  using OfferDone = std::function<void(Offer)>;
  /// The one way alerts enter the pipeline, for every ingest path. Runs the
  /// stateless rule stage, then takes all of `alerts` or none (moved out
  /// either way). `done` is called exactly once: at once when the batch is
  /// refused or the journal is off; otherwise after the journal's group
  /// commit covers the batch, on the journal's thread (so it must only hand
  /// the answer on). A 2xx must wait for it.
  virtual void offer(std::vector<core::Alert>& alerts, OfferDone done) = 0;

  /// Queues a person's lifecycle command; its answer (the incident as
  /// committed, or why not) goes to cmd.reply. False when the control
  /// queue is full.
  virtual bool submit_command(core::LifecycleCommand cmd) = 0;

  /// Runs `job` on the store's writer thread, in line with every other
  /// write. False when the writer's queue is full.
  virtual bool submit_to_writer(std::function<void()> job) = 0;

  /// Why the store is not healthy (as the writer last saw it), or nullopt.
  virtual std::optional<std::string> store_trouble() const = 0;

  /// Why the journal cannot take alerts (its last write failed, or it is
  /// full), or nullopt; always nullopt without one.
  virtual std::optional<std::string> journal_trouble() const = 0;

  /// POST /api/v1/notify/test: one test message to `receiver`, rendered with
  /// its templates, sent on the calling thread with no retry. The one call
  /// here that blocks (up to the senders' timeouts): run it off the io
  /// threads. Unknown receiver: failed, reason unknown_receiver.
  virtual sinks::notify::AttemptOutcome notify_test(const std::string& receiver) = 0;

  /// The settings in force (rules, correlation, problems, retention).
  virtual std::shared_ptr<const config::Settings> settings() const = 0;
};

}  // namespace alertd::api
