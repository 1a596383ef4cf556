#include "sinks/store/postgres/postgres_store.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "sinks/store/postgres/incidents.h"
#include "sinks/store/postgres/notify_outbox.h"
#include "sinks/store/postgres/pg_conn.h"
#include "sinks/store/postgres/problems.h"
#include "sinks/store/postgres/quarantine.h"
#include "sinks/store/postgres/readers.h"
#include "sinks/store/postgres/retention.h"
#include "sinks/store/postgres/scale_out.h"
#include "sinks/store/postgres/silences.h"
#include "sinks/store/postgres/writer.h"
#include "sinks/store/store_input.h"

namespace alertd::sinks {

namespace {

using postgres::ReadPool;
using postgres::Writer;

constexpr size_t kMaxReadConnections = 64;

/// Every call takes the writer under write_mu_ or leases a reader, and hands
/// it to the call of the same name in postgres/ (incidents, silences,
/// problems, notify_outbox, retention, writer).
class PostgresStore final : public Store {
 public:
  PostgresStore(std::shared_ptr<const postgres::Target> target, const AuditSettings& audit)
      : target_(target), audit_(std::make_unique<AuditContext>(audit)), writer_(target) {}

  /// The writer first: its first connect runs the migrations, so the
  /// readers find the schema in place.
  core::Status connect(size_t readers) {
    if (auto st = postgres::open_writer(writer_); !st.ok()) return st;
    if (auto st = writer_.audit.open(writer_.conn, *audit_); !st.ok()) return st;
    auto pool = postgres::open_readers(target_, readers);
    if (!pool.ok()) return pool.error();
    readers_ = std::move(*pool);
    return {};
  }

  // --- IncidentStore ---

  core::Status apply(std::span<const core::IncidentUpdate> batch) override {
    if (batch.empty()) return {};
    std::lock_guard lock(write_mu_);
    return after_write(postgres::write_batch(writer_, batch));
  }
  bool shared() const override { return true; }
  core::Result<int64_t> reserve_incident_seqs(int64_t count) override {
    auto lease = readers_->acquire();  // autocommit, beside the writer's batch
    return postgres::reserve_incident_seqs(lease->conn, lease->params, count);
  }
  std::vector<GroupJoin> take_group_joins() override {
    std::lock_guard lock(write_mu_);
    return std::exchange(writer_.reported, {});
  }
  core::Result<IncidentPage> list(const IncidentFilter& filter) override {
    auto lease = readers_->acquire();
    return postgres::list_incidents(*lease, filter);
  }
  core::Result<std::optional<IncidentDetail>> get(std::string_view id) override {
    auto lease = readers_->acquire();
    return postgres::get_incident(*lease, id);
  }
  core::Result<TimelinePage> timeline(std::string_view id, const TimelineQuery& query) override {
    auto lease = readers_->acquire();
    return postgres::timeline(*lease, id, query);
  }
  using IncidentStore::timeline;
  core::Result<std::optional<core::AuditEntry>> last_timeline_entry(std::string_view id) override {
    auto lease = readers_->acquire();
    return postgres::last_timeline_entry(*lease, id);
  }
  core::Result<std::vector<core::Incident>> opened_since(const std::string& tenant,
                                                         core::TimePoint since,
                                                         size_t limit) override {
    auto lease = readers_->acquire();
    return postgres::opened_since(*lease, tenant, since, limit);
  }
  core::Result<core::ActiveState> load_active() override {
    auto lease = readers_->acquire();
    return postgres::load_active(*lease);
  }
  core::Result<std::vector<core::JournalMark>> load_journal_marks(uint64_t after) override {
    auto lease = readers_->acquire();
    return postgres::load_journal_marks(*lease, after);
  }
  core::Result<AuditVerification> verify_audit(const AuditVerifyRequest& request) override {
    auto lease = readers_->acquire();
    return postgres::verify_audit(*lease, *audit_, request);
  }
  core::Result<int64_t> re_anchor_audit(const core::AuditEntry& entry) override {
    std::lock_guard lock(write_mu_);
    auto st = after_write(postgres::run_transaction(writer_.conn, "BEGIN", [&] {
      return writer_.audit.append_in_transaction(writer_.conn, std::span(&entry, 1));
    }));
    if (!st.ok()) return st.error();
    const AuditChainHead head = writer_.audit.last_committed();
    if (auto forced = audit_->anchor.force(head); !forced.ok()) return forced.error();
    return head.seq;
  }
  core::Result<int64_t> quarantine(QuarantineRecord record) override {
    std::lock_guard lock(write_mu_);
    return after_write(postgres::quarantine(writer_, std::move(record)));
  }
  core::Result<QuarantinePage> list_quarantine(std::optional<int64_t> before_seq,
                                               size_t limit) override {
    auto lease = readers_->acquire();
    return postgres::list_quarantine(*lease, before_seq, limit);
  }
  core::Result<size_t> purge_closed(core::TimePoint closed_before, size_t limit,
                                    core::TimePoint now, const Archiver& archive) override {
    std::lock_guard lock(write_mu_);
    return after_write(postgres::purge_closed(writer_, closed_before, limit, now, archive));
  }
  core::Status ping() override {
    auto lease = readers_->acquire();
    return core::status_of(lease->conn.exec("SELECT 1", "ping"));
  }

  // --- SilenceStore ---

