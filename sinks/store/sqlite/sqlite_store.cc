#include "sinks/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "sinks/store/sqlite/checkpointer.h"
#include "sinks/store/sqlite/incidents.h"
#include "sinks/store/sqlite/notify_outbox.h"
#include "sinks/store/sqlite/problems.h"
#include "sinks/store/sqlite/quarantine.h"
#include "sinks/store/sqlite/readers.h"
#include "sinks/store/sqlite/retention.h"
#include "sinks/store/sqlite/silences.h"
#include "sinks/store/sqlite/writer.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks {

namespace {

using sqlite::ReadPool;
using sqlite::Writer;

constexpr size_t kMaxReadConnections = 64;

core::Error open_error(const std::string& path, std::string what) {
  return core::Error{"store_open", "sqlite store '" + path + "': " + std::move(what)};
}

/// Every call takes the writer under write_mu_ or leases a reader, and hands
/// it to the call of the same name in sqlite/ (incidents, silences,
/// problems, notify_outbox, retention, writer).
class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<AuditContext> audit, Writer writer, std::unique_ptr<ReadPool> readers,
              std::unique_ptr<sqlite::Checkpointer> checkpointer)
      : audit_(std::move(audit)),
        writer_(std::move(writer)),
        readers_(std::move(readers)),
        checkpointer_(std::move(checkpointer)) {}

  // --- IncidentStore ---

  core::Status apply(std::span<const core::IncidentUpdate> batch) override {
    if (batch.empty()) return {};
    std::lock_guard lock(write_mu_);
    return sqlite::write_batch(writer_, batch);
  }
  core::Result<IncidentPage> list(const IncidentFilter& filter) override {
    auto lease = readers_->acquire();
    return sqlite::list_incidents(*lease, filter);
  }
  core::Result<std::optional<IncidentDetail>> get(std::string_view id) override {
    auto lease = readers_->acquire();
    return sqlite::get_incident(*lease, id);
  }
  core::Result<TimelinePage> timeline(std::string_view id, const TimelineQuery& query) override {
    auto lease = readers_->acquire();
    return sqlite::timeline(*lease, id, query);
  }
  using IncidentStore::timeline;
  core::Result<std::optional<core::AuditEntry>> last_timeline_entry(std::string_view id) override {
    auto lease = readers_->acquire();
    return sqlite::last_timeline_entry(*lease, id);
  }
  core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                         core::TimePoint since,
                                                         size_t limit) override {
    auto lease = readers_->acquire();
    return sqlite::opened_since(*lease, tenant, since, limit);
  }
  core::Result<core::ActiveState> load_active() override {
    auto lease = readers_->acquire();
    return sqlite::load_active(*lease);
  }
  core::Result<std::vector<core::JournalMark>> load_journal_marks(uint64_t after) override {
    auto lease = readers_->acquire();
    return sqlite::load_journal_marks(*lease, after);
  }
  core::Result<AuditVerification> verify_audit(const AuditVerifyRequest& request) override {
    auto lease = readers_->acquire();
    return sqlite::verify_audit(*lease, *audit_, request);
  }
  core::Result<int64_t> re_anchor_audit(const core::AuditEntry& entry) override {
    std::lock_guard lock(write_mu_);
    auto st = sqlite::in_write_transaction(writer_, [&] { return writer_.audit.append(entry); });
    if (!st.ok()) return st.error();
    if (auto forced = audit_->anchor.force(writer_.audit.head()); !forced.ok()) {
      return forced.error();
    }
    return writer_.audit.head().seq;
  }
  core::Result<int64_t> quarantine(QuarantineRecord record) override {
    std::lock_guard lock(write_mu_);
    return sqlite::quarantine(writer_, std::move(record));
  }
  core::Result<QuarantinePage> list_quarantine(std::optional<int64_t> before_seq,
                                               size_t limit) override {
    auto lease = readers_->acquire();
    return sqlite::list_quarantine(*lease, before_seq, limit);
  }
  core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                    core::TimePoint now, const Archiver& archive) override {
    std::lock_guard lock(write_mu_);
    return sqlite::purge_closed(writer_, closed_before, limit, now, archive);
  }
  core::Status ping() override { return {}; }  // a file: nothing to reach

  // --- SilenceStore ---

  core::Result<core::Silence> create_silence(core::Silence silence) override {
    if (auto st = prepare_new_silence(silence, kName); !st.ok()) return st.error();
    std::lock_guard lock(write_mu_);
    return sqlite::create_silence(writer_, std::move(silence));
  }
  core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                            core::TimePoint now,
                                                            std::string_view actor) override {
    const auto seq = parse_silence_id(id);
    if (!seq) return std::optional<core::Silence>();
    std::lock_guard lock(write_mu_);
    return sqlite::expire_silence(writer_, *seq, now, actor);
  }
  core::Result<SilencePage> list_silences(const SilenceFilter& filter) override {
    auto lease = readers_->acquire();
    return sqlite::list_silences(*lease, filter);
  }
  core::Result<int64_t> count_unended_silences(core::TimePoint now) override {
    auto lease = readers_->acquire();
    return sqlite::count_unended_silences(*lease, now);
  }
  core::Result<std::optional<core::Silence>> get_silence(std::string_view id) override {
    const auto seq = parse_silence_id(id);
    if (!seq) return std::optional<core::Silence>();
    auto lease = readers_->acquire();
    return sqlite::get_silence(*lease, *seq);
  }
  core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) override {
    auto lease = readers_->acquire();
    return sqlite::load_silences(*lease, now);
  }
  using SilenceStore::load_silences;

  // --- ProblemStore ---

  core::Result<std::vector<core::ProblemLinks>> link_recurring(
      std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
      const core::RecurrenceCheck& check) override {
    if (opened.empty() || !policy.enabled()) return std::vector<core::ProblemLinks>();
    std::lock_guard lock(write_mu_);
    return sqlite::link_recurring(writer_, opened, policy, check);
  }
  core::Result<ProblemPage> list_problems(const ProblemFilter& filter) override {
    auto lease = readers_->acquire();
    return sqlite::list_problems(*lease, filter);
  }
  core::Result<std::optional<ProblemDetail>> get_problem(std::string_view id) override {
    const auto seq = core::parse_problem_id(id);
    if (!seq) return std::optional<ProblemDetail>();
    auto lease = readers_->acquire();
    return sqlite::get_problem(*lease, *seq);
  }
  core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                 const ProblemEdit& edit) override {
    std::lock_guard lock(write_mu_);
    return sqlite::edit_problem(writer_, id, edit);
  }

  // --- NotifyStore ---

  core::Result<std::vector<int64_t>> enqueue_notifications(
      std::span<const OutboxMessage> messages, std::span<const NotifyTold> told) override {
    auto write = prepare_notifications(messages, told, kName);
    if (!write.ok()) return write.error();
    if (write->messages.empty() && write->told.empty()) return std::vector<int64_t>();
    std::lock_guard lock(write_mu_);
    return sqlite::enqueue_notifications(writer_, *write);
  }
  core::Result<size_t> record_deliveries(std::span<const DeliveryAttempt> attempts) override {
    auto prepared = prepare_deliveries(attempts, kName);
    if (!prepared.ok()) return prepared.error();
    std::lock_guard lock(write_mu_);
    return sqlite::record_deliveries(writer_, *prepared);
  }
  core::Result<std::vector<OutboxMessage>> load_pending_notifications(int64_t after_seq,
                                                                      size_t limit) override {
    auto lease = readers_->acquire();
    return sqlite::load_pending_notifications(*lease, after_seq, outbox_load_limit(limit));
  }
  core::Result<std::vector<NotifyTold>> load_notify_told() override {
    auto lease = readers_->acquire();
    return sqlite::load_notify_told(*lease);
  }
  core::Status forget_notify_told(std::span<const std::string> incident_ids) override {
    if (incident_ids.empty()) return {};
    std::lock_guard lock(write_mu_);
    return sqlite::forget_notify_told(writer_, incident_ids);
  }

 private:
  static constexpr std::string_view kName = "sqlite store";  // what errors name it by

  // Declared before readers_: the pool's connections close first, so the
  // writer's close is the last one and checkpoints the WAL into the file.
  // Serializes every use of the writer connection (sqlite/writer.h says why
  // a mutex and not a second connection).
  std::mutex write_mu_;
  // The chain's settings, anchor and verified position: used by the writer
  // and the readers, so declared before both (and destroyed after them).
  std::unique_ptr<AuditContext> audit_;
  Writer writer_;
  std::unique_ptr<ReadPool> readers_;
  // Declared last: it stops before any other connection closes.
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;
};

