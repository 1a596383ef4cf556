"""The audit trail's hash chain: GET /api/v1/audit/verify on the real daemon,
the documented encoding recomputed here from the database file, and an entry
edited with the sqlite3 shell (as someone with access to the file would).

AnchorCases run on both backends (AnchorSqlite here, AnchorPostgres in
test_postgres.py): the anchor file outside the database catches a log cut at
its end with audit_head rewritten to match (which answered ok before), a
deleted anchor, and `alertd audit re-anchor` records itself; audit.key turns
the chain into HMAC-SHA256 entries."""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import unittest

from harness import DaemonTestCase, alertd_bin, am_alert, metric_sum

GENESIS = "0" * 64


def netstring(text):
    data = text.encode("utf-8")
    return str(len(data)).encode() + b":" + data + b","


def chain_hash(prev_hash, seq, incident_id, at_ms, actor, action, detail):
    """docs/architecture.md, "Audit trail hash chain", written out independently."""
    fields = ["alertd-audit-v1", prev_hash, str(seq), incident_id,
              "unset" if not at_ms else str(at_ms), actor, action, detail]
    return hashlib.sha256(b"".join(netstring(f) for f in fields)).hexdigest()


def verifications(d, result):
    return metric_sum(d.metrics(), "alertd_audit_verifications_total", result=result)


class AuditChain(DaemonTestCase):
    def ingest(self, d, services):
        d.post_alerts([am_alert({"alertname": "Down", "service": s, "instance": str(i)})
                       for s in services for i in range(2)])

        def all_grouped():
            incs = {i["service"]: i for i in d.incidents()}
            return all(incs.get(s, {}).get("alert_count") == 2 for s in services) and incs
        return d.wait_for(all_grouped, what=f"incidents of {services} with 2 members each")

    def test_verify_detects_an_edited_entry_and_the_daemon_keeps_working(self):
        workdir = self.make_workdir()
        d = self.start_daemon(workdir=workdir)
        incs = self.ingest(d, ["db", "web", "cache"])

        v = d.get_json("/api/v1/audit/verify")
        self.assertTrue(v["ok"], v)
        timelines = {i["id"]: d.timeline(i["id"])["entries"] for i in incs.values()}
        entries = sorted(({**e, "incident_id": inc_id} for inc_id, t in timelines.items()
                          for e in t), key=lambda e: e["seq"])
        self.assertGreaterEqual(len(entries), 6)  # create + member_added per incident at least
        self.assertEqual({k: v[k] for k in ("ok", "status", "entries", "head_hash")},
                         {"ok": True, "status": "ok", "entries": len(entries),
                          "head_hash": entries[-1]["hash"]})
        # The anchor follows each commit (it may trail the database by the last one).
        anchored = d.wait_for(lambda: (lambda a: a["anchor"]["seq"] == len(entries) and a)(
            d.get_json("/api/v1/audit/verify")), what="the anchor at the head")
        self.assertEqual(anchored["anchor"], {"seq": len(entries), "hash": entries[-1]["hash"]})
        self.assertTrue(re.fullmatch(r"[0-9a-f]{64}", v["head_hash"]), v)
        # The timeline shows the links: seqs 1..N, each prev_hash the hash before it.
        self.assertEqual([e["seq"] for e in entries], list(range(1, len(entries) + 1)))
        self.assertEqual([e["prev_hash"] for e in entries],
                         [GENESIS] + [e["hash"] for e in entries[:-1]])
        self.assertGreaterEqual(verifications(d, "ok"), 2)
        self.assertEqual(verifications(d, "broken"), 0)
        self.assertEqual(metric_sum(d.metrics(), "alertd_audit_chain_ok"), 1)
        self.assertEqual(metric_sum(d.metrics(), "alertd_audit_head_seq"), len(entries))
        d.stop()

        db_path = os.path.join(workdir, "data", "alertd.db")
        self.recompute_chain(db_path, v["head_hash"])

        # Tamper with entry 2 as an operator with the sqlite3 shell would: the
        # append-only trigger must go first.
        sqlite3_cli = shutil.which("sqlite3")
        if sqlite3_cli is None:
            self.skipTest("the sqlite3 shell is not installed")
        refused = subprocess.run([sqlite3_cli, db_path,
                                  "UPDATE audit_log SET detail = '{}' WHERE seq = 2"],
                                 capture_output=True, text=True)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("append-only", refused.stderr)
        subprocess.run([sqlite3_cli, db_path,
                        "DROP TRIGGER audit_log_no_update; "
                        "UPDATE audit_log SET detail = '{\"forged\":true}' WHERE seq = 2;"],
                       check=True, capture_output=True)

        d = self.start_daemon(workdir=workdir)
        v = d.get_json("/api/v1/audit/verify")
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["entries_checked"], 1)
        self.assertEqual(v["first_broken"]["seq"], 2)
        self.assertEqual(v["first_broken"]["incident_id"], entries[1]["incident_id"])
        self.assertTrue(v["first_broken"]["reason"].startswith("content_mismatch: "), v)
        self.assertEqual(verifications(d, "broken"), 1)

        # The daemon keeps running and writing; the break stays reported.
        new = self.ingest(d, ["queue"])["queue"]
        self.assertGreaterEqual(len(d.timeline(new["id"])["entries"]), 2)
        self.assertEqual(d.get("/-/ready").status, 200)
        again = d.get_json("/api/v1/audit/verify")
        self.assertEqual(again["first_broken"]["seq"], 2)
        self.assertEqual(verifications(d, "broken"), 2)
        d.stop()

    def recompute_chain(self, db_path, head_hash):
        """The chain as documented, from the file, by a second implementation."""
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT seq, incident_id, at, actor, action, detail, prev_hash, "
                               "hash FROM audit_log ORDER BY seq").fetchall()
            head = con.execute("SELECT seq, hash FROM audit_head").fetchall()
        finally:
            con.close()
        prev = GENESIS
        for seq, incident_id, at, actor, action, detail, prev_hash, stored in rows:
            self.assertEqual(prev_hash, prev, f"entry {seq}")
            self.assertEqual(stored, chain_hash(prev, seq, incident_id, at, actor, action, detail),
                             f"entry {seq}")
            prev = stored
        self.assertEqual(head, [(len(rows), head_hash)])
        self.assertEqual(prev, head_hash)


