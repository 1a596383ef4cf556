#include "correlator/problems/recurrence.h"

#include "core/json_writer.h"

namespace alertd::correlator {

namespace {

// The check's audit entries; `at` is already in the store's milliseconds.
core::AuditEntry check_audit_entry(std::string subject, std::string_view action, core::TimePoint at,
                                   std::string detail) {
  core::AuditEntry e;
  e.incident_id = std::move(subject);
  e.at = at;
  e.actor = "alertd";
  e.action = std::string(action);
  e.detail = std::move(detail);
  return e;
}

std::string problem_created_detail(const core::Problem& p, const core::ProblemPolicy& policy,
                                   size_t incidents) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object()
      .field("tenant", p.tenant)
      .field("group_key", p.group_key)
      .field("title", p.title)
      .field("incidents", static_cast<uint64_t>(incidents))
      .field("threshold", policy.threshold)
      .field("within", core::format_duration(policy.within))
      .end_object();
  return out;
}

std::string link_detail(std::string_view problem, std::string_view group_key) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().field("problem", problem).field("group_key", group_key).end_object();
  return out;
}

/// Links `incidents` to `problem_seq`, auditing each; records them in `links`.
core::Status link_all(core::ProblemLinkTx& tx,
                      const std::vector<std::pair<int64_t, std::string>>& incidents,
                      int64_t problem_seq, const std::string& group_key, core::TimePoint now,
                      core::ProblemLinks& links, std::vector<core::AuditEntry>& audit) {
  for (const auto& [seq, id] : incidents) {
    if (auto st = tx.link(seq, problem_seq, now); !st.ok()) return st;
    audit.push_back(check_audit_entry(id, "link", now, link_detail(links.problem_id, group_key)));
    links.incidents.push_back(id);
  }
  return tx.touch_problem(problem_seq, now);
}

/// The entry of `links` for `problem_id`, added when missing.
core::ProblemLinks& links_of(std::vector<core::ProblemLinks>& all, const std::string& problem_id) {
  for (auto& l : all) {
    if (l.problem_id == problem_id) return l;
  }
  all.push_back(core::ProblemLinks{problem_id, false, {}});
  return all.back();
}

}  // namespace

core::Result<std::vector<core::ProblemLinks>> link_recurring(
    core::ProblemLinkTx& tx, std::span<const core::OpenedIncident> opened,
    const core::ProblemPolicy& policy, core::TimePoint now, std::vector<core::AuditEntry>& audit) {
  std::vector<core::ProblemLinks> result;
  if (!policy.enabled()) return result;
  now = core::from_unix_millis(core::to_unix_millis(now));  // as the store keeps times
  for (const auto& x : opened) {
    auto unresolved = tx.unresolved_problem(x.tenant, x.group_key);
    if (!unresolved.ok()) return unresolved.error();
    if (*unresolved) {
      auto linked = tx.is_linked(x.seq);
      if (!linked.ok()) return linked.error();
      if (*linked) continue;  // linked when an earlier incident of this call opened the problem
      auto& links = links_of(result, core::problem_id(**unresolved));
      if (auto st = link_all(tx, {{x.seq, x.id}}, **unresolved, x.group_key, now, links, audit);
          !st.ok()) {
        return st.error();
      }
      continue;
    }
    auto recurring = tx.unlinked_opened_between(x.tenant, x.group_key, x.opened_at - policy.within,
                                                x.opened_at, core::kMaxLinkedAtOpen);
    if (!recurring.ok()) return recurring.error();
    if (recurring->size() < policy.threshold) continue;
    core::Problem p;
    p.tenant = x.tenant;
    p.group_key = x.group_key;
    p.title = x.title;
    p.created_at = p.updated_at = now;
    auto seq = tx.insert_problem(p);
    if (!seq.ok()) return seq.error();
    p.id = core::problem_id(*seq);
    audit.push_back(check_audit_entry(p.id, "create", now,
                                      problem_created_detail(p, policy, recurring->size())));
    auto& links = links_of(result, p.id);
    links.opened = true;
    if (auto st = link_all(tx, *recurring, *seq, x.group_key, now, links, audit); !st.ok()) {
      return st.error();
    }
  }
  return result;
}

core::RecurrenceCheck recurrence_check(const core::ProblemPolicy& policy, core::TimePoint now) {
  return [policy, now](core::ProblemLinkTx& tx, std::span<const core::OpenedIncident> opened,
                       std::vector<core::AuditEntry>& audit) {
    return link_recurring(tx, opened, policy, now, audit);
  };
}

}  // namespace alertd::correlator
