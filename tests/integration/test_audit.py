"""The audit trail's hash chain: GET /api/v1/audit/verify on the real daemon,
the documented encoding recomputed here from the database file, and an entry
edited with the sqlite3 shell (as someone with access to the file would)."""

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import unittest

from harness import DaemonTestCase, am_alert, metric_sum

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
        timelines = {i["id"]: d.timeline(i["id"])["entries"] for i in incs.values()}
        entries = sorted(({**e, "incident_id": inc_id} for inc_id, t in timelines.items()
                          for e in t), key=lambda e: e["seq"])
        self.assertGreaterEqual(len(entries), 6)  # create + member_added per incident at least
        self.assertEqual(v, {"ok": True, "entries": len(entries), "head_hash": entries[-1]["hash"]})
        self.assertTrue(re.fullmatch(r"[0-9a-f]{64}", v["head_hash"]), v)
        # The timeline shows the links: seqs 1..N, each prev_hash the hash before it.
        self.assertEqual([e["seq"] for e in entries], list(range(1, len(entries) + 1)))
        self.assertEqual([e["prev_hash"] for e in entries],
                         [GENESIS] + [e["hash"] for e in entries[:-1]])
        self.assertEqual(verifications(d, "ok"), 1)
        self.assertEqual(verifications(d, "broken"), 0)
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


if __name__ == "__main__":
    unittest.main()
