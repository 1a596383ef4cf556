// The one list of schema migrations, each with its SQLite and PostgreSQL
// SQL side by side (see migrations.h). The runner's checks are in
// migration_checks.cc, so this file holds the list alone.
#include "sinks/store/migrations.h"

#include <iterator>
#include <string>

#include "sinks/store/postgres/audit_log.h"
#include "sinks/store/postgres/scale_out.h"
#include "sinks/store/sqlite/audit_log.h"

namespace alertd::sinks {

namespace {

// --- version 1 ---

// SQLite: times are INTEGER unix milliseconds, NULL when not set (core::kNoTime).
// Enums are stored as their text form (status "open", priority "P2") so the
// file stays readable with the sqlite3 shell.
constexpr std::string_view kSqliteV1 = R"sql(
CREATE TABLE incidents (
  seq             INTEGER PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  tenant          TEXT    NOT NULL,
  title           TEXT    NOT NULL,
  service         TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  priority        TEXT    NOT NULL,
  severity        TEXT    NOT NULL,
  group_key       TEXT    NOT NULL,
  rule            TEXT    NOT NULL,
  opened_at       INTEGER,
  updated_at      INTEGER,
  last_alert_at   INTEGER,
  acknowledged_at INTEGER,
  resolved_at     INTEGER,
  closed_at       INTEGER,
  alert_count     INTEGER NOT NULL,
  firing_count    INTEGER NOT NULL
);
-- One index per list filter; seq last so "newest first" is an index walk.
CREATE INDEX incidents_tenant_seq      ON incidents (tenant, seq);
CREATE INDEX incidents_tenant_status   ON incidents (tenant, status, seq);
CREATE INDEX incidents_tenant_service  ON incidents (tenant, service, seq);
CREATE INDEX incidents_tenant_priority ON incidents (tenant, priority, seq);
-- load_active after a restart reads only the active few of many incidents.
CREATE INDEX incidents_active ON incidents (seq) WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE incident_members (
  incident_seq INTEGER NOT NULL REFERENCES incidents (seq) ON DELETE CASCADE,
  fingerprint  TEXT    NOT NULL CHECK (length(fingerprint) = 16),
  labels       TEXT    NOT NULL,
  annotations  TEXT    NOT NULL,
  status       TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  first_seen   INTEGER,
  last_seen    INTEGER,
  resolved_at  INTEGER,
  event_count  INTEGER NOT NULL,
  PRIMARY KEY (incident_seq, fingerprint)
);

-- Append-only: AUTOINCREMENT never reuses a seq, and the triggers refuse any
-- change to a written row (the hash chain of the audit trail builds on this).
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT    NOT NULL,
  at          INTEGER,
  actor       TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  detail      TEXT    NOT NULL
);
CREATE INDEX audit_log_incident ON audit_log (incident_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be updated');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted');
END;
)sql";

// PostgreSQL: times are BIGINT unix milliseconds, NULL when not set (core::kNoTime).
// Enums are stored as their text form (status "open", priority "P2"), as in
// the SQLite store. Append-only rules are plpgsql triggers raising
// restrict_violation (SQLSTATE 23001, reason store_constraint) with the SQLite
// store's messages; TRUNCATE, which skips row triggers, is refused too.
constexpr std::string_view kPostgresV1 = R"sql(
CREATE TABLE incidents (
  seq             BIGINT PRIMARY KEY,
  id              TEXT   NOT NULL UNIQUE,
  tenant          TEXT   NOT NULL,
  title           TEXT   NOT NULL,
  service         TEXT   NOT NULL,
  status          TEXT   NOT NULL,
  priority        TEXT   NOT NULL,
  severity        TEXT   NOT NULL,
  group_key       TEXT   NOT NULL,
  rule            TEXT   NOT NULL,
  opened_at       BIGINT,
  updated_at      BIGINT,
  last_alert_at   BIGINT,
  acknowledged_at BIGINT,
  resolved_at     BIGINT,
  closed_at       BIGINT,
  alert_count     BIGINT NOT NULL,
  firing_count    BIGINT NOT NULL
);
-- One index per list filter; seq last so "newest first" is an index walk.
CREATE INDEX incidents_tenant_seq      ON incidents (tenant, seq);
CREATE INDEX incidents_tenant_status   ON incidents (tenant, status, seq);
CREATE INDEX incidents_tenant_service  ON incidents (tenant, service, seq);
CREATE INDEX incidents_tenant_priority ON incidents (tenant, priority, seq);
-- load_active after a restart reads only the active few of many incidents.
CREATE INDEX incidents_active ON incidents (seq) WHERE status NOT IN ('resolved', 'closed');

