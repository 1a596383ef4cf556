// FakeStore: the controls, the incidents with their members and audit trail,
// and retention. Silences and problems are in fake_store_records.cc.
#include "tests/support/fake_store.h"

#include <algorithm>

#include "core/fingerprint.h"
#include "sinks/store/label_json.h"
#include "sinks/store/store_input.h"
#include "tests/support/fake_store_state.h"

namespace alertd::testing {

namespace {

using sinks::to_stored;

constexpr size_t kMaxListLimit = 1000;

bool is_active(const core::Incident& inc) {
  return inc.status != core::IncidentStatus::resolved && inc.status != core::IncidentStatus::closed;
}

/// Which seq holds incident id `id` part-way through a batch: `renamed` has
/// the ids the batch gave so far (seq -> id), over what is stored.
std::optional<int64_t> id_holder(const FakeStore::State& s,
                                 const std::map<int64_t, std::string>& renamed,
                                 const std::string& id) {
  for (const auto& [seq, new_id] : renamed) {
    if (new_id == id) return seq;
  }
  auto it = s.incident_ids.find(id);
  if (it == s.incident_ids.end() || renamed.contains(it->second)) return std::nullopt;
  return it->second;
}

/// What the SQL stores refuse, checked before anything is written so a
/// refused batch leaves nothing behind: no seq or id, labels that could not
/// be read back, an id another incident holds (the UNIQUE constraint, as
/// the upserts would meet it one by one).
core::Status check_batch(const FakeStore::State& s, std::span<const core::IncidentUpdate> batch) {
  std::map<int64_t, std::string> renamed;
  for (const auto& update : batch) {
    const core::Incident& inc = update.incident;
    const std::string which = " (incident " + inc.id + ", seq " + std::to_string(inc.seq) + ")";
    if (inc.seq <= 0 || inc.id.empty()) {
      return fake_error("store_invalid_input", "incident without seq or id" + which);
    }
    if (auto holder = id_holder(s, renamed, inc.id); holder && *holder != inc.seq) {
      return fake_error("store_constraint", "UNIQUE constraint failed: incidents.id" + which);
    }
    renamed[inc.seq] = inc.id;
    for (const auto& m : update.members) {
      if (!sinks::labels_are_utf8(m.labels) || !sinks::labels_are_utf8(m.annotations)) {
        return fake_error("store_invalid_input",
                          "member " + core::fingerprint_hex(m.fingerprint) + " of incident seq " +
                              std::to_string(inc.seq) +
                              " has labels or annotations that are not valid UTF-8");
      }
    }
  }
  return {};
}

void upsert_incident(FakeStore::State& s, const core::Incident& incident) {
  auto it = s.incidents.find(incident.seq);
  if (it != s.incidents.end()) s.incident_ids.erase(it->second.id);
  s.incidents[incident.seq] = stored_incident(incident);
  s.incident_ids[incident.id] = incident.seq;
}

}  // namespace

// --- the shared state ---

std::unique_lock<std::mutex> FakeStore::State::enter() const {
  std::unique_lock lock(mu);
  if (stalled) {
    ++const_cast<State*>(this)->stalled_calls;
    changed.notify_all();
    changed.wait(lock, [this] { return !stalled; });
    --const_cast<State*>(this)->stalled_calls;
  }
  return lock;
}

core::Status FakeStore::State::write_allowed() const {
  if (!failing) return {};
  return fake_error("store_unavailable", "the store is unavailable (fail_writes)");
}

core::Status FakeStore::State::append_audit(std::span<const core::AuditEntry> entries) {
  std::vector<core::AuditEntry> staged;
  sinks::AuditChainHead next = head;
  for (const auto& entry : entries) {
    core::AuditEntry e = entry;
    e.at = to_stored(e.at);
    e.seq = next.seq + 1;
    auto hash = hasher.hash(next.hash, e.seq, e);
    if (!hash.ok()) return hash.error();
    e.prev_hash = next.hash;
    e.hash = *hash;
    next = sinks::AuditChainHead{e.seq, *hash};
    staged.push_back(std::move(e));
  }
  for (auto& e : staged) audit.push_back(std::move(e));
  head = std::move(next);
  return {};
}

core::Incident FakeStore::State::read_incident(const core::Incident& stored) const {
  core::Incident inc = stored;
  auto link = links.find(inc.seq);
  inc.problem_id = link == links.end() ? "" : core::problem_id(link->second.problem_seq);
  return inc;
}

std::vector<core::Member> FakeStore::State::members_in_order(int64_t seq) const {
  std::vector<core::Member> out;
  auto it = members.find(seq);
  if (it == members.end()) return out;
  for (const auto& [fp, m] : it->second) out.push_back(m);  // by fingerprint
  std::stable_sort(out.begin(), out.end(), [](const core::Member& a, const core::Member& b) {
    return a.first_seen < b.first_seen;  // kNoTime is the epoch: unset sorts first, as NULL
  });
  return out;
}

core::Incident stored_incident(core::Incident inc) {
  for (core::TimePoint* t :
       {&inc.opened_at, &inc.updated_at, &inc.last_alert_at, &inc.acknowledged_at, &inc.resolved_at,
        &inc.closed_at, &inc.ack_due_at, &inc.resolve_due_at, &inc.next_escalation_at}) {
    *t = to_stored(*t);
  }
  inc.problem_id.clear();  // read through the link, never written (as in the SQL stores)
  return inc;
}

core::Member stored_member(core::Member m) {
  m.first_seen = to_stored(m.first_seen);
  m.last_seen = to_stored(m.last_seen);
  m.resolved_at = to_stored(m.resolved_at);
  return m;
}

// --- construction and controls ---

FakeStore::FakeStore() : state_(std::make_shared<State>()) {}
FakeStore::FakeStore(std::shared_ptr<State> state) : state_(std::move(state)) {}
FakeStore::~FakeStore() = default;

std::unique_ptr<FakeStore> FakeStore::reopen() const {
  return std::unique_ptr<FakeStore>(new FakeStore(state_));
}

void FakeStore::stall() {
  std::lock_guard lock(state_->mu);
  state_->stalled = true;
}

void FakeStore::resume() {
  {
    std::lock_guard lock(state_->mu);
    state_->stalled = false;
  }
  state_->changed.notify_all();
}

size_t FakeStore::stalled_calls() const {
  std::lock_guard lock(state_->mu);
  return state_->stalled_calls;
}

bool FakeStore::wait_for_stalled_calls(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mu);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->stalled_calls >= n; });
}