  core::Result<core::Silence> create_silence(core::Silence silence) override {
    if (auto st = prepare_new_silence(silence, target_->name); !st.ok()) return st.error();
    std::lock_guard lock(write_mu_);
    return after_write(postgres::create_silence(writer_, std::move(silence)));
  }
  core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                            core::TimePoint now,
                                                            std::string_view actor) override {
    const auto seq = parse_silence_id(id);
    if (!seq) return std::optional<core::Silence>();
    std::lock_guard lock(write_mu_);
    return after_write(postgres::expire_silence(writer_, *seq, now, actor));
  }
  core::Result<SilencePage> list_silences(const SilenceFilter& filter) override {
    auto lease = readers_->acquire();
    return postgres::list_silences(*lease, filter);
  }
  core::Result<int64_t> count_unended_silences(core::TimePoint now) override {
    auto lease = readers_->acquire();
    return postgres::count_unended_silences(*lease, now);
  }
  core::Result<std::optional<core::Silence>> get_silence(std::string_view id) override {
    const auto seq = parse_silence_id(id);
    if (!seq) return std::optional<core::Silence>();
    auto lease = readers_->acquire();
    return postgres::get_silence(*lease, *seq);
  }
  core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) override {
    auto lease = readers_->acquire();
    return postgres::load_silences(*lease, now);
  }
  using SilenceStore::load_silences;

  // --- ProblemStore ---

  core::Result<std::vector<core::ProblemLinks>> link_recurring(
      std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
      const core::RecurrenceCheck& check) override {
    if (opened.empty() || !policy.enabled()) return std::vector<core::ProblemLinks>();
    std::lock_guard lock(write_mu_);
    return after_write(postgres::link_recurring(writer_, opened, policy, check));
  }
  core::Result<ProblemPage> list_problems(const ProblemFilter& filter) override {
    auto lease = readers_->acquire();
    return postgres::list_problems(*lease, filter);
  }
  core::Result<std::optional<ProblemDetail>> get_problem(std::string_view id) override {
    const auto seq = core::parse_problem_id(id);
    if (!seq) return std::optional<ProblemDetail>();
    auto lease = readers_->acquire();
    return postgres::get_problem(*lease, *seq);
  }
  core::Result<core::ProblemResult> edit_problem(std::string_view id,
                                                 const ProblemEdit& edit) override {
    std::lock_guard lock(write_mu_);
    return after_write(postgres::edit_problem(writer_, id, edit));
  }

  // --- NotifyStore ---

  core::Result<std::vector<int64_t>> enqueue_notifications(
      std::span<const OutboxMessage> messages, std::span<const NotifyTold> told) override {
    auto write = prepare_notifications(messages, told, target_->name);
    if (!write.ok()) return write.error();
    if (write->messages.empty() && write->told.empty()) return std::vector<int64_t>();
    std::lock_guard lock(write_mu_);
    return after_write(postgres::enqueue_notifications(writer_, *write));
  }
  core::Result<size_t> record_deliveries(std::span<const DeliveryAttempt> attempts) override {
    auto prepared = prepare_deliveries(attempts, target_->name);
    if (!prepared.ok()) return prepared.error();
    std::lock_guard lock(write_mu_);
    return after_write(postgres::record_deliveries(writer_, *prepared));
  }
  core::Result<std::vector<OutboxMessage>> load_pending_notifications(int64_t after_seq,
                                                                      size_t limit) override {
    auto lease = readers_->acquire();
    return postgres::load_pending_notifications(*lease, after_seq, outbox_load_limit(limit));
  }
  core::Result<std::vector<NotifyTold>> load_notify_told() override {
    auto lease = readers_->acquire();
    return postgres::load_notify_told(*lease);
  }
  core::Status forget_notify_told(std::span<const std::string> incident_ids) override {
    if (incident_ids.empty()) return {};
    std::lock_guard lock(write_mu_);
    return after_write(postgres::forget_notify_told(writer_, incident_ids));
  }

 private:
  /// Every write call is one transaction: once it returned, the anchor
  /// moves to where its audit entries ended (after the commit, never before).
  template <typename R>
  R after_write(R result) {
    if (result.ok()) {
      writer_.audit.committed();
    } else {
      writer_.audit.rolled_back();
    }
    return result;
  }

  std::shared_ptr<const postgres::Target> target_;
  std::mutex write_mu_;  // every write (batches, silences, problems, retention), one at a time
  // The chain's settings, anchor and verified position, for the writer and the readers.
  std::unique_ptr<AuditContext> audit_;
  Writer writer_;
  std::unique_ptr<ReadPool> readers_;
};

}  // namespace

core::Result<std::string> describe_postgres_target(const std::string& conninfo) {
  auto target = postgres::parse_target(conninfo);
  if (!target.ok()) return target.error();
  return target->name;
}

core::Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options) {
  auto target = postgres::parse_target(options.conninfo);
  if (!target.ok()) return target.error();
  if (PQisthreadsafe() == 0) {
    return core::Error{"store_open", target->name + ": libpq was built without thread support"};
  }
  auto shared = std::make_shared<const postgres::Target>(std::move(*target));
  auto store = std::make_unique<PostgresStore>(shared, options.audit);
  const size_t readers = std::clamp<size_t>(options.read_connections, 1, kMaxReadConnections);
  if (auto st = store->connect(readers); !st.ok()) return st.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace alertd::sinks
