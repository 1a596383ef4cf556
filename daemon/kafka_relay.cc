#include "daemon/kafka_relay.h"

#include <atomic>
#include <memory>

#include "core/json_writer.h"

namespace alertd::daemon {

namespace {

void write_labels(core::JsonWriter& w, std::string_view key, const core::LabelSet& labels) {
  w.key(key).begin_object();
  for (const auto& [name, value] : labels) w.field(name, value);
  w.end_object();
}

// Every alert of one offer: the offer is answered when the last is acknowledged.
struct RelayedBatch {
  std::atomic<size_t> waiting;
  std::atomic<bool> failed{false};
  api::Engine::OfferDone done;
  RelayedBatch(size_t n, api::Engine::OfferDone d) : waiting(n), done(std::move(d)) {}
  void delivered(bool ok) {
    if (!ok) failed.store(true, std::memory_order_relaxed);
    if (waiting.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // journal_failed: the alerts could not be kept (503; the sender retries).
    done(failed.load(std::memory_order_relaxed) ? api::Engine::Offer::journal_failed
                                                : api::Engine::Offer::accepted);
  }
};

}  // namespace

std::string relay_event(const core::Alert& a) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object();
  write_labels(w, "labels", a.labels);
  if (!a.annotations.empty()) write_labels(w, "annotations", a.annotations);
  const bool resolved = a.status == core::AlertStatus::resolved;
  w.field("status", resolved ? "resolved" : "firing");
  const auto at = resolved && a.ends_at != core::kNoTime ? a.ends_at : a.starts_at;
  if (at != core::kNoTime) w.field("timestamp", core::format_rfc3339(at));
  w.field("source", a.source);
  if (!a.generator_url.empty()) w.field("generator_url", a.generator_url);
  w.end_object();
  return out;
}

std::string relay_key(const core::Alert& a, const correlator::CorrelatorConfig& correlation) {
  std::string key;
  for (const auto* names : {&correlation.group_by, &correlation.group_by_fallback}) {
    for (const auto& name : *names) {
      if (auto v = a.labels.get(name)) {
        if (!key.empty()) key += ',';
        key += *v;
      }
    }
    if (!key.empty()) break;
  }
  return key;
}

void RelayEngine::offer(std::vector<core::Alert>& alerts, OfferDone done) {
  if (alerts.empty()) return done(Offer::accepted);
  const auto settings = local_.settings();
  auto batch = std::make_shared<RelayedBatch>(alerts.size(), std::move(done));
  size_t queued = 0;
  for (const auto& a : alerts) {
    if (!producer_.produce(relay_key(a, settings->correlation), relay_event(a),
                           [batch](bool ok) { batch->delivered(ok); })) {
      break;
    }
    ++queued;
  }
  const size_t refused = alerts.size() - queued;
  alerts.clear();
  if (refused == 0) return;
  // The producer's queue is full: the sender retries the batch (at least
  // once; what was queued of it goes out too).
  batch->failed.store(true, std::memory_order_relaxed);
  if (batch->waiting.fetch_sub(refused, std::memory_order_acq_rel) == refused) {
    batch->done(Offer::queue_full);
  }
}

}  // namespace alertd::daemon
