// FakeStore: silences and problems (fake_store.h). The recurrence check is
// the correlator's recurrence check, run over steps on the in-memory rows.
#include <algorithm>

#include "sinks/store/problem_edit.h"
#include "sinks/store/store_input.h"
#include "tests/support/fake_store.h"
#include "tests/support/fake_store_state.h"

namespace alertd::testing {

namespace {

using sinks::to_stored;

constexpr size_t kMaxListLimit = 1000;

bool is_unresolved(const core::Problem& p) {
  return p.status == core::ProblemStatus::open || p.status == core::ProblemStatus::known_error;
}

/// The recurrence check's steps over the in-memory rows. None of them can
/// fail, so the check needs no rollback.
class FakeLinkTx final : public core::ProblemLinkTx {
 public:
  explicit FakeLinkTx(FakeStore::State& s) : s_(s) {}

  core::Result<std::optional<int64_t>> unresolved_problem(const std::string& tenant,
                                                          const std::string& group_key) override {
    for (const auto& [seq, p] : s_.problems) {
      if (p.tenant == tenant && p.group_key == group_key && is_unresolved(p)) {
        return std::optional<int64_t>(seq);
      }
    }
    return std::optional<int64_t>();
  }
  core::Result<bool> is_linked(int64_t incident_seq) override {
    return s_.links.contains(incident_seq);
  }
  core::Result<std::vector<std::pair<int64_t, std::string>>> unlinked_opened_between(
      const std::string& tenant, const std::string& group_key, core::TimePoint from,
      core::TimePoint to, size_t limit) override {
    std::vector<const core::Incident*> found;
    for (const auto& [seq, inc] : s_.incidents) {
      if (inc.tenant != tenant || inc.group_key != group_key || s_.links.contains(seq)) continue;
      if (inc.opened_at == core::kNoTime || inc.opened_at < from || inc.opened_at > to) continue;
      found.push_back(&inc);
    }
    // The newest `limit`, returned oldest first (opened_at, then seq).
    std::stable_sort(found.begin(), found.end(),
                     [](const auto* a, const auto* b) { return a->opened_at < b->opened_at; });
    if (found.size() > limit) found.erase(found.begin(), found.end() - limit);
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto* inc : found) out.emplace_back(inc->seq, inc->id);
    return out;
  }
  core::Result<int64_t> insert_problem(const core::Problem& problem) override {
    const int64_t seq = ++s_.last_problem_seq;
    core::Problem p = stored_problem(problem);
    p.seq = seq;
    p.id = core::problem_id(seq);
    s_.problems[seq] = std::move(p);
    return seq;
  }
  core::Status link(int64_t incident_seq, int64_t problem_seq, core::TimePoint at) override {
    s_.links[incident_seq] = ProblemLink{problem_seq, to_stored(at)};
    return {};
  }
  core::Status touch_problem(int64_t problem_seq, core::TimePoint at) override {
    s_.problems.at(problem_seq).updated_at = to_stored(at);
    return {};
  }

 private:
  FakeStore::State& s_;
};

/// The SQL stores' unique partial index problems_one_unresolved: one open or
/// known-error problem per (tenant, group key).
bool would_be_second_unresolved(const FakeStore::State& s, const core::Problem& p) {
  if (!is_unresolved(p)) return false;
  return std::any_of(s.problems.begin(), s.problems.end(), [&](const auto& row) {
    return row.first != p.seq && row.second.tenant == p.tenant &&
           row.second.group_key == p.group_key && is_unresolved(row.second);
  });
}

}  // namespace

core::Problem stored_problem(core::Problem p) {
  for (core::TimePoint* t : {&p.created_at, &p.updated_at, &p.resolved_at, &p.closed_at}) {
    *t = to_stored(*t);
  }
  p.incident_count = 0;  // read from the links, never stored
  p.last_linked_at = core::kNoTime;
  return p;
}

core::Problem FakeStore::State::read_problem(const core::Problem& stored) const {
  core::Problem p = stored;
  for (const auto& [incident_seq, link] : links) {
    if (link.problem_seq != p.seq) continue;
    ++p.incident_count;
    p.last_linked_at = std::max(p.last_linked_at, link.linked_at);
  }
  return p;
}

// --- silences ---

core::Result<core::Silence> FakeStore::create_silence(core::Silence silence) {
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  if (auto st = sinks::prepare_new_silence(silence, kName); !st.ok()) return st.error();
  silence.id = sinks::silence_id(s.last_silence_seq + 1);
  const core::AuditEntry entry = sinks::silence_audit_entry(silence);
  if (auto st = s.append_audit({&entry, 1}); !st.ok()) return st.error();
  s.silences[++s.last_silence_seq] = silence;
  return silence;
}

core::Result<sinks::SilencePage> FakeStore::list_silences(const sinks::SilenceFilter& filter) {
  auto lock = state_->enter();
  const size_t limit = std::clamp<size_t>(filter.limit, 1, 1000);
  const core::TimePoint now = to_stored(filter.now);  // as the SQL stores compare
  sinks::SilencePage page;
  for (auto it = state_->silences.rbegin(); it != state_->silences.rend(); ++it) {
    const core::Silence& s = it->second;
    if (s.tenant != filter.tenant || (filter.before_seq && it->first >= *filter.before_seq)) {
      continue;
    }
    if (filter.state && core::silence_state(s, now) != *filter.state) continue;
    if (page.silences.size() == limit) {
      page.next_cursor = sinks::parse_silence_id(page.silences.back().id);
      break;
    }
    page.silences.push_back(s);
  }
  return page;
}

