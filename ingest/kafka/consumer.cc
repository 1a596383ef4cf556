#include <spdlog/spdlog.h>

#include <cstring>

#include "ingest/kafka/consumer_impl.h"
#include "ingest/kafka/stats.h"

namespace alertd::ingest::kafka {

namespace {

constexpr int kPollMs = 100;

// alertd's properties, then the user's; these last ones make at-least-once
// through the journal and cannot be overridden.
const std::map<std::string, std::string> kFixed = {
    {"enable.auto.offset.store", "false"},
    {"enable.auto.commit", "true"},
    {"partition.assignment.strategy", "cooperative-sticky"},
};

core::Status set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                          std::string_view what) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return core::Error{"kafka_config", std::string(what) + " " + key + ": " + err};
  }
  return core::Status();
}

using Properties = std::map<std::string, std::string>;

core::Status set_all(rd_kafka_conf_t* conf, const Properties& ours, const Properties& users,
                     const Properties& fixed) {
  for (const auto& [k, v] : ours) {
    if (auto s = set_property(conf, k, v, "kafka:"); !s.ok()) return s;
  }
  for (const auto& [k, v] : users) {
    if (fixed.contains(k)) {
      return core::Error{"kafka_config", "kafka.properties." + k +
                                             ": alertd sets it itself (at-least-once through "
                                             "the journal)"};
    }
    if (auto s = set_property(conf, k, v, "kafka.properties:"); !s.ok()) return s;
  }
  for (const auto& [k, v] : fixed) {
    if (auto s = set_property(conf, k, v, "kafka:"); !s.ok()) return s;
  }
  return core::Status();
}

void rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void* opaque) {
  static_cast<Consumer::Impl*>(opaque)->rebalance(err, parts);
}

int stats_cb(rd_kafka_t*, char* json, size_t len, void* opaque) {
  static_cast<Consumer::Impl*>(opaque)->on_stats({json, len});
  return 0;  // librdkafka frees json
}

// librdkafka's own log lines (syslog levels) go where alertd's go.
void log_cb(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  const auto lvl = level <= 3   ? spdlog::level::err
                   : level <= 5 ? spdlog::level::warn
                   : level == 6 ? spdlog::level::info
                                : spdlog::level::debug;
  spdlog::log(lvl, "kafka: {} {}: {}", rd_kafka_name(rk), facility, text);
}

void error_cb(rd_kafka_t*, int err, const char* reason, void*) {
  spdlog::warn("kafka: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

void dead_letter_report(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* counters = static_cast<TopicCounters*>(msg->_private);
  if (counters == nullptr) return;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    counters->dead_lettered->inc();
  } else {
    counters->dead_letter_errors->inc();
    spdlog::error("kafka: a rejected message did not reach dead-letter topic {}: {}",
                  static_cast<const char*>(opaque), rd_kafka_err2str(msg->err));
  }
}

core::Result<rd_kafka_t*> make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return core::Error{"kafka_config", std::string("kafka: ") + err};
  }
  return rk;
}

// librdkafka before 2.3.0 (Debian bookworm has 2.0.2) fails an assertion,
// aborting the process, when it destroys a cooperative-sticky consumer whose
// assignor never ran: one that left before its first assignment (librdkafka
// issue 4312), e.g. an instance beyond the partition count, or stopped while
// its group rebalanced. Such a handle has left its group already
// (rd_kafka_consumer_close); it is kept here, reachable, until the process
// exits.
bool destroy_would_abort(bool ever_assigned) {
  return !ever_assigned && rd_kafka_version() < 0x020300ff;
}
std::vector<rd_kafka_t*>& kept_until_exit() {
  static std::vector<rd_kafka_t*> handles;
  return handles;
}

}  // namespace