CREATE TABLE incident_members (
  incident_seq BIGINT NOT NULL REFERENCES incidents (seq) ON DELETE CASCADE,
  fingerprint  TEXT   NOT NULL CHECK (length(fingerprint) = 16),
  labels       TEXT   NOT NULL,
  annotations  TEXT   NOT NULL,
  status       TEXT   NOT NULL,
  source       TEXT   NOT NULL,
  first_seen   BIGINT,
  last_seen    BIGINT,
  resolved_at  BIGINT,
  event_count  BIGINT NOT NULL,
  PRIMARY KEY (incident_seq, fingerprint)
);

-- Append-only: the identity never reuses a seq, and the triggers refuse any
-- change to a written row (the hash chain of the audit trail builds on this).
CREATE TABLE audit_log (
  seq         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  incident_id TEXT   NOT NULL,
  at          BIGINT,
  actor       TEXT   NOT NULL,
  action      TEXT   NOT NULL,
  detail      TEXT   NOT NULL
);
CREATE INDEX audit_log_incident ON audit_log (incident_id, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'audit_log is append-only: rows cannot be updated'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: rows cannot be deleted'
    USING ERRCODE = 'restrict_violation';
END
$fn$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql";

// --- version 2 ---

// the rule engine's incident and member fields, and silences.
// New columns are NOT NULL with defaults, so rows written by version 1 read
// as "no category, low impact, no root, not flapping, not suppressed".
constexpr std::string_view kSqliteV2 = R"sql(
ALTER TABLE incidents ADD COLUMN category     TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN impact       TEXT    NOT NULL DEFAULT 'low';
ALTER TABLE incidents ADD COLUMN root_service TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN flapping     INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN suppressed   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident_members ADD COLUMN flapping      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident_members ADD COLUMN suppressed_by TEXT    NOT NULL DEFAULT '';

-- Silences are recorded, never lost: the id is "SIL-" || seq (AUTOINCREMENT
-- never reuses one), rows cannot be deleted, and an update may only end a
-- silence earlier (expire), never change what it matches or who made it.
-- matchers is a JSON array of canonical matcher text.
CREATE TABLE silences (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant     TEXT    NOT NULL,
  matchers   TEXT    NOT NULL,
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL,
  created_by TEXT    NOT NULL,
  comment    TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX silences_tenant_seq ON silences (tenant, seq);
-- load_silences at start-up reads only the few not yet ended.
CREATE INDEX silences_ends_at ON silences (ends_at);
CREATE TRIGGER silences_no_delete BEFORE DELETE ON silences
BEGIN
  SELECT RAISE(ABORT, 'silences are never deleted: expire them instead');
END;
CREATE TRIGGER silences_only_end_earlier BEFORE UPDATE ON silences
WHEN NEW.seq IS NOT OLD.seq OR NEW.tenant IS NOT OLD.tenant
  OR NEW.matchers IS NOT OLD.matchers OR NEW.created_by IS NOT OLD.created_by
  OR NEW.comment IS NOT OLD.comment OR NEW.created_at IS NOT OLD.created_at
  OR NEW.ends_at > OLD.ends_at OR NEW.starts_at > OLD.starts_at
BEGIN
  SELECT RAISE(ABORT, 'silences can only be ended earlier: create a new one instead');
END;
)sql";

// PostgreSQL: the same in its dialect.
constexpr std::string_view kPostgresV2 = R"sql(
ALTER TABLE incidents
  ADD COLUMN category     TEXT    NOT NULL DEFAULT '',
  ADD COLUMN impact       TEXT    NOT NULL DEFAULT 'low',
  ADD COLUMN root_service TEXT    NOT NULL DEFAULT '',
  ADD COLUMN flapping     BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN suppressed   BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE incident_members
  ADD COLUMN flapping      BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN suppressed_by TEXT    NOT NULL DEFAULT '';

-- Silences are recorded, never lost: the id is 'SIL-' || seq (the identity
-- never reuses one), rows cannot be deleted, and an update may only end a
-- silence earlier (expire), never change what it matches or who made it.
-- matchers is a JSON array of canonical matcher text.
CREATE TABLE silences (
  seq        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  tenant     TEXT   NOT NULL,
  matchers   TEXT   NOT NULL,
  starts_at  BIGINT NOT NULL,
  ends_at    BIGINT NOT NULL,
  created_by TEXT   NOT NULL,
  comment    TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX silences_tenant_seq ON silences (tenant, seq);
-- load_silences at start-up reads only the few not yet ended.
CREATE INDEX silences_ends_at ON silences (ends_at);
CREATE FUNCTION silences_only_end_earlier() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'silences are never deleted: expire them instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.seq IS DISTINCT FROM OLD.seq OR NEW.tenant IS DISTINCT FROM OLD.tenant
     OR NEW.matchers IS DISTINCT FROM OLD.matchers
     OR NEW.created_by IS DISTINCT FROM OLD.created_by
     OR NEW.comment IS DISTINCT FROM OLD.comment
     OR NEW.created_at IS DISTINCT FROM OLD.created_at
     OR NEW.ends_at > OLD.ends_at OR NEW.starts_at > OLD.starts_at THEN
    RAISE EXCEPTION 'silences can only be ended earlier: create a new one instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER silences_only_end_earlier BEFORE UPDATE OR DELETE ON silences
  FOR EACH ROW EXECUTE FUNCTION silences_only_end_earlier();
CREATE TRIGGER silences_no_truncate BEFORE TRUNCATE ON silences
  FOR EACH STATEMENT EXECUTE FUNCTION silences_only_end_earlier();
)sql";

// --- version 3 ---

// the audit trail's hash chain (sinks/store/audit_chain.h). The
// update trigger goes for the backfill of existing rows; backfill_audit_chain
// fills prev_hash and hash in seq order, writes audit_head and creates the
// trigger again, all in the migration's transaction. audit_head is one row
// (id 1) updated with every batch, so it has no append-only trigger.
constexpr std::string_view kSqliteV3 = R"sql(
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash      TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT    NOT NULL
);
DROP TRIGGER audit_log_no_update;
)sql";