void FakeStore::fail_writes(bool fail) {
  std::lock_guard lock(state_->mu);
  state_->failing = fail;
}

uint64_t FakeStore::committed_batches() const {
  std::lock_guard lock(state_->mu);
  return state_->committed_batches;
}

bool FakeStore::wait_for_committed_batches(uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mu);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->committed_batches >= n; });
}

// --- inspection ---

std::optional<int64_t> FakeStore::row_count(std::string_view table) const {
  std::lock_guard lock(state_->mu);
  const State& s = *state_;
  if (table == "incidents") return static_cast<int64_t>(s.incidents.size());
  if (table == "audit_log") return static_cast<int64_t>(s.audit.size());
  if (table == "silences") return static_cast<int64_t>(s.silences.size());
  if (table == "problems") return static_cast<int64_t>(s.problems.size());
  if (table == "problem_incidents") return static_cast<int64_t>(s.links.size());
  if (table == "notify_outbox") return static_cast<int64_t>(s.outbox.size());
  if (table == "notify_told") return static_cast<int64_t>(s.told.size());
  if (table != "incident_members") return std::nullopt;
  int64_t n = 0;
  for (const auto& [seq, of_incident] : s.members) n += static_cast<int64_t>(of_incident.size());
  return n;
}

std::vector<core::Incident> FakeStore::incidents() const {
  std::lock_guard lock(state_->mu);
  std::vector<core::Incident> out;
  for (const auto& [seq, inc] : state_->incidents) out.push_back(state_->read_incident(inc));
  return out;
}

std::vector<core::Member> FakeStore::members_of(int64_t incident_seq) const {
  std::lock_guard lock(state_->mu);
  return state_->members_in_order(incident_seq);
}

std::vector<core::AuditEntry> FakeStore::audit_log() const {
  std::lock_guard lock(state_->mu);
  return state_->audit;
}

int64_t FakeStore::audit_head_seq() const {
  std::lock_guard lock(state_->mu);
  return state_->head.seq;
}

// --- incidents ---

core::Status FakeStore::apply(std::span<const core::IncidentUpdate> batch) {
  auto lock = state_->enter();
  State& s = *state_;
  if (batch.empty()) return {};
  if (auto st = s.write_allowed(); !st.ok()) return st;
  if (auto st = check_batch(s, batch); !st.ok()) return st;
  std::vector<core::AuditEntry> entries;
  for (const auto& update : batch) {
    entries.insert(entries.end(), update.audit.begin(), update.audit.end());
  }
  // The audit entries first: hashing is the one step that can still fail.
  if (auto st = s.append_audit(entries); !st.ok()) return st;
  for (const auto& update : batch) {
    upsert_incident(s, update.incident);
    auto& of_incident = s.members[update.incident.seq];
    for (const auto& m : update.members) of_incident[m.fingerprint] = stored_member(m);
  }
  ++s.committed_batches;
  s.changed.notify_all();
  return {};
}

