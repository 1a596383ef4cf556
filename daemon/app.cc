#include "daemon/app.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <tuple>
#include <vector>

#include "api/api_context.h"
#include "api/auth.h"
#include "api/responses.h"
#include "api/router.h"
#include "api/server.h"
#include "config/settings.h"
#include "daemon/audit_check.h"
#include "daemon/journal_open.h"
#include "daemon/kafka_relay.h"
#include "daemon/kafka_source.h"
#include "daemon/pipeline.h"
#include "daemon/reloader.h"
#include "daemon/store_open.h"
#include "daemon/store_readers.h"
#include "daemon/tcp_source.h"
#include "daemon/version.h"
#include "ingest/formats/decoder.h"
#include "telemetry/daemon_metrics.h"
#include "telemetry/registry.h"

namespace alertd::daemon {

namespace {

// Reads of the store (lists, timelines, audit verification, stats) run on
// these threads; a full queue answers 503 at once rather than queueing more.
constexpr size_t kStoreReaderThreads = 2;
constexpr size_t kStoreReaderQueue = 256;

bool write_port_file(const std::string& path, const std::string& address) {
  // Write then rename, so a reader never sees a half-written file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << address << '\n')) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Waits for a stop signal; SIGHUP reloads the rules and waits on.
int wait_for_stop(const sigset_t& signals,
                  const std::function<core::Result<api::ReloadOutcome>()>& reload) {
  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP received: reloading the config");
      (void)reload();  // logs its outcome
      continue;
    }
    return sig;
  }
}

// Who may call the API, said once at start-up; never a token.
void log_access(const config::DaemonConfig& config, const std::string& bound) {
  if (!config.auth.enabled) {
    spdlog::warn("auth: no auth section: the API is open to anyone who can reach {}", bound);
    return;
  }
  spdlog::info("auth: {}", api::auth_summary(config.auth));
  for (const auto& source : config.auth.open_ingest) {
    spdlog::warn(
        "auth: ingest source {} is open (auth.open_ingest): anyone who can reach {} may send "
        "alerts to it, open incidents and resolve them",
        source, bound);
  }
}

// Store reads run on their own threads, writes on the pipeline's writer.
// Before the pipeline runs, a write route runs where it arrived: it finds no
// store yet and answers 503 not_ready at once.
api::RoutePlaces route_places(api::ApiContext& api, StoreReaders& readers) {
  api::RoutePlaces places;
  places.store_reader = [&readers](std::function<void()> job) {
    return readers.submit(std::move(job));
  };
  places.store_writer = [&api](std::function<void()> job) {
    auto* engine = api.pipeline.load(std::memory_order_acquire);
    if (engine == nullptr) {
      job();
      return true;
    }
    return engine->submit_to_writer(std::move(job));
  };
  return places;
}

// Every thread started from here on inherits this mask, so the signals
// reach only the sigwait in wait_for_stop().
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// What the pipeline starts from: the store and what it holds, and the settings.
struct StartState {
  std::unique_ptr<sinks::Store> store;
  OpenedJournal journal;
  StartPoint from;
  std::shared_ptr<const config::Settings> settings;
};

bool stop_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 &&
         (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

// What the store holds past the checkpoint: the replay skips it.
bool load_marks(sinks::Store& store, StartState& state) {
  if (!state.journal.journal) return true;
  uint64_t after = state.journal.checkpoint ? state.journal.checkpoint->lsn : 0;
  auto marks = store.load_journal_marks(core::journal_position(after + 1, 0) - 1);
  if (!marks) {
    spdlog::critical("cannot read journal positions from the store: {}", marks.error().message);
    return false;
  }
  state.from.marks = std::move(*marks);
  state.from.checkpoint = std::move(state.journal.checkpoint);
  return true;
}

std::optional<StartState> open_start_state(const config::DaemonConfig& config,
                                           const RunOptions& options, telemetry::Metrics& metrics) {
  auto journal = open_journal(config.durability, options.journal_repair, metrics);
  if (!journal) {
    spdlog::critical("cannot open the journal: {}", journal.error().message);
    return std::nullopt;
  }
  // The signals are blocked (sigwait takes them): a stop asked for while
  // start-up waits for a PostgreSQL server shows as pending.
  spdlog::info("audit chain: {}, anchored in {}",
               config.audit.key.empty() ? "SHA-256 (no audit.key)" : "HMAC-SHA256 (audit.key set)",
               config.audit.anchor_file);
  auto store =
      open_configured_store(config.store, audit_settings(config.audit, &metrics), stop_pending);
  if (!store) {
    spdlog::critical("cannot open the store: {}", store.error().message);
    return std::nullopt;
  }
  auto active = (*store)->load_active();
  if (!active) {
    spdlog::critical("cannot read active incidents from the store: {}", active.error().message);
    return std::nullopt;
  }
  spdlog::info("{} open: {} active incidents, next id INC-{}", describe_store(config.store),
               active->incidents.size(), active->max_seq + 1);
  auto silences = (*store)->load_silences();
  if (!silences) {
    spdlog::critical("cannot read silences from the store: {}", silences.error().message);
    return std::nullopt;
  }
  auto settings = config::make_settings(config, 1);
  if (!settings) {  // config::parse_config() compiled them once already; kept for safety
    spdlog::critical("{}", settings.error().message);
    return std::nullopt;
  }
  spdlog::info("rules: {}; {} silences not yet ended",
               config::rules_summary((*settings)->rules->size(), (*settings)->correlation),
               silences->size());
  StartState state{std::move(*store), std::move(*journal),
                   StartPoint{std::move(*active), std::move(*silences), std::nullopt, {}},
                   std::move(*settings)};
  if (!load_marks(*state.store, state)) return std::nullopt;
  return state;
}

// The pipeline has replayed the journal: ingest goes to it (or, in relay
// mode, to Kafka), and the sources with their own transport start.
void open_intake(const config::DaemonConfig& config, api::ApiContext& api, Pipeline& pipeline,
                 RelayEngine* relay, TcpSource& tcp, KafkaParts& kafka, bool journal) {
  kafka.local->store(&pipeline, std::memory_order_release);
  api.pipeline.store(relay != nullptr ? static_cast<api::Engine*>(relay) : &pipeline,
                     std::memory_order_release);
  spdlog::info("ready: {} shards, queue capacity {} per shard, durability {}{}",
               config.pipeline.shards, config.pipeline.queue_capacity, journal ? "journal" : "none",
               relay != nullptr ? "; ingest relayed to Kafka" : "");
  if (tcp.listener) tcp.listener->start();  // its backlog waited for the replay
  if (kafka.consumer) kafka.consumer->start();
}

// Runs the pipeline behind the API until a stop signal, then drains it.
void serve(const config::DaemonConfig& config, const RunOptions& options, api::ApiContext& api,
           StartState& state, const sigset_t& signals, api::Server& server, StoreReaders& readers,
           TcpSource& tcp, KafkaParts& kafka, ingest::tcp::TlsContextHolder* http_tls) {
  auto* journal = state.journal.journal.get();
  if (journal != nullptr) journal->start();
  Pipeline pipeline(config, state.settings, api.metrics, *state.store, api.clock, journal);
  if (kafka.publisher) {
    pipeline.set_commit_listener(
        [p = kafka.publisher.get()](std::span<const core::IncidentUpdate> u) { p->committed(u); });
  }
  std::optional<RelayEngine> relay;
  if (kafka.relay) relay.emplace(pipeline, *kafka.relay);
  pipeline.start(std::move(state.from));
  Reloader reloader(config, options, api, pipeline);
  reloader.set_tcp_tls(tcp.tls.get());
  reloader.set_http_tls(http_tls);
  api.reload = [&reloader] { return reloader(); };
  // Called on the writer thread after a silence write.
  api.silences_changed = [&pipeline, s = state.store.get()] {
    auto current = s->load_silences();
    if (!current) {
      spdlog::error("cannot read silences after a change: {}", current.error().message);
      return;
    }
    pipeline.set_silences(std::move(*current));
  };
  api.store.store(state.store.get(), std::memory_order_release);
  // The chain's start-up check walks every entry: on a store reader, beside
  // the replay, not in front of it.
  if (!readers.submit([&api, s = state.store.get()] { check_audit_chain(*s, api.metrics); })) {
    spdlog::error("audit chain start-up check: the store readers refused it");
  }
  // /-/ready and ingest answer 503 until the journal's tail is replayed.
  while (!pipeline.wait_recovered(std::chrono::milliseconds(100))) {
    if (stop_pending()) break;
  }
  if (!stop_pending()) {
    open_intake(config, api, pipeline, relay ? &*relay : nullptr, tcp, kafka, journal != nullptr);
  }
  int sig = wait_for_stop(signals, api.reload);
  spdlog::info("received {}: stopping intake and draining queues", strsignal(sig));
  server.stop();
  // SNS certificate fetches still running finish their deliveries into the
  // pipeline (bounded by their own 10 s timeout) before it drains.
  if (!api.background.stop(config.durability.shutdown_timeout)) {
    spdlog::warn("shutdown: {} SNS fetches still running; their deliveries are not answered",
                 api.background.running());
  }
  // Batches already offered are decided before the pipeline drains.
  if (tcp.listener) tcp.listener->stop(config.durability.shutdown_timeout);
  if (kafka.consumer) kafka.consumer->stop(config.durability.shutdown_timeout);
  if (kafka.relay) kafka.relay->stop(config.durability.shutdown_timeout);
  readers.stop();  // before the store closes
  pipeline.stop_and_drain();
  // The last commits' changes go out before the producer stops.
  if (kafka.publisher) kafka.publisher->stop(config.durability.shutdown_timeout);
  kafka.local->store(nullptr, std::memory_order_release);
  api.pipeline.store(nullptr, std::memory_order_release);
}

}  // namespace

int run_daemon(const config::DaemonConfig& config, const RunOptions& options) {
  const sigset_t signals = block_stop_signals();
  // A write past a file-size limit then fails with EFBIG, which the journal
  // answers with 503, instead of killing the process.
  signal(SIGXFSZ, SIG_IGN);
  spdlog::info("alertd {} ({}) starting with config from {}", kVersion, kRevision, config.origin);
  telemetry::Registry registry;
  telemetry::Metrics metrics(registry, ingest::reason::kAll, {kVersion, kRevision});
  core::SystemClock clock;
  api::ApiContext api{config, metrics, clock};
  api::Router router;
  api::add_all_routes(router, api);
  StoreReaders readers(kStoreReaderThreads, kStoreReaderQueue);
  router.set_places(route_places(api, readers));

  auto http_tls = open_listener_tls(config.http.tls, "http.tls");
  if (!http_tls) {
    spdlog::critical("{}", http_tls.error().message);
    return 1;
  }
  auto server_options = api::server_options(config, metrics);
  if (*http_tls) server_options.tls = [tls = http_tls->get()] { return tls->current(); };
  api::Server server(std::move(server_options),
                     [&router](api::Request&& request, api::Responder responder) {
                       router.dispatch(std::move(request), std::move(responder));
                     });
  auto bound = server.listen(config.http.listen);
  if (!bound) {
    spdlog::critical("{}", bound.error().message);
    return 1;
  }
  spdlog::info("listening on {}://{}", *http_tls ? "https" : "http", *bound);
  auto tcp = open_tcp_source(config, api);
  if (!tcp) {
    spdlog::critical("{}", tcp.error().message);
    return 1;
  }
  auto kafka = open_kafka(config, api);
  if (!kafka) {
    spdlog::critical("{}", kafka.error().message);
    return 1;
  }
  log_access(config, *bound);
  if (!options.port_file.empty() && !write_port_file(options.port_file, *bound)) {
    spdlog::critical("cannot write the port file {}", options.port_file);
    return 1;
  }
  server.start();  // /-/healthy answers from here on; /-/ready once the store is open
  auto state = open_start_state(config, options, metrics);
  if (!state) {
    server.stop();
    return 1;
  }
  serve(config, options, api, *state, signals, server, readers, *tcp, *kafka, http_tls->get());
  spdlog::info("drained and committed; bye");
  return 0;
}

}  // namespace alertd::daemon