// PostgreSQL: the audit trail's hash chain (sinks/store/audit_chain.h). The
// append-only row trigger is disabled for the backfill of existing rows;
// backfill_audit_chain fills prev_hash and hash in seq order, writes
// audit_head and enables the trigger again, all in the migration's
// transaction (no other session ever sees the table unguarded). Entries are
// from now on inserted with an explicit seq (head + 1): the identity stays
// for rows of older binaries. audit_head is one row (id 1) updated with
// every batch, so it has no append-only trigger.
constexpr std::string_view kPostgresV3 = R"sql(
ALTER TABLE audit_log
  ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '',
  ADD COLUMN hash      TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT  NOT NULL,
  hash TEXT    NOT NULL
);
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
)sql";

// --- version 4 ---

// the incident-management lifecycle (core/lifecycle.h): owner,
// escalation, vendor, resolution and closure, SLA due times and breaches.
// Rows written before read as "detected by an alert, L1, no SLA clock".
constexpr std::string_view kSqliteV4 = R"sql(
ALTER TABLE incidents ADD COLUMN detection_source   TEXT    NOT NULL DEFAULT 'alert';
ALTER TABLE incidents ADD COLUMN urgency            TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN priority_manual    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN team               TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN assignee           TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN escalation_level   INTEGER NOT NULL DEFAULT 1;
ALTER TABLE incidents ADD COLUMN vendor             TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN vendor_contact     TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN resolved_by        TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN resolution         TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN closed_by          TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN close_notes        TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN review_note        TEXT    NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN ack_due_at         INTEGER;
ALTER TABLE incidents ADD COLUMN resolve_due_at     INTEGER;
ALTER TABLE incidents ADD COLUMN next_escalation_at INTEGER;
ALTER TABLE incidents ADD COLUMN ack_breached       INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN resolve_breached   INTEGER NOT NULL DEFAULT 0;
-- Stats over a window of opened incidents; retention of old closed ones.
CREATE INDEX incidents_tenant_opened ON incidents (tenant, opened_at);
CREATE INDEX incidents_closed ON incidents (closed_at) WHERE status = 'closed';