core::Result<sinks::IncidentPage> FakeStore::list(const sinks::IncidentFilter& filter) {
  auto lock = state_->enter();
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  sinks::IncidentPage page;
  for (auto it = state_->incidents.rbegin(); it != state_->incidents.rend(); ++it) {
    const core::Incident& inc = it->second;
    if (inc.tenant != filter.tenant) continue;
    if (filter.status && inc.status != *filter.status) continue;
    if (filter.service && inc.service != *filter.service) continue;
    if (filter.priority && inc.priority != *filter.priority) continue;
    if (filter.before_seq && inc.seq >= *filter.before_seq) continue;
    if (page.incidents.size() == limit) {
      page.next_cursor = page.incidents.back().seq;  // one more exists: another page
      break;
    }
    page.incidents.push_back(state_->read_incident(inc));
  }
  return page;
}

core::Result<std::optional<sinks::IncidentDetail>> FakeStore::get(std::string_view id) {
  auto lock = state_->enter();
  auto it = state_->incident_ids.find(id);
  if (it == state_->incident_ids.end()) return std::optional<sinks::IncidentDetail>();
  sinks::IncidentDetail detail;
  detail.incident = state_->read_incident(state_->incidents.at(it->second));
  detail.members = state_->members_in_order(it->second);
  return std::optional<sinks::IncidentDetail>(std::move(detail));
}

core::Result<sinks::TimelinePage> FakeStore::timeline(std::string_view id,
                                                      const sinks::TimelineQuery& query) {
  auto lock = state_->enter();
  const size_t limit = std::clamp<size_t>(query.limit, 1, sinks::kMaxTimelineRead);
  sinks::TimelinePage page;
  for (const auto& e : state_->audit) {  // in seq order
    if (e.incident_id != id || e.seq <= query.after_seq.value_or(0)) continue;
    if (page.entries.size() == limit) {
      page.next_cursor = page.entries.back().seq;  // one more exists: another page
      break;
    }
    page.entries.push_back(e);
  }
  return page;
}

core::Result<std::optional<core::AuditEntry>> FakeStore::last_timeline_entry(std::string_view id) {
  auto lock = state_->enter();
  for (auto it = state_->audit.rbegin(); it != state_->audit.rend(); ++it) {
    if (it->incident_id == id) return std::optional<core::AuditEntry>(*it);
  }
  return std::optional<core::AuditEntry>();
}

