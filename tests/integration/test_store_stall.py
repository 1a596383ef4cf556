"""A stalled store stalls no io thread. Another process holds the SQLite
write lock (as a backup tool or a second writer would) while acknowledge
calls are in flight: ingest and /-/healthy keep answering at once, /-/ready
says the store is unavailable, a command waiting for its commit answers 503
store_unavailable after its bounded wait, and once the lock is gone
everything accepted is committed."""

import json
import os
import sqlite3
import threading
import time
import unittest

from harness import DaemonTestCase, am_alert

# The daemon answers a command 503 after 10 s; the lock outlasts that.
LOCK_SECONDS = 13
# What "answers at once" means here: a hang fails, a slow machine does not.
PROMPT = 1.0


class TestStoreStall(DaemonTestCase):
    def test_locked_sqlite_file_stalls_no_io_thread(self):
        d = self.start_daemon()
        d.post_alerts([am_alert({"alertname": "DiskFull", "service": "db"})])
        d.wait_for(lambda: d.incidents(), what="the first incident")

        db = os.path.join(d.workdir, "data", "alertd.db")
        lock = sqlite3.connect(db, isolation_level=None, timeout=5)
        lock.execute("BEGIN IMMEDIATE")  # the write lock, held from outside
        locked_at = time.monotonic()
        try:
            answers = self.acknowledge_in_background(d, ["ann", "bob", "cid"])
            served = 0
            while time.monotonic() - locked_at < LOCK_SECONDS - 2:
                alert = am_alert({"alertname": f"Stall{served}", "service": "web"})
                r = d.request("POST", "/api/v2/alerts", body=json.dumps([alert]),
                              headers={"Content-Type": "application/json"}, timeout=PROMPT)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(d.request("GET", "/-/healthy", timeout=PROMPT).status, 200)
                served += 1
                time.sleep(0.3)
            ready = d.request("GET", "/-/ready", timeout=PROMPT)
            self.assertEqual(ready.status, 503, ready)
            self.assertEqual(ready.json()["error"], "store_unavailable")
            for t, _ in answers:
                t.join(timeout=30)
            # The correlator applies the first at once and waits for its
            # commit: 503 after the bounded wait. It refuses the other two
            # from memory (already acknowledged), with no wait.
            got = sorted((r[0].status, r[0].json()["error"]) for _, r in answers)
            self.assertEqual(got, [(409, "illegal_transition"), (409, "illegal_transition"),
                                   (503, "store_unavailable")], [r[0] for _, r in answers])
        finally:
            lock.execute("ROLLBACK")
            lock.close()

        # Nothing accepted was lost: the alerts and the acknowledgement land.
        d.wait_for(lambda: d.get("/-/ready").status == 200, what="/-/ready again")
        d.wait_for(lambda: len(d.incidents()) >= 2, what="the stalled alerts' incident")
        d.wait_for(lambda: d.incident("INC-1")["acknowledged_at"] is not None,
                   what="the acknowledgement committed after the lock")
        acks = [e["actor"] for e in d.timeline("INC-1")["entries"] if e["action"] == "acknowledge"]
        self.assertEqual(len(acks), 1, acks)
        self.assertIn(acks[0], ["ann", "bob", "cid"])
        # A command after the stall answers with the committed incident.
        r = d.request("POST", "/api/v1/incidents/INC-1/comment",
                      body=json.dumps({"actor": "ann", "text": "lock was a backup job"}),
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)

    def acknowledge_in_background(self, d, actors):
        answers = []
        for actor in actors:
            result = []

            def call(actor=actor, result=result):
                result.append(d.request(
                    "POST", "/api/v1/incidents/INC-1/acknowledge",
                    body=json.dumps({"actor": actor}),
                    headers={"Content-Type": "application/json"}, timeout=30))

            t = threading.Thread(target=call, daemon=True)
            t.start()
            answers.append((t, result))
        return answers


if __name__ == "__main__":
    unittest.main()