-- Problems (ITIL problem management) group recurring incidents; the link
-- lives here so incident writes never overwrite it.
CREATE TABLE problems (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant     TEXT    NOT NULL,
  group_key  TEXT    NOT NULL,
  title      TEXT    NOT NULL,
  status     TEXT    NOT NULL,
  workaround TEXT    NOT NULL DEFAULT '',
  root_cause TEXT    NOT NULL DEFAULT '',
  resolution TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  resolved_at INTEGER,
  closed_at  INTEGER
);
CREATE INDEX problems_tenant_key ON problems (tenant, group_key, seq);
CREATE TABLE problem_incidents (
  incident_seq INTEGER PRIMARY KEY,
  problem_seq  INTEGER NOT NULL REFERENCES problems (seq),
  linked_at    INTEGER NOT NULL
);
CREATE INDEX problem_incidents_problem ON problem_incidents (problem_seq, incident_seq);
)sql";

// PostgreSQL: the same in its dialect.
constexpr std::string_view kPostgresV4 = R"sql(
ALTER TABLE incidents
  ADD COLUMN detection_source   TEXT    NOT NULL DEFAULT 'alert',
  ADD COLUMN urgency            TEXT    NOT NULL DEFAULT '',
  ADD COLUMN priority_manual    BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN team               TEXT    NOT NULL DEFAULT '',
  ADD COLUMN assignee           TEXT    NOT NULL DEFAULT '',
  ADD COLUMN escalation_level   BIGINT  NOT NULL DEFAULT 1,
  ADD COLUMN vendor             TEXT    NOT NULL DEFAULT '',
  ADD COLUMN vendor_contact     TEXT    NOT NULL DEFAULT '',
  ADD COLUMN resolved_by        TEXT    NOT NULL DEFAULT '',
  ADD COLUMN resolution         TEXT    NOT NULL DEFAULT '',
  ADD COLUMN closed_by          TEXT    NOT NULL DEFAULT '',
  ADD COLUMN close_notes        TEXT    NOT NULL DEFAULT '',
  ADD COLUMN review_note        TEXT    NOT NULL DEFAULT '',
  ADD COLUMN ack_due_at         BIGINT,
  ADD COLUMN resolve_due_at     BIGINT,
  ADD COLUMN next_escalation_at BIGINT,
  ADD COLUMN ack_breached       BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN resolve_breached   BOOLEAN NOT NULL DEFAULT false;
-- Stats over a window of opened incidents; retention of old closed ones.
CREATE INDEX incidents_tenant_opened ON incidents (tenant, opened_at);
CREATE INDEX incidents_closed ON incidents (closed_at) WHERE status = 'closed';

