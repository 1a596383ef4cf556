// The batch path of the Kafka consumer: decode every message of the batch,
// offer their alerts as one batch, wait for the verdict, then store the
// offsets (accepted) or pause and offer again (refused).

#include <spdlog/spdlog.h>

#include <map>

#include "ingest/kafka/consumer_impl.h"

namespace alertd::ingest::kafka {

namespace {

// How often a paused consumer polls while it waits to offer again: it
// serves rebalances meanwhile.
constexpr auto kPausedPoll = std::chrono::milliseconds(50);

std::string_view payload(const rd_kafka_message_t* m) {
  return {static_cast<const char*>(m->payload), m->len};
}

}  // namespace

void Consumer::Impl::process_batch() {
  if (offer_until_decided()) release(batch);
  // Else stopping: the batch is let go unstored, and read again next time.
}

// True when the batch is decided (accepted, or its messages rejected for
// good); false when shutting down.
bool Consumer::Impl::offer_until_decided() {
  while (!batch.empty()) {
    size_t n = decode(hooks.settings());
    Verdict v = n == 0 ? Verdict{true, {}, {}} : offer_and_wait();
    if (v.accepted) {
      accepted();
      return true;
    }
    alerts.clear();
    if (v.retry_after.count() > 0) {
      set_paused(true, v.reason);
      wait_while_paused(v.retry_after);
      if (stopping.load(std::memory_order_acquire)) return false;
      continue;  // the batch may have lost revoked partitions meanwhile
    }
    if (v.reason != "body_too_large") return false;  // shutting down
    if (batch.size() > 1) {
      offer_one_by_one();
      return true;
    }
    alerts.clear();
    reject(batch.front(), "body_too_large",
           "its alerts are over the journal's record limit (durability.max_record_bytes)");
  }
  return true;
}

// The journal refused the batch as too large for one record: each message
// on its own, so that only one that alone is too large is rejected.
void Consumer::Impl::offer_one_by_one() {
  std::vector<Held> all;
  all.swap(batch);
  size_t i = 0;
  for (; i < all.size(); ++i) {
    batch.assign(1, all[i]);
    const bool decided = offer_until_decided();
    release(batch);
    if (!decided) break;
  }
  for (++i; i < all.size(); ++i) rd_kafka_message_destroy(all[i].msg);
}

size_t Consumer::Impl::decode(const ConsumerSettings& settings) {
  alerts.clear();
  if (settings.source.limits != nullptr && settings.source.version != decoder_version) {
    decoder = Decoder(*settings.source.limits);
    decoder_version = settings.source.version;
  }
  for (auto& h : batch) decode_one(h, settings);
  return alerts.size();
}

void Consumer::Impl::decode_one(Held& h, const ConsumerSettings& settings) {
  h.alerts = 0;
  if (h.decided) return;
  const auto* m = h.msg;
  if (h.topic < 0) return reject(h, "unknown_topic", "a topic alertd did not subscribe");
  const auto& topic = options.topics[h.topic];
  if (m->offset < positions.next(topic.name, m->partition)) {
    counters[h.topic].redelivered->inc();
    h.decided = true;  // journaled before a restart: its offset moves on with the batch
    return;
  }
  if (m->len > options.max_message_bytes) {
    return reject(h, "body_too_large",
                  "message is " + std::to_string(m->len) + " bytes, limit " +
                      std::to_string(options.max_message_bytes) + " (kafka.max_message_bytes)");
  }
  body.assign(payload(m));
  body.reserve(body.size() + 64);
  DecodeContext ctx{clock.now(), settings.source.resolve_timeout, topic.tenant,
                    core::monotonic_nanos()};
  const size_t before = alerts.size();
  AwsDropped dropped;
  auto result = decode_message(decoder, topic.format, body, ctx, settings.message, dropped, alerts);
  if (result.ok() && settings.source.indexed != nullptr) {
    DecodeError err;
    std::span<const core::Alert> mine(alerts.data() + before, alerts.size() - before);
    if (check_storable(mine, *settings.source.indexed, "alert", err) < mine.size()) {
      alerts.resize(before);
      result.error = err;
    }
  }
  if (result.error) return reject(h, result.error->reason, result.error->message);
  h.alerts = alerts.size() - before;
}

Verdict Consumer::Impl::offer_and_wait() {
  {
    std::lock_guard lock(verdict_mutex);
    verdict.reset();
  }
  hooks.offer(alerts, [this](Verdict v) {
    std::lock_guard lock(verdict_mutex);
    verdict = v;
    verdict_ready.notify_one();
  });
  std::unique_lock lock(verdict_mutex);
  verdict_ready.wait(lock, [this] { return verdict.has_value(); });
  return *verdict;
}

void Consumer::Impl::reject(Held& h, std::string_view reason, const std::string& message) {
  h.decided = true;
  const auto* m = h.msg;
  const char* topic = rd_kafka_topic_name(m->rkt);
  metrics.rejected.with({topic, reason}).inc();
  if (hooks.rejected) hooks.rejected(reason);
  spdlog::warn("kafka: {} [{}] offset {}: message rejected ({}): {}", topic, m->partition,
               m->offset, reason, message);
  if (dead_letters == nullptr || h.topic < 0) return;
  const std::string partition = std::to_string(m->partition);
  const std::string offset = std::to_string(m->offset);
  auto err = rd_kafka_producev(
      dead_letters, RD_KAFKA_V_TOPIC(options.dead_letter_topic.c_str()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(m->payload, m->len),
      RD_KAFKA_V_KEY(m->key, m->key_len),
      RD_KAFKA_V_HEADER("alertd-topic", topic, static_cast<ssize_t>(std::strlen(topic))),
      RD_KAFKA_V_HEADER("alertd-partition", partition.data(),
                        static_cast<ssize_t>(partition.size())),
      RD_KAFKA_V_HEADER("alertd-offset", offset.data(), static_cast<ssize_t>(offset.size())),
      RD_KAFKA_V_HEADER("alertd-reason", reason.data(), static_cast<ssize_t>(reason.size())),
      RD_KAFKA_V_OPAQUE(&counters[h.topic]), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    counters[h.topic].dead_letter_errors->inc();
    spdlog::error("kafka: {} [{}] offset {}: cannot queue the dead-letter copy: {}", topic,
                  m->partition, m->offset, rd_kafka_err2str(err));
  }
}

// The batch is journaled: each partition's offset moves past its last message.
void Consumer::Impl::accepted() {
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const auto& h : batch) {
    if (h.msg == nullptr) continue;
    if (h.topic >= 0) counters[h.topic].alerts->inc(h.alerts);
    auto& n = next[{rd_kafka_topic_name(h.msg->rkt), h.msg->partition}];
    n = std::max(n, h.msg->offset + 1);
  }
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [tp, offset] : next) {
    rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
    positions.advance(tp.first, tp.second, offset);
  }
  // A partition revoked meanwhile is refused here; its new owner reads on
  // from the committed offset (at least once).
  (void)rd_kafka_offsets_store(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  set_paused(false, {});
}

void Consumer::Impl::wait_while_paused(core::Duration delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!stopping.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until) {
    // Paused partitions deliver nothing; a message already on its way
    // waits behind the batch.
    if (auto* msg = rd_kafka_consumer_poll(rk, static_cast<int>(kPausedPoll.count()))) {
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_message_destroy(msg);
        continue;
      }
      hold(msg, later);
    }
  }
}

}  // namespace alertd::ingest::kafka