KEY = "k" * 16 + "0123456789abcdef"


def anchor_seq(workdir):
    """The seq the anchor file records, or None when it does not exist."""
    path = os.path.join(workdir, "data", "audit.anchor")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        lines = f.read().splitlines()
    return int(lines[1].split(" ", 1)[1])


class AnchorCases:
    """The anchor and the key, the same on every backend. A subclass gives
    config() (the store's part), sql(workdir, statement) and unlock_sql (what
    lets UPDATE and DELETE reach audit_log rows)."""

    unlock_sql = ""

    def config(self):
        raise NotImplementedError

    def sql(self, workdir, statement):
        raise NotImplementedError

    def chain_of(self, d, services):
        d.post_alerts([am_alert({"alertname": "Down", "service": s, "instance": str(i)})
                       for s in services for i in range(2)])

        def grouped():
            incs = {i["service"]: i for i in d.incidents()}
            return all(incs.get(s, {}).get("alert_count") == 2 for s in services)
        d.wait_for(grouped, what=f"incidents of {services} with 2 members each")
        return self.wait_verified(d)

    def wait_verified(self, d, path="/api/v1/audit/verify"):
        # Writes are batched: verify once the head stopped moving.
        last = {}

        def settled():
            v = d.get_json(path)
            same = v.get("head_seq") == last.get("head_seq")
            last.update(v)
            anchored = not v["ok"] or v["anchor"]["seq"] == v["head_seq"]
            return same and anchored and v
        return d.wait_for(settled, what="the audit head to settle")

    def start_up_outcome(self, d):
        return d.wait_for(lambda: re.search(r"audit chain start-up check: (\S+)",
                                            d.read_log()), what="the start-up check's log line")

    def re_anchor(self, workdir, *extra):
        cfg = os.path.join(workdir, "alertd.yaml")
        return subprocess.run([alertd_bin(), "audit", "re-anchor", "--config", cfg, *extra],
                              cwd=workdir, capture_output=True, text=True, timeout=60,
                              env={**os.environ, **getattr(self, "re_anchor_env", {})})

    def test_a_cut_log_with_a_rewritten_head_is_truncation_until_re_anchored(self):
        workdir = self.make_workdir()
        d = self.start_daemon(self.config(), workdir=workdir)
        v = self.chain_of(d, ["db", "web"])
        n = v["entries"]
        self.assertTrue(v["ok"], v)
        self.assertEqual(v["anchor"]["seq"], n)
        self.assertEqual(anchor_seq(workdir), n)
        self.assertEqual(self.start_up_outcome(d).group(1), "ok,")
        d.stop()

        # Cut the last two entries and rewrite audit_head to match: this
        # answered ok: true before the anchor existed.
        self.sql(workdir, self.unlock_sql + f"DELETE FROM audit_log WHERE seq > {n - 2}; "
                 f"UPDATE audit_head SET seq = {n - 2}, hash = "
                 f"(SELECT hash FROM audit_log WHERE seq = {n - 2})")
        d = self.start_daemon(self.config(), workdir=workdir)
        self.assertEqual(self.start_up_outcome(d).group(1), "truncated")
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_audit_chain_ok") == 0,
                   what="alertd_audit_chain_ok 0")
        v = d.get_json("/api/v1/audit/verify")
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["status"], "truncated")
        self.assertEqual(v["first_broken"]["seq"], n - 1)
        self.assertEqual(v["head_seq"], n - 2)
        self.assertEqual(v["anchor"]["seq"], n)
        # New writes do not move the anchor over the evidence.
        self.chain_of(d, ["cache"])
        self.assertEqual(anchor_seq(workdir), n)
        self.assertFalse(d.get_json("/api/v1/audit/verify")["ok"])
        d.stop()

        # The documented step after a deliberate restore.
        done = self.re_anchor(workdir, "--reason", "restored from backup")
        self.assertEqual(done.returncode, 0, done.stderr)
        d = self.start_daemon(self.config(), workdir=workdir)
        self.assertEqual(self.start_up_outcome(d).group(1), "ok,")
        v = d.get_json("/api/v1/audit/verify")
        self.assertTrue(v["ok"], v)
        self.assertEqual(v["anchor"]["seq"], v["entries"])
        rows = self.sql(workdir, "SELECT seq, actor, detail FROM audit_log "
                                 "WHERE action = 're_anchor'")
        self.assertEqual(len(rows), 1, rows)
        seq, actor, detail = rows[0]
        self.assertEqual(int(seq), v["entries"])
        self.assertTrue(actor.startswith("cli:"), actor)
        detail = json.loads(detail)
        self.assertEqual(detail["from"]["seq"], n)
        self.assertEqual(detail["to"]["seq"], int(seq) - 1)
        self.assertEqual(detail["reason"], "restored from backup")
        d.stop()

    def test_a_deleted_anchor_is_reported_and_stays_missing(self):
        workdir = self.make_workdir()
        d = self.start_daemon(self.config(), workdir=workdir)
        self.chain_of(d, ["db"])
        d.stop()
        os.unlink(os.path.join(workdir, "data", "audit.anchor"))
        d = self.start_daemon(self.config(), workdir=workdir)
        self.assertEqual(self.start_up_outcome(d).group(1), "anchor_missing")
        v = self.chain_of(d, ["web"])
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["status"], "anchor_missing")
        self.assertIsNone(v["anchor"])
        self.assertIsNone(anchor_seq(workdir))
        d.stop()
        # A chain that does not verify is not re-anchored.
        self.sql(workdir, self.unlock_sql + "UPDATE audit_log SET detail = '{}' WHERE seq = 1")
        refused = self.re_anchor(workdir)
        self.assertEqual(refused.returncode, 1, refused.stderr)
        self.assertIn("content_mismatch", refused.stderr)
        self.assertIsNone(anchor_seq(workdir))

    def test_an_edit_of_a_verified_entry_needs_a_full_verify(self):
        workdir = self.make_workdir()
        d = self.start_daemon(self.config(), workdir=workdir)
        v = self.chain_of(d, ["db", "web"])
        self.assertTrue(v["ok"], v)
        self.sql(workdir, self.unlock_sql + "UPDATE audit_log SET detail = '{}' WHERE seq = 2")
        # Incremental: only entries after the last verified one are hashed.
        v = d.get_json("/api/v1/audit/verify")
        self.assertTrue(v["ok"], v)
        self.assertEqual((v["checked"], v["full"]), (0, False))
        full = d.get_json("/api/v1/audit/verify?full=true")
        self.assertFalse(full["ok"], full)
        self.assertEqual(full["first_broken"]["seq"], 2)
        self.assertTrue(full["first_broken"]["reason"].startswith("content_mismatch: "), full)
        self.assertTrue(full["full"])
        self.assertEqual(d.get("/api/v1/audit/verify?full=maybe").status, 400)
        d.stop()

    def test_a_key_makes_an_hmac_chain_and_the_wrong_key_fails(self):
        workdir = self.make_workdir()
        d = self.start_daemon(self.config(), workdir=workdir)
        sha_entries = self.chain_of(d, ["db"])["entries"]
        d.stop()
        keyed = {**self.config(), "audit": {"key": "${ALERTD_AUDIT_KEY}"}}
        d = self.start_daemon(keyed, workdir=workdir, env={"ALERTD_AUDIT_KEY": KEY})
        self.assertIn("HMAC-SHA256 (audit.key set)", d.read_log())
        v = self.chain_of(d, ["web"])
        self.assertTrue(v["ok"], v)
        self.assertTrue(v["head_hash"].startswith("hmac-sha256:"), v)
        rows = self.sql(workdir, "SELECT seq, hash FROM audit_log ORDER BY seq")
        self.assertTrue(all(re.fullmatch(r"[0-9a-f]{64}", h) for s, h in rows[:sha_entries]))
        self.assertTrue(all(h.startswith("hmac-sha256:") for s, h in rows[sha_entries:]), rows)
        with open(os.path.join(workdir, "data", "audit.anchor")) as f:
            self.assertIn("\nmac hmac-sha256:", f.read())
        self.assertNotIn(KEY, d.read_log())
        d.stop()

        # Without the key: the SHA-256 part verifies, the rest cannot be.
        d = self.start_daemon(self.config(), workdir=workdir)
        v = d.get_json("/api/v1/audit/verify")
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["status"], "key_required")
        self.assertEqual(v["first_broken"]["seq"], sha_entries + 1)
        d.stop()

        # Another key: the HMAC entries do not verify.
        d = self.start_daemon(keyed, workdir=workdir,
                              env={"ALERTD_AUDIT_KEY": "another-key-0123456789"})
        v = d.get_json("/api/v1/audit/verify")
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["status"], "broken")
        self.assertEqual(v["first_broken"]["seq"], sha_entries + 1)
        self.assertIn("audit.key", v["first_broken"]["reason"])
        d.stop()