-- Problems (ITIL problem management) group recurring incidents; the link
-- lives here so incident writes never overwrite it.
CREATE TABLE problems (
  seq         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  tenant      TEXT   NOT NULL,
  group_key   TEXT   NOT NULL,
  title       TEXT   NOT NULL,
  status      TEXT   NOT NULL,
  workaround  TEXT   NOT NULL DEFAULT '',
  root_cause  TEXT   NOT NULL DEFAULT '',
  resolution  TEXT   NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  resolved_at BIGINT,
  closed_at   BIGINT
);
CREATE INDEX problems_tenant_key ON problems (tenant, group_key, seq);
CREATE TABLE problem_incidents (
  incident_seq BIGINT PRIMARY KEY,
  problem_seq  BIGINT NOT NULL REFERENCES problems (seq),
  linked_at    BIGINT NOT NULL
);
CREATE INDEX problem_incidents_problem ON problem_incidents (problem_seq, incident_seq);
)sql";

// --- version 5 ---

// Problems and retention. The recurrence check counts a group key's
// incidents by opening time; a unique index keeps one unresolved problem
// per (tenant, group key) even with two writers; retention deletes closed
// incidents, and store_state remembers the highest seq it deleted so that
// ids are never handed out again.
constexpr std::string_view kSqliteV5 = R"sql(
CREATE INDEX incidents_tenant_key_opened ON incidents (tenant, group_key, opened_at);
CREATE UNIQUE INDEX problems_one_unresolved ON problems (tenant, group_key)
  WHERE status IN ('open', 'known_error');
ALTER TABLE problems ADD COLUMN close_notes TEXT NOT NULL DEFAULT '';
CREATE TABLE store_state (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
);
)sql";

// PostgreSQL: the same in its dialect.
constexpr std::string_view kPostgresV5 = R"sql(
CREATE INDEX incidents_tenant_key_opened ON incidents (tenant, group_key, opened_at);
CREATE UNIQUE INDEX problems_one_unresolved ON problems (tenant, group_key)
  WHERE status IN ('open', 'known_error');
ALTER TABLE problems ADD COLUMN close_notes TEXT NOT NULL DEFAULT '';
CREATE TABLE store_state (
  name  TEXT   PRIMARY KEY,
  value BIGINT NOT NULL
);
)sql";

// --- version 6 ---

// The write-ahead journal (issue 12): each member records the journal
// position of the last alert applied to it, so a replay after a crash skips
// what the store already holds. Rows written before read as 0, "not
// journaled". The index is partial: without a journal every member is 0 and
// none is indexed; load_journal_marks repeats its predicate word for word
// (kJournaledMember) so both planners use it with a bound parameter.
constexpr std::string_view kSqliteV6 = R"sql(
ALTER TABLE incident_members ADD COLUMN journal_pos INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incident_members_journal_pos ON incident_members (journal_pos)
  WHERE journal_pos > 0;
)sql";

// PostgreSQL: the same in its dialect.
constexpr std::string_view kPostgresV6 = R"sql(
ALTER TABLE incident_members ADD COLUMN journal_pos BIGINT NOT NULL DEFAULT 0;
CREATE INDEX incident_members_journal_pos ON incident_members (journal_pos)
  WHERE journal_pos > 0;
)sql";

// --- version 7 ---

// The quarantine (sinks/store/quarantine.h): incident updates the store
// refused for good, kept with the error instead of being retried forever.
// Nothing indexes the text, so a record holds what an index could not.
constexpr std::string_view kSqliteV7 = R"sql(
CREATE TABLE store_quarantine (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  incident_id TEXT    NOT NULL,
  tenant      TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  error       TEXT    NOT NULL,
  update_json TEXT    NOT NULL
);
)sql";

// PostgreSQL: the same in its dialect.
constexpr std::string_view kPostgresV7 = R"sql(
CREATE TABLE store_quarantine (
  seq         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at          BIGINT NOT NULL,
  incident_id TEXT   NOT NULL,
  tenant      TEXT   NOT NULL,
  reason      TEXT   NOT NULL,
  error       TEXT   NOT NULL,
  update_json TEXT   NOT NULL
);
)sql";