core::Result<std::vector<core::Incident>> FakeStore::opened_since(const std::string& tenant,
                                                                  core::TimePoint since,
                                                                  size_t limit) {
  auto lock = state_->enter();
  since = to_stored(since);
  std::vector<core::Incident> out;
  for (const auto& [seq, inc] : state_->incidents) {
    // An unset opened_at is NULL in SQL: never >= anything.
    if (inc.tenant != tenant || inc.opened_at == core::kNoTime || inc.opened_at < since) continue;
    out.push_back(state_->read_incident(inc));
  }
  std::stable_sort(out.begin(), out.end(), [](const core::Incident& a, const core::Incident& b) {
    return a.opened_at < b.opened_at;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

core::Result<core::ActiveState> FakeStore::load_active() {
  auto lock = state_->enter();
  core::ActiveState state;
  for (const auto& [seq, inc] : state_->incidents) {
    state.max_seq = std::max(state.max_seq, seq);
    if (!is_active(inc)) continue;
    state.incidents.push_back(state_->read_incident(inc));
    for (auto& m : state_->members_in_order(seq)) state.members.emplace_back(inc.id, std::move(m));
  }
  state.max_seq = std::max(state.max_seq, state_->purged_max_seq);
  return state;
}

core::Result<std::vector<core::JournalMark>> FakeStore::load_journal_marks(uint64_t after) {
  auto lock = state_->enter();
  // Keyed as the SQL stores group and order: tenant, then fingerprint as hex
  // text (which orders as the number).
  std::map<std::pair<std::string, uint64_t>, uint64_t> marks;
  for (const auto& [seq, of_incident] : state_->members) {
    const std::string& tenant = state_->incidents.at(seq).tenant;
    for (const auto& [fp, m] : of_incident) {
      if (m.journal_pos == 0 || m.journal_pos <= after) continue;
      uint64_t& pos = marks[{tenant, fp}];
      pos = std::max(pos, m.journal_pos);
    }
  }
  std::vector<core::JournalMark> out;
  out.reserve(marks.size());
  for (const auto& [key, pos] : marks) out.push_back(core::JournalMark{key.first, key.second, pos});
  return out;
}

namespace {

/// The in-memory log as verify_audit_chain reads a backend's tables.
class FakeAuditRows final : public sinks::AuditRows {
 public:
  explicit FakeAuditRows(const FakeStore::State& s) : s_(s) {}
  core::Result<std::optional<sinks::AuditChainHead>> head() override {
    return std::optional<sinks::AuditChainHead>(s_.head);
  }
  core::Result<std::optional<std::string>> hash_at(int64_t seq) override {
    if (seq < 1 || seq > static_cast<int64_t>(s_.audit.size())) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(s_.audit[static_cast<size_t>(seq - 1)].hash);
  }
  core::Status walk(int64_t after, sinks::ChainVerifier& verifier) override {
    for (const auto& row : s_.audit) {
      if (!verifier.ok()) break;
      if (row.seq <= after) continue;
      if (auto st = verifier.add(row); !st.ok()) return st;
    }
    return {};
  }

 private:
  const FakeStore::State& s_;
};

}  // namespace

core::Result<sinks::AuditVerification> FakeStore::verify_audit(
    const sinks::AuditVerifyRequest& request) {
  auto lock = state_->enter();
  FakeAuditRows rows(*state_);
  return sinks::verify_audit_chain(rows, sinks::AuditSettings{}, sinks::AnchorSeen{},
                                   state_->verified, request);
}

core::Result<int64_t> FakeStore::re_anchor_audit(const core::AuditEntry& entry) {
  auto lock = state_->enter();
  if (auto st = state_->write_allowed(); !st.ok()) return st.error();
  if (auto st = state_->append_audit(std::span(&entry, 1)); !st.ok()) return st.error();
  return state_->head.seq;
}

core::Result<size_t> FakeStore::purge_closed(core::TimePoint closed_before, size_t limit,
                                             core::TimePoint now, const sinks::Archiver& archive) {
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  closed_before = to_stored(closed_before);
  std::vector<sinks::IncidentDetail> closed;
  for (const auto& [seq, inc] : s.incidents) {
    if (inc.status != core::IncidentStatus::closed || inc.closed_at == core::kNoTime ||
        inc.closed_at >= closed_before) {
      continue;
    }
    closed.push_back(sinks::IncidentDetail{s.read_incident(inc), {}});
  }
  std::stable_sort(closed.begin(), closed.end(), [](const auto& a, const auto& b) {
    return a.incident.closed_at < b.incident.closed_at;  // then by seq, as they were
  });
  if (closed.size() > limit) closed.resize(limit);
  if (closed.empty()) return size_t{0};
  if (archive) {
    for (auto& detail : closed) detail.members = s.members_in_order(detail.incident.seq);
    if (auto st = archive(closed); !st.ok()) return st.error();
  }
  std::vector<core::AuditEntry> entries;
  for (const auto& detail : closed) {
    entries.push_back(sinks::purge_audit_entry(detail.incident, archive != nullptr, now));
  }
  if (auto st = s.append_audit(entries); !st.ok()) return st.error();
  for (const auto& detail : closed) {
    s.members.erase(detail.incident.seq);
    s.forget_notifications(detail.incident.id);
    s.incident_ids.erase(detail.incident.id);
    s.incidents.erase(detail.incident.seq);
    s.purged_max_seq = std::max(s.purged_max_seq, detail.incident.seq);
  }
  return closed.size();
}

core::Result<int64_t> FakeStore::quarantine(sinks::QuarantineRecord record) {
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  record.seq = static_cast<int64_t>(s.quarantine.size()) + 1;
  const core::AuditEntry entry = sinks::quarantine_audit_entry(record);
  if (auto st = s.append_audit({&entry, 1}); !st.ok()) return st.error();
  s.quarantine.push_back(std::move(record));
  return s.quarantine.back().seq;
}

core::Result<sinks::QuarantinePage> FakeStore::list_quarantine(std::optional<int64_t> before_seq,
                                                               size_t limit) {
  auto lock = state_->enter();
  sinks::QuarantinePage page;
  for (auto it = state_->quarantine.rbegin(); it != state_->quarantine.rend(); ++it) {
    if (before_seq && it->seq >= *before_seq) continue;
    if (page.records.size() == limit) {
      page.next_cursor = page.records.back().seq;
      break;
    }
    page.records.push_back(*it);
  }
  return page;
}

core::Status FakeStore::ping() {
  auto lock = state_->enter();
  return state_->write_allowed();
}

}  // namespace alertd::testing