class AnchorSqlite(AnchorCases, DaemonTestCase):
    unlock_sql = ("DROP TRIGGER IF EXISTS audit_log_no_update; "
                  "DROP TRIGGER IF EXISTS audit_log_no_delete; ")

    def config(self):
        return {"store": {"sqlite": "./data/alertd.db"}}

    def sql(self, workdir, statement):
        con = sqlite3.connect(os.path.join(workdir, "data", "alertd.db"), timeout=10)
        try:
            if statement.lstrip().upper().startswith("SELECT"):
                return [tuple(str(c) for c in row) for row in con.execute(statement)]
            con.executescript(statement)
            con.commit()
            return []
        finally:
            con.close()


class TenantView(DaemonTestCase):
    """An incident_manager verifies for its tenant; an admin sees everything."""

    TOKENS = {"T_ADMIN": "admin-token-0123456789", "T_IM_A": "manager-a-token-0123456789",
              "T_IM_B": "manager-b-token-0123456789", "T_PROM_A": "prom-a-token-0123456789"}
    CONFIG = """
auth:
  tokens:
    - {token: "${T_ADMIN}", role: admin, tenant: tenant-a, name: ops-admin}
    - {token: "${T_IM_A}", role: incident_manager, tenant: tenant-a, name: im-a}
    - {token: "${T_IM_B}", role: incident_manager, tenant: tenant-b, name: im-b}
  ingest:
    - {token: "${T_PROM_A}", source: alertmanager, tenant: tenant-a, name: prom-a}
"""

    def verify(self, d, token, query=""):
        return d.request("GET", "/api/v1/audit/verify" + query,
                         headers={"Authorization": f"Bearer {self.TOKENS[token]}"})

    def test_tenant_view_hides_other_tenants_and_full_needs_admin(self):
        workdir = self.make_workdir()
        d = self.start_daemon(self.CONFIG, workdir=workdir, env=self.TOKENS)
        sent = d.request("POST", "/api/v2/alerts",
                         body=json.dumps([am_alert({"alertname": "Down", "service": "db"})]),
                         headers={"Authorization": f"Bearer {self.TOKENS['T_PROM_A']}",
                                  "Content-Type": "application/json"})
        self.assertEqual(sent.status, 200, sent)
        d.wait_for(lambda: self.verify(d, "T_ADMIN").json().get("entries", 0) >= 2,
                   what="the first incident's entries")
        ok = self.verify(d, "T_IM_B").json()
        self.assertEqual((ok["ok"], ok["scope"], ok["tenant"]), (True, "tenant", "tenant-b"))
        self.assertNotIn("entries", ok)
        self.assertEqual(self.verify(d, "T_IM_A", "?full=true").status, 403)
        # Break entry 1 (tenant-a's incident): its manager sees where, the
        # other tenant's learns only that the chain is broken.
        con = sqlite3.connect(os.path.join(workdir, "data", "alertd.db"), timeout=10)
        con.executescript("DROP TRIGGER audit_log_no_update; "
                          "UPDATE audit_log SET detail = '{}' WHERE seq = 1;")
        con.close()
        full = self.verify(d, "T_ADMIN", "?full=true").json()
        self.assertEqual((full["ok"], full["first_broken"]["seq"]), (False, 1), full)
        self.assertEqual(full["first_broken"]["incident_id"], "INC-1")
        seen = self.verify(d, "T_IM_B").json()
        self.assertFalse(seen["ok"], seen)
        self.assertEqual(seen["first_broken"]["seq"], None)
        self.assertEqual(seen["first_broken"]["incident_id"], None)
        self.assertFalse(seen["first_broken"]["own_tenant"])
        self.assertTrue(seen["first_broken"]["reason"].startswith("content_mismatch: "), seen)
        self.assertNotIn("INC-1", json.dumps(seen))
        own = self.verify(d, "T_IM_A").json()
        self.assertEqual((own["first_broken"]["seq"], own["first_broken"]["incident_id"],
                          own["first_broken"]["own_tenant"]), (1, "INC-1", True), own)
        d.stop()


if __name__ == "__main__":
    unittest.main()
