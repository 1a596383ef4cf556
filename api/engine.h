#pragma once
// What the routes need from the running pipeline, so that api/ depends on
// no daemon code (DESIGN.md §2): daemon::Pipeline implements it.

#include <memory>
#include <vector>

#include "config/settings.h"
#include "core/alert.h"
#include "core/lifecycle.h"
#include "core/time.h"

namespace alertd::api {

class Engine {
 public:
  virtual ~Engine() = default;

  enum class Offer { accepted, queue_full, stopping };
  /// Runs the stateless rule stage, then queues all of `alerts` or none
  /// (moved out when accepted). Never blocks.
  virtual Offer offer(std::vector<core::Alert>& alerts) = 0;

  /// Runs a person's lifecycle command; the answer is the incident as
  /// committed, or why not (503 store_unavailable after `timeout`).
  virtual core::LifecycleResult run_command(core::LifecycleCommand cmd, core::Duration timeout) = 0;

  /// The settings in force (rules, correlation, problems, retention).
  virtual std::shared_ptr<const config::Settings> settings() const = 0;
};

}  // namespace alertd::api
