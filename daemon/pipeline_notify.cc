// What the pipeline tells beyond the store: its notify call
// (api::Engine::notify_test; the senders are the pipeline's,
// daemon/pipeline_shared.h, so the test goes through the same transport,
// timeouts and metrics as every message) and the commit listener.

#include "daemon/notify_render.h"
#include "daemon/pipeline.h"
#include "daemon/pipeline_shared.h"

namespace alertd::daemon {

sinks::notify::AttemptOutcome Pipeline::notify_test(const std::string& receiver) {
  const auto settings = this->settings();
  const auto* r = settings->notify.receiver(receiver);
  if (r == nullptr) {
    sinks::notify::AttemptOutcome out;
    out.receiver = receiver;
    out.reason = "unknown_receiver";
    out.at = shared_->clock.now();
    return out;
  }
  const auto row = test_message(*r, *settings, shared_->clock.now());
  return shared_->dispatcher.send_now(receiver, to_delivery(row));
}

void Pipeline::set_commit_listener(
    std::function<void(std::span<const core::IncidentUpdate>)> listener) {
  shared_->writer.set_commit_listener(std::move(listener));
}

}  // namespace alertd::daemon