Consumer::Impl::~Impl() {
  release(batch);
  release(later);
  if (rk != nullptr && destroy_would_abort(ever_assigned)) {
    spdlog::info(
        "kafka: the consumer was never assigned a partition; its handle is left to the "
        "process exit (librdkafka < 2.3.0 aborts destroying it)");
    kept_until_exit().push_back(rk);
  } else if (rk != nullptr) {
    rd_kafka_destroy(rk);
  }
  if (dead_letters != nullptr) rd_kafka_destroy(dead_letters);
}

core::Result<std::unique_ptr<Consumer>> Consumer::create(ConsumerOptions options,
                                                         ConsumerHooks hooks,
                                                         const core::Clock& clock,
                                                         telemetry::KafkaMetrics& metrics) {
  auto positions = Positions::load(options.positions_file);
  if (!positions) return positions.error();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(hooks), clock, metrics);
  auto& o = impl->options;
  impl->positions = std::move(*positions);
  for (const auto& t : o.topics) {
    impl->counters.push_back({&metrics.consumed.with({t.name}), &metrics.alerts.with({t.name}),
                              &metrics.redelivered.with({t.name}),
                              &metrics.dead_lettered.with({t.name}),
                              &metrics.dead_letter_errors.with({t.name})});
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::map<std::string, std::string> ours = {
      {"bootstrap.servers", o.brokers},
      {"group.id", o.group_id},
      {"auto.offset.reset", "earliest"},
      {"auto.commit.interval.ms",
       std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(o.commit_interval).count())},
      {"statistics.interval.ms", "1000"},
  };
  if (auto s = set_all(conf, ours, o.properties, kFixed); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s.error();
  }
  rd_kafka_conf_set_opaque(conf, impl.get());
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_stats_cb(conf, stats_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  auto rk = make_handle(RD_KAFKA_CONSUMER, conf);
  if (!rk) return rk.error();
  impl->rk = *rk;
  rd_kafka_poll_set_consumer(impl->rk);
  if (!o.dead_letter_topic.empty()) {
    rd_kafka_conf_t* pconf = rd_kafka_conf_new();
    std::map<std::string, std::string> user = o.properties;
    for (auto k : {"group.id", "auto.offset.reset", "auto.commit.interval.ms",
                   "enable.partition.eof", "session.timeout.ms", "max.poll.interval.ms"}) {
      user.erase(k);  // consumer-only: a producer warns about them
    }
    if (auto s = set_all(pconf, {{"bootstrap.servers", o.brokers}}, user,
                         {{"enable.idempotence", "true"}});
        !s.ok()) {
      rd_kafka_conf_destroy(pconf);
      return s.error();
    }
    rd_kafka_conf_set_opaque(pconf, const_cast<char*>(o.dead_letter_topic.c_str()));
    rd_kafka_conf_set_dr_msg_cb(pconf, dead_letter_report);
    rd_kafka_conf_set_log_cb(pconf, log_cb);
    auto producer = make_handle(RD_KAFKA_PRODUCER, pconf);
    if (!producer) return producer.error();
    impl->dead_letters = *producer;
  }
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Consumer::~Consumer() {
  stop(std::chrono::seconds(5));
}

void Consumer::start() {
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(impl_->options.topics.size()));
  for (const auto& t : impl_->options.topics) {
    rd_kafka_topic_partition_list_add(list, t.name.c_str(), RD_KAFKA_PARTITION_UA);
  }
  auto err = rd_kafka_subscribe(impl_->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::error("kafka: cannot subscribe: {}", rd_kafka_err2str(err));
    return;
  }
  spdlog::info("kafka: consumer in group {} subscribed to {} topics at {}", impl_->options.group_id,
               impl_->options.topics.size(), impl_->options.brokers);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void Consumer::stop(core::Duration wait) {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  impl_->stop_wait = wait;
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Consumer::Impl::run() {
  while (!stopping.load(std::memory_order_acquire)) {
    fill_batch();
    if (!batch.empty()) process_batch();
    if (dead_letters != nullptr) rd_kafka_poll(dead_letters, 0);
    if (int64_t now = core::monotonic_nanos(); now - positions_saved_ns > 20'000'000) {
      positions_saved_ns = now;
      if (auto s = positions.save(false); !s.ok()) spdlog::error("kafka: {}", s.error().message);
    }
  }
  // Leaving the group revokes everything: the rebalance callback commits.
  if (auto s = positions.save(true); !s.ok()) spdlog::error("kafka: {}", s.error().message);
  commit(true);
  rd_kafka_consumer_close(rk);
  if (dead_letters != nullptr) rd_kafka_flush(dead_letters, 5000);
  release(batch);
  release(later);
  spdlog::info("kafka: consumer left group {}", options.group_id);
}

// Reads until the batch is full or no message came for kPollMs; messages
// read while a refused batch waited come first.
void Consumer::Impl::fill_batch() {
  batch.swap(later);
  release(later);
  batch_bytes = 0;
  for (const auto& h : batch) batch_bytes += h.msg->len;
  int timeout = batch.empty() ? kPollMs : 0;
  while (batch.size() < options.batch_messages && batch_bytes < options.batch_bytes) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk, timeout);
    if (msg == nullptr) break;
    timeout = 0;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        spdlog::warn("kafka: consumer: {}", rd_kafka_message_errstr(msg));
      }
      rd_kafka_message_destroy(msg);
      continue;
    }
    batch_bytes += msg->len;
    hold(msg, batch);
  }
}

