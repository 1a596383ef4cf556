#include "sinks/store/postgres/writer.h"

#include <algorithm>

#include "core/fingerprint.h"
#include "sinks/store/label_json.h"
#include "sinks/store/postgres/migrations.h"

namespace alertd::sinks::postgres {

namespace {

core::Error invalid(const Writer& w, std::string what) {
  return core::Error{"store_invalid_input", w.conn.target().name + ": " + std::move(what)};
}

constexpr size_t kMaxJoins = 65536;

const JoinTarget* join_target(const Writer& w, int64_t seq) {
  if (auto it = w.batch_joins.find(seq); it != w.batch_joins.end()) return &it->second;
  if (auto it = w.joined.find(seq); it != w.joined.end()) return &it->second;
  return nullptr;
}

// The members of `update`, written as owned by `owner`.
core::Status stage_members(Writer& w, const core::IncidentUpdate& update, int64_t owner) {
  for (const auto& m : update.members) {
    if (!labels_are_utf8(m.labels) || !labels_are_utf8(m.annotations)) {
      return invalid(w, "member " + core::fingerprint_hex(m.fingerprint) + " of incident seq " +
                            std::to_string(update.incident.seq) +
                            " has labels or annotations that are not valid UTF-8");
    }
    auto [slot, fresh] =
        w.member_slot.try_emplace(MemberKey{owner, m.fingerprint}, w.member_rows.size());
    if (fresh) {
      w.member_rows.emplace_back(owner, &m);
    } else {
      w.member_rows[slot->second].second = &m;
    }
  }
  return {};
}

// An update of an incident joined into `target`: its members and audit
// entries go to the target, its own row is never written.
core::Status stage_redirected(Writer& w, const core::IncidentUpdate& update,
                              const JoinTarget& target) {
  if (auto st = stage_members(w, update, target.seq); !st.ok()) return st;
  for (const auto& entry : update.audit) {
    if (entry.action == "create") {
      w.redirected_audit.push_back(joined_entry(entry, target, update.incident.seq));
    } else {
      w.redirected_audit.push_back(entry);
      w.redirected_audit.back().incident_id = target.id;
    }
    w.audit_entries.push_back(&w.redirected_audit.back());
  }
  auto& at = w.recount[target.seq];
  at = std::max(at, update.incident.updated_at);
  return {};
}

core::Status stage(Writer& w, std::span<const core::IncidentUpdate> batch) {
  w.redirected_audit.clear();
  w.recount.clear();
  w.incident_slot.clear();
  w.incident_rows.clear();
  w.member_slot.clear();
  w.member_rows.clear();
  w.incidents.clear();
  w.members.clear();
  w.audit_entries.clear();
  for (const auto& update : batch) {
    const core::Incident& inc = update.incident;
    if (inc.seq <= 0 || inc.id.empty()) {
      return invalid(w, "incident without seq or id (id '" + inc.id + "', seq " +
                            std::to_string(inc.seq) + ")");
    }
    if (const JoinTarget* target = join_target(w, inc.seq)) {
      if (auto st = stage_redirected(w, update, *target); !st.ok()) return st;
      continue;
    }
    auto [slot, fresh] = w.incident_slot.try_emplace(inc.seq, w.incident_rows.size());
    if (fresh) {
      w.incident_rows.push_back(&inc);
    } else {
      w.incident_rows[slot->second] = &inc;
    }
    if (auto st = stage_members(w, update, inc.seq); !st.ok()) return st;
    for (const auto& entry : update.audit) w.audit_entries.push_back(&entry);
  }
  for (const auto* inc : w.incident_rows) write_incident(w.fields, w.incidents, *inc);
  for (const auto& [seq, m] : w.member_rows) write_member(w.fields, w.members, seq, *m);
  return {};
}

// `open`: the transaction was begun (with the audit head locked) for the
// group claims.
core::Status write_staged(Writer& w, bool open) {
  // The audit entries first, in the round trip of BEGIN: the head row stays
  // locked until COMMIT, whatever else the batch writes.
  if (!w.audit_entries.empty()) {
    if (auto st = w.audit.append(w.conn, w.audit_entries, open ? "" : "BEGIN"); !st.ok()) {
      return st;
    }
  } else if (!open) {
    if (auto r = w.conn.exec("BEGIN", "begin write transaction"); !r.ok()) return r.error();
  }
  const std::pair<ColumnArrays*, std::pair<const std::string*, std::string_view>> tables[] = {
      {&w.incidents, {&upsert_incidents_sql(), "upsert incidents"}},
      {&w.members, {&upsert_members_sql(), "upsert members"}},
  };
  for (const auto& [rows, statement] : tables) {
    if (rows->rows() == 0) continue;
    w.params.clear();
    rows->add_to(w.params);
    if (auto r = w.conn.query(*statement.first, w.params, statement.second); !r.ok()) {
      return r.error();
    }
  }
  for (const auto& [seq, at] : w.recount) {
    if (auto st = recount_joined(w.conn, w.params, seq, at); !st.ok()) return st;
  }
  if (auto r = w.conn.exec("COMMIT", "commit"); !r.ok()) return r.error();
  return {};
}

bool opens_groups(std::span<const core::IncidentUpdate> batch) {
  return std::any_of(batch.begin(), batch.end(), [](const core::IncidentUpdate& u) {
    return u.group_window > core::Duration::zero();
  });
}

// In the transaction, after the audit head lock that serializes every
// instance's writes: each incident the batch opens claims its group, or is
// joined into the incident that holds it.
core::Status claim_groups(Writer& w, std::span<const core::IncidentUpdate> batch) {
  if (auto r = w.conn.exec(std::string(kBeginLockingAuditHeadSql), "begin write transaction");
      !r.ok()) {
    return r.error();
  }
  for (const auto& update : batch) {
    if (update.group_window <= core::Duration::zero() || join_target(w, update.incident.seq)) {
      continue;
    }
    auto holder = claim_group(w.conn, w.params, update);
    if (!holder.ok()) return holder.error();
    if (*holder) w.batch_joins.emplace(update.incident.seq, std::move(**holder));
  }
  return {};
}

void keep_joins(Writer& w) {
  for (auto& [seq, target] : w.batch_joins) {
    w.reported.push_back(GroupJoin{seq, target.id});
    w.joined_order.push_back(seq);
    w.joined.emplace(seq, std::move(target));
  }
  w.batch_joins.clear();
  while (w.joined_order.size() > kMaxJoins) {
    w.joined.erase(w.joined_order.front());
    w.joined_order.pop_front();
  }
}

}  // namespace

Writer::Writer(std::shared_ptr<const Target> target)
    : conn(std::move(target), [](Connection& c) { return run_migrations(c); }) {}

core::Status open_writer(Writer& w) {
  return w.conn.ensure();
}

core::Status write_batch(Writer& w, std::span<const core::IncidentUpdate> batch) {
  if (batch.empty()) return {};
  w.batch_joins.clear();
  const bool claims = opens_groups(batch);
  core::Status st;
  if (claims) st = claim_groups(w, batch);
  if (st.ok()) st = stage(w, batch);
  if (st.ok()) st = write_staged(w, claims);
  // Undo the partial batch so a retry writes every row, audit entries
  // included, once. (A COMMIT lost with the connection may have landed: its
  // retry then rewrites the same rows and appends the audit entries again,
  // and claims its groups as its own again.)
  if (!st.ok()) {
    w.conn.rollback();
    w.batch_joins.clear();
    return st;
  }
  keep_joins(w);
  return st;
}

}  // namespace alertd::sinks::postgres