// --- version 8 ---

// The notification outbox (sinks/store/notify_store.h): each message as
// rendered, with what its attempts did, and what the last message about an
// incident told. The pending load walks (status, seq); retention deletes
// an incident's messages by incident_id.
constexpr std::string_view kSqliteV8 = R"sql(
CREATE TABLE notify_outbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT    NOT NULL,
  tenant      TEXT    NOT NULL,
  receiver    TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  audience    TEXT    NOT NULL,
  stage       TEXT    NOT NULL,
  change      TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  subject     TEXT    NOT NULL,
  text        TEXT    NOT NULL,
  html        TEXT    NOT NULL,
  extra_to    TEXT    NOT NULL,
  changed_at  INTEGER,
  created_at  INTEGER,
  status      TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  last_reason TEXT    NOT NULL,
  next_at     INTEGER
);
CREATE INDEX notify_outbox_status ON notify_outbox (status, seq);
CREATE INDEX notify_outbox_incident ON notify_outbox (incident_id);
CREATE TABLE notify_told (
  incident_id      TEXT    PRIMARY KEY,
  status           TEXT    NOT NULL,
  priority         TEXT    NOT NULL,
  assignee         TEXT    NOT NULL,
  acknowledged     INTEGER NOT NULL,
  escalation_level INTEGER NOT NULL,
  initial_sent     INTEGER NOT NULL,
  last_sent        INTEGER
);
)sql";

// PostgreSQL: the same in its dialect.
constexpr std::string_view kPostgresV8 = R"sql(
CREATE TABLE notify_outbox (
  seq         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  incident_id TEXT   NOT NULL,
  tenant      TEXT   NOT NULL,
  receiver    TEXT   NOT NULL,
  kind        TEXT   NOT NULL,
  audience    TEXT   NOT NULL,
  stage       TEXT   NOT NULL,
  change      TEXT   NOT NULL,
  body        TEXT   NOT NULL,
  subject     TEXT   NOT NULL,
  text        TEXT   NOT NULL,
  html        TEXT   NOT NULL,
  extra_to    TEXT   NOT NULL,
  changed_at  BIGINT,
  created_at  BIGINT,
  status      TEXT   NOT NULL,
  attempts    BIGINT NOT NULL,
  last_reason TEXT   NOT NULL,
  next_at     BIGINT
);
CREATE INDEX notify_outbox_status ON notify_outbox (status, seq);
CREATE INDEX notify_outbox_incident ON notify_outbox (incident_id);
CREATE TABLE notify_told (
  incident_id      TEXT    PRIMARY KEY,
  status           TEXT    NOT NULL,
  priority         TEXT    NOT NULL,
  assignee         TEXT    NOT NULL,
  acknowledged     BOOLEAN NOT NULL,
  escalation_level BIGINT  NOT NULL,
  initial_sent     BOOLEAN NOT NULL,
  last_sent        BIGINT
);
)sql";

// Scale-out (sinks/store/postgres/scale_out.h): only a shared store needs it.
constexpr std::string_view kSqliteV9 = "-- version 9 is PostgreSQL's alone";

const Migration kMigrations[] = {
    {1, {1, kSqliteV1}, {1, kPostgresV1}},
    {2, {2, kSqliteV2}, {2, kPostgresV2}},
    {3,
     {3, kSqliteV3, sqlite::backfill_audit_chain},
     {3, kPostgresV3, postgres::backfill_audit_chain}},
    {4, {4, kSqliteV4}, {4, kPostgresV4}},
    {5, {5, kSqliteV5}, {5, kPostgresV5}},
    {6, {6, kSqliteV6}, {6, kPostgresV6}},
    {7, {7, kSqliteV7}, {7, kPostgresV7}},
    {8, {8, kSqliteV8}, {8, kPostgresV8}},
    {9, {9, kSqliteV9}, {9, postgres::kPostgresV9}},
};

}  // namespace

std::span<const Migration> schema_migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace alertd::sinks
