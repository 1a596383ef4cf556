#pragma once
// Relay mode (kafka.relay): the API's and the TCP source's offers go to the
// relay topic instead of this instance's pipeline. Each alert becomes one
// generic event (docs/sources.md), keyed by its correlation key (the values
// of correlation.group_by, `service` by default), so that one group's
// alerts reach one partition and so one consuming instance. An offer is
// accepted once the brokers acknowledged every alert of it (acks=all), so
// a 2xx still means kept. Everything else (commands, settings, health) is
// the local pipeline's.

#include <string>

#include "api/engine.h"
#include "config/settings.h"
#include "core/alert.h"
#include "sinks/kafka/producer.h"

namespace alertd::daemon {

/// The message value of one relayed alert: a generic event.
std::string relay_event(const core::Alert& alert);
/// The message key: the correlation key's label values, joined by ','.
std::string relay_key(const core::Alert& alert, const correlator::CorrelatorConfig& correlation);

class RelayEngine final : public api::Engine {
 public:
  RelayEngine(api::Engine& local, sinks::kafka::Producer& producer)
      : local_(local), producer_(producer) {}

  void offer(std::vector<core::Alert>& alerts, OfferDone done) override;
  bool submit_command(core::LifecycleCommand cmd) override {
    return local_.submit_command(std::move(cmd));
  }
  bool submit_to_writer(std::function<void()> job) override {
    return local_.submit_to_writer(std::move(job));
  }
  std::optional<std::string> store_trouble() const override { return local_.store_trouble(); }
  std::optional<std::string> journal_trouble() const override { return local_.journal_trouble(); }
  sinks::notify::AttemptOutcome notify_test(const std::string& receiver) override {
    return local_.notify_test(receiver);
  }
  std::shared_ptr<const config::Settings> settings() const override { return local_.settings(); }

 private:
  api::Engine& local_;
  sinks::kafka::Producer& producer_;
};

}  // namespace alertd::daemon