void Consumer::Impl::hold(rd_kafka_message_t* msg, std::vector<Held>& into) {
  const int topic = topic_index(msg);
  if (topic >= 0) counters[topic].consumed->inc();
  auto& next = read_next[{rd_kafka_topic_name(msg->rkt), msg->partition}];
  next = std::max(next, msg->offset + 1);
  into.push_back(Held{msg, topic, false, 0});
}

int Consumer::Impl::topic_index(const rd_kafka_message_t* msg) const {
  const char* name = rd_kafka_topic_name(msg->rkt);
  for (size_t i = 0; i < options.topics.size(); ++i) {
    if (options.topics[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void Consumer::Impl::release(std::vector<Held>& msgs) {
  for (const auto& h : msgs) rd_kafka_message_destroy(h.msg);
  msgs.clear();
}

void Consumer::Impl::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    metrics.rebalances.with({"assign"}).inc();
    ever_assigned = true;
    if (cooperative) {
      if (auto* e = rd_kafka_incremental_assign(rk, parts)) {
        spdlog::error("kafka: incremental assign: {}", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, parts);
    }
    spdlog::info("kafka: {} partitions assigned", parts->cnt);
    // Partitions assigned while the others wait stay paused with them.
    if (paused) rd_kafka_pause_partitions(rk, parts);
  } else {
    const bool lost = rd_kafka_assignment_lost(rk) != 0;
    metrics.rebalances.with({lost ? "lost" : "revoke"}).inc();
    revoke(parts, lost);
    if (cooperative) {
      if (auto* e = rd_kafka_incremental_unassign(rk, parts)) {
        spdlog::error("kafka: incremental unassign: {}", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    spdlog::info("kafka: {} partitions {}", parts->cnt, lost ? "lost" : "revoked");
  }
  count_assignment();
}

// No batch is in flight here (offers are decided before the next poll):
// messages of the revoked partitions not yet journaled are let go, and
// the new owner reads them again from the committed offset.
void Consumer::Impl::revoke(rd_kafka_topic_partition_list_t* parts, bool lost) {
  auto revoked = [parts](const rd_kafka_message_t* m) {
    return rd_kafka_topic_partition_list_find(parts, rd_kafka_topic_name(m->rkt), m->partition) !=
           nullptr;
  };
  for (auto* list : {&batch, &later}) {
    std::erase_if(*list, [&](const Held& h) {
      if (!revoked(h.msg)) return false;
      rd_kafka_message_destroy(h.msg);
      return true;
    });
  }
  for (int i = 0; i < parts->cnt; ++i)
    read_next.erase({parts->elems[i].topic, parts->elems[i].partition});
  if (auto s = positions.save(true); !s.ok()) spdlog::error("kafka: {}", s.error().message);
  if (!lost) commit(true);
}

void Consumer::Impl::count_assignment() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  metrics.assigned.set(list->cnt);
  metrics.paused.set(paused ? list->cnt : 0);
  rd_kafka_topic_partition_list_destroy(list);
}

void Consumer::Impl::set_paused(bool pause, std::string_view reason) {
  if (paused == pause) return;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (pause) {
    rd_kafka_pause_partitions(rk, list);
    metrics.pauses.with({reason}).inc();
    spdlog::warn("kafka: {} partitions paused: the pipeline refused a batch ({})", list->cnt,
                 reason);
  } else {
    seek_to_read_positions(list);
    rd_kafka_resume_partitions(rk, list);
    spdlog::info("kafka: {} partitions resumed", list->cnt);
  }
  rd_kafka_topic_partition_list_destroy(list);
  paused = pause;
  count_assignment();
}

// Partitions read from before the pause go on after their last message
// read; the others (nothing read yet, or assigned while paused) from their
// committed offset, or by auto.offset.reset without one: librdkafka 2.0.2's
// pause saves a position to resume from only for partitions the application
// has read from, and purges what it had prefetched.
void Consumer::Impl::seek_to_read_positions(rd_kafka_topic_partition_list_t* assignment) {
  auto* seek = rd_kafka_topic_partition_list_new(assignment->cnt);
  auto* unread = rd_kafka_topic_partition_list_new(assignment->cnt);
  for (int i = 0; i < assignment->cnt; ++i) {
    const auto& tp = assignment->elems[i];
    auto it = read_next.find({tp.topic, tp.partition});
    auto* into = it == read_next.end() ? unread : seek;
    rd_kafka_topic_partition_list_add(into, tp.topic, tp.partition)->offset =
        it == read_next.end() ? RD_KAFKA_OFFSET_INVALID : it->second;
  }
  if (unread->cnt > 0) {
    if (auto err = rd_kafka_committed(rk, unread, 5000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::error("kafka: committed offsets before resuming: {}", rd_kafka_err2str(err));
    } else {
      // An offset of RD_KAFKA_OFFSET_INVALID (none committed) seeks by auto.offset.reset.
      for (int i = 0; i < unread->cnt; ++i) {
        const auto& tp = unread->elems[i];
        rd_kafka_topic_partition_list_add(seek, tp.topic, tp.partition)->offset =
            tp.offset >= 0 ? tp.offset : RD_KAFKA_OFFSET_INVALID;
      }
    }
  }
  if (seek->cnt > 0) {
    if (auto* e = rd_kafka_seek_partitions(rk, seek, 5000)) {
      spdlog::error("kafka: seek before resuming: {}", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
  }
  rd_kafka_topic_partition_list_destroy(unread);
  rd_kafka_topic_partition_list_destroy(seek);
}

// Commits the stored offsets; nothing stored is not an error.
void Consumer::Impl::commit(bool sync) {
  auto err = rd_kafka_commit(rk, nullptr, sync ? 0 : 1);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
  metrics.commit_errors.with({rd_kafka_err2name(err)}).inc();
  spdlog::warn("kafka: offset commit failed: {}", rd_kafka_err2str(err));
}

void Consumer::Impl::on_stats(std::string_view json) {
  ClientStats stats;
  if (!parse_client_stats(json, stats)) return;
  metrics.brokers_up.set(stats.brokers_up);
  for (const auto& p : stats.lags) {
    metrics.lag.with({p.topic, std::to_string(p.partition)}).set(static_cast<double>(p.lag));
  }
}

}  // namespace alertd::ingest::kafka