core::Status check_options(const SqliteOptions& options) {
  if (options.path.empty()) return core::Error{"store_open", "sqlite store: path is empty"};
  // Each connection of an in-memory database is a database of its own, so
  // the readers would never see the writer's rows.
  if (options.path == ":memory:" || options.path.starts_with("file:")) {
    return open_error(options.path, "in-memory and URI paths are not supported; use a file path");
  }
  if (options.busy_timeout_ms < 0) return open_error(options.path, "busy_timeout_ms is negative");
  return {};
}

core::Status create_parent(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return open_error(path, "cannot create directory '" + parent.string() + "': " + ec.message());
  }
  return {};
}

}  // namespace

core::Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  if (auto st = check_options(options); !st.ok()) return st.error();
  if (sqlite3_threadsafe() == 0) {
    return open_error(options.path, "libsqlite3 was built without thread support");
  }
  if (auto st = create_parent(options.path); !st.ok()) return st.error();
  auto audit = std::make_unique<AuditContext>(options.audit);
  Writer writer;
  if (auto st = sqlite::open_writer(writer, options.path, options.busy_timeout_ms, *audit);
      !st.ok()) {
    return st.error();
  }
  const size_t readers = std::clamp<size_t>(options.read_connections, 1, kMaxReadConnections);
  auto pool = sqlite::open_readers(options.path, readers, options.busy_timeout_ms);
  if (!pool.ok()) return pool.error();
  auto checkpointer = sqlite::Checkpointer::start(options.path, options.busy_timeout_ms,
                                                  std::chrono::milliseconds(200));
  if (!checkpointer.ok()) return checkpointer.error();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      std::move(audit), std::move(writer), std::move(*pool), std::move(*checkpointer)));
}

}  // namespace alertd::sinks