core::Result<int64_t> FakeStore::count_unended_silences(core::TimePoint now) {
  auto lock = state_->enter();
  const core::TimePoint at = to_stored(now);
  int64_t n = 0;
  for (const auto& [seq, silence] : state_->silences) n += silence.ends_at > at ? 1 : 0;
  return n;
}

core::Result<std::optional<core::Silence>> FakeStore::get_silence(std::string_view id) {
  auto lock = state_->enter();
  const auto seq = sinks::parse_silence_id(id);
  if (!seq || !state_->silences.contains(*seq)) return std::optional<core::Silence>();
  return std::optional<core::Silence>(state_->silences.at(*seq));
}

core::Result<std::optional<core::Silence>> FakeStore::expire_silence(std::string_view id,
                                                                     core::TimePoint now,
                                                                     std::string_view actor) {
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  const auto seq = sinks::parse_silence_id(id);
  if (!seq || !s.silences.contains(*seq)) return std::optional<core::Silence>();
  core::Silence& stored = s.silences.at(*seq);
  const core::TimePoint at = to_stored(now);
  if (stored.ends_at <= at) return std::optional<core::Silence>(stored);  // already ended
  core::Silence after = stored;
  after.starts_at = std::min(after.starts_at, at);  // a pending one reads as expired
  after.ends_at = at;
  after.updated_at = at;
  if (auto entry = sinks::silence_expire_audit_entry(stored, after, actor, now)) {
    if (auto st = s.append_audit({&*entry, 1}); !st.ok()) return st.error();
  }
  stored = after;
  return std::optional<core::Silence>(stored);
}

core::Result<std::vector<core::Silence>> FakeStore::load_silences(core::TimePoint now) {
  auto lock = state_->enter();
  const core::TimePoint at = to_stored(now);
  std::vector<core::Silence> out;
  for (const auto& [seq, silence] : state_->silences) {
    if (silence.ends_at > at) out.push_back(silence);
  }
  return out;
}

// --- problems ---

core::Result<std::vector<core::ProblemLinks>> FakeStore::link_recurring(
    std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
    const core::RecurrenceCheck& check) {
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  if (opened.empty() || !policy.enabled()) return std::vector<core::ProblemLinks>();
  FakeLinkTx tx(s);
  std::vector<core::AuditEntry> audit;
  auto links = check(tx, opened, audit);
  if (!links.ok()) return links.error();
  if (auto st = s.append_audit(audit); !st.ok()) return st.error();
  return links;
}

core::Result<sinks::ProblemPage> FakeStore::list_problems(const sinks::ProblemFilter& filter) {
  auto lock = state_->enter();
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxListLimit);
  sinks::ProblemPage page;
  for (auto it = state_->problems.rbegin(); it != state_->problems.rend(); ++it) {
    const core::Problem& p = it->second;
    if (p.tenant != filter.tenant || (filter.status && p.status != *filter.status)) continue;
    if (filter.before_seq && p.seq >= *filter.before_seq) continue;
    if (page.problems.size() == limit) {
      page.next_cursor = page.problems.back().seq;
      break;
    }
    page.problems.push_back(state_->read_problem(p));
  }
  return page;
}

core::Result<std::optional<sinks::ProblemDetail>> FakeStore::get_problem(std::string_view id) {
  auto lock = state_->enter();
  const State& s = *state_;
  const auto seq = core::parse_problem_id(id);
  if (!seq || !s.problems.contains(*seq)) return std::optional<sinks::ProblemDetail>();
  sinks::ProblemDetail detail;
  detail.problem = s.read_problem(s.problems.at(*seq));
  for (const auto& [incident_seq, link] : s.links) {
    if (link.problem_seq != *seq) continue;
    sinks::ProblemIncident pi{core::incident_id(incident_seq), link.linked_at, std::nullopt};
    auto inc = s.incidents.find(incident_seq);
    if (inc != s.incidents.end()) pi.incident = s.read_incident(inc->second);
    detail.incidents.push_back(std::move(pi));
  }
  // The most recently linked kMaxProblemIncidents, oldest first (linked_at, then seq).
  std::stable_sort(detail.incidents.begin(), detail.incidents.end(),
                   [](const auto& a, const auto& b) { return a.linked_at < b.linked_at; });
  if (detail.incidents.size() > sinks::kMaxProblemIncidents) {
    detail.incidents.erase(detail.incidents.begin(),
                           detail.incidents.end() - sinks::kMaxProblemIncidents);
  }
  return std::optional<sinks::ProblemDetail>(std::move(detail));
}

core::Result<core::ProblemResult> FakeStore::edit_problem(std::string_view id,
                                                          const sinks::ProblemEdit& edit) {
  auto lock = state_->enter();
  State& s = *state_;
  if (auto st = s.write_allowed(); !st.ok()) return st.error();
  const auto seq = core::parse_problem_id(id);
  if (!seq || !s.problems.contains(*seq)) return sinks::problem_not_found(id);
  core::Problem problem = s.read_problem(s.problems.at(*seq));
  std::vector<core::AuditEntry> audit;
  core::ProblemResult result = edit(problem, audit);
  if (core::refused(result.verdict)) return result;  // refused: nothing written
  if (would_be_second_unresolved(s, problem)) {
    return fake_error("store_constraint",
                      "UNIQUE constraint failed: problems.tenant, problems.group_key");
  }
  if (auto st = s.append_audit(audit); !st.ok()) return st.error();
  s.problems[*seq] = stored_problem(problem);
  result.problem = std::move(problem);
  return result;
}

}  // namespace alertd::testing
