#include "sinks/store/postgres/writer.h"

#include "core/fingerprint.h"
#include "sinks/store/label_json.h"
#include "sinks/store/postgres/migrations.h"

namespace alertd::sinks::postgres {

namespace {

core::Error invalid(const Writer& w, std::string what) {
  return core::Error{"store_invalid_input", w.conn.target().name + ": " + std::move(what)};
}

core::Status stage(Writer& w, std::span<const core::IncidentUpdate> batch) {
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
    auto [slot, fresh] = w.incident_slot.try_emplace(inc.seq, w.incident_rows.size());
    if (fresh) {
      w.incident_rows.push_back(&inc);
    } else {
      w.incident_rows[slot->second] = &inc;
    }
    for (const auto& m : update.members) {
      if (!labels_are_utf8(m.labels) || !labels_are_utf8(m.annotations)) {
        return invalid(w, "member " + core::fingerprint_hex(m.fingerprint) + " of incident seq " +
                              std::to_string(inc.seq) +
                              " has labels or annotations that are not valid UTF-8");
      }
      auto [mslot, mfresh] =
          w.member_slot.try_emplace(MemberKey{inc.seq, m.fingerprint}, w.member_rows.size());
      if (mfresh) {
        w.member_rows.emplace_back(inc.seq, &m);
      } else {
        w.member_rows[mslot->second].second = &m;
      }
    }
    for (const auto& entry : update.audit) w.audit_entries.push_back(&entry);
  }
  for (const auto* inc : w.incident_rows) write_incident(w.fields, w.incidents, *inc);
  for (const auto& [seq, m] : w.member_rows) write_member(w.fields, w.members, seq, *m);
  return {};
}

core::Status write_staged(Writer& w) {
  // The audit entries first, in the round trip of BEGIN: the head row stays
  // locked until COMMIT, whatever else the batch writes.
  if (w.audit_entries.empty()) {
    if (auto r = w.conn.exec("BEGIN", "begin write transaction"); !r.ok()) return r.error();
  } else if (auto st = w.audit.append(w.conn, w.audit_entries, "BEGIN"); !st.ok()) {
    return st;
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
  if (auto r = w.conn.exec("COMMIT", "commit"); !r.ok()) return r.error();
  return {};
}

}  // namespace

Writer::Writer(std::shared_ptr<const Target> target)
    : conn(std::move(target), [](Connection& c) { return run_migrations(c); }) {}

core::Status open_writer(Writer& w) {
  return w.conn.ensure();
}

core::Status write_batch(Writer& w, std::span<const core::IncidentUpdate> batch) {
  if (batch.empty()) return {};
  if (auto st = stage(w, batch); !st.ok()) return st;
  auto st = write_staged(w);
  // Undo the partial batch so a retry writes every row, audit entries
  // included, once. (A COMMIT lost with the connection may have landed: its
  // retry then rewrites the same rows and appends the audit entries again.)
  if (!st.ok()) w.conn.rollback();
  return st;
}

}  // namespace alertd::sinks::postgres
