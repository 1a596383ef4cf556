"""The PostgreSQL store end to end: the daemon with `store: {postgres: ...}`
ingests, serves incidents from the server, keeps ids over a restart, keeps
a verifiable audit chain, and survives the server going away: /-/ready answers 503 while ingest still
answers 200, and once the server is back every accepted alert's incident is
stored.

Runs under tests/support/with_postgres.sh (CTest does), which starts a
throwaway server and sets ALERTD_TEST_PG (conninfo), ALERTD_TEST_PG_BIN (psql)
and ALERTD_TEST_PG_CTL (stop|start). Without them the tests fail, never skip.
"""

import itertools
import os
import signal
import subprocess
import tempfile
import time
import unittest

from harness import DaemonTestCase, alertd_bin, am_alert, free_port, metric_sum
from test_pages import PageChecks
from test_poison import PoisonChecks
from test_audit import GENESIS, AnchorCases, chain_hash

_db_numbers = itertools.count(1)


def pg_env(name):
    value = os.environ.get(name)
    if not value:
        raise AssertionError(f"{name} is not set: run this test through "
                             "tests/support/with_postgres.sh (ctest does)")
    return value


def psql(conninfo, sql):
    """Runs SQL with the server's psql; returns its unaligned output."""
    out = subprocess.run([os.path.join(pg_env("ALERTD_TEST_PG_BIN"), "psql"), "-X", "-A", "-t",
                          "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
                         check=True, capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


def pg_ctl(action):
    subprocess.run([pg_env("ALERTD_TEST_PG_CTL"), action], check=True, capture_output=True,
                   timeout=120)


def incident_services(d):
    return {i["service"]: i for i in d.incidents()}


class PostgresDatabase(DaemonTestCase):
    """A fresh database per test, as self.config; the base of the cases below."""

    def setUp(self):
        super().setUp()
        base = pg_env("ALERTD_TEST_PG")
        # A database of its own per test (the last dbname in a conninfo wins).
        name = f"alertd_it_{os.getpid()}_{next(_db_numbers)}"
        psql(base, f"CREATE DATABASE {name}")
        self.conninfo = f"{base} dbname={name}"
        self.config = {"store": {"postgres": self.conninfo}}


class PostgresStore(PostgresDatabase):
    def test_incidents_and_ids_survive_a_restart(self):
        d = self.start_daemon(self.config)
        d.post_alerts([am_alert({"alertname": "A", "service": "svc-a", "instance": "1"}),
                       am_alert({"alertname": "A", "service": "svc-a", "instance": "2"}),
                       am_alert({"alertname": "B", "service": "svc-b", "instance": "1"})])
        incs = d.wait_for(lambda: (lambda s: s.get("svc-a", {}).get("alert_count") == 2
                                   and "svc-b" in s and s)(incident_services(d)),
                          what="svc-a (2 members) and svc-b")
        timeline_a = d.timeline(incs["svc-a"]["id"])["entries"]
        self.assertGreater(len(timeline_a), 0)
        d.stop()
        # The rows are in PostgreSQL, not in a local file.
        self.assertEqual(psql(self.conninfo, "SELECT COUNT(*) FROM incidents"), "2")
        self.assertEqual(psql(self.conninfo, "SELECT COUNT(*) FROM incident_members"), "3")
        self.assertFalse(os.path.exists(os.path.join(d.workdir, "data", "alertd.db")))

        # Another working directory: everything comes from the server.
        d = self.start_daemon(self.config)
        again = incident_services(d)
        self.assertEqual({s: i["id"] for s, i in again.items()},
                         {s: i["id"] for s, i in incs.items()})
        self.assertEqual(d.timeline(incs["svc-a"]["id"])["entries"], timeline_a)
        d.post_alerts([am_alert({"alertname": "C", "service": "svc-c"})])
        c = d.wait_for(lambda: d.incidents(service="svc-c"), what="svc-c incident")[0]
        top = max(int(i["id"].split("-")[1]) for i in incs.values())
        # The store numbers in blocks of 64 each instance reserves (it may be
        # one of several): the first run's was 1..64, a restart goes on after it.
        self.assertEqual(top, 2)
        self.assertEqual(c["id"], "INC-65", "ids are never reused")
        d.stop()

    def test_audit_chain_verifies_and_shows_an_edited_entry(self):
        d = self.start_daemon(self.config)
        d.post_alerts([am_alert({"alertname": "A", "service": s, "instance": str(i)})
                       for s in ("db", "web") for i in range(2)])
        incs = d.wait_for(lambda: (lambda s: all(s.get(x, {}).get("alert_count") == 2
                                                 for x in ("db", "web")) and s)(
                                                     incident_services(d)),
                          what="db and web with 2 members each")
        v = d.get_json("/api/v1/audit/verify")
        entries = sorted((e for i in incs.values() for e in d.timeline(i["id"])["entries"]),
                         key=lambda e: e["seq"])
        self.assertEqual({k: v[k] for k in ("ok", "status", "entries", "head_hash")},
                         {"ok": True, "status": "ok", "entries": len(entries),
                          "head_hash": entries[-1]["hash"]})

        # The documented encoding, recomputed from the server's rows.
        rows = psql(self.conninfo, "SELECT seq, incident_id, COALESCE(at, 0), actor, action, "
                    "prev_hash, hash, detail FROM audit_log ORDER BY seq")
        prev = GENESIS
        for line in rows.splitlines():
            seq, incident_id, at, actor, action, prev_hash, stored, detail = line.split("|", 7)
            self.assertEqual(prev_hash, prev, f"entry {seq}")
            self.assertEqual(stored, chain_hash(prev, int(seq), incident_id, int(at), actor,
                                                action, detail), f"entry {seq}")
            prev = stored
        self.assertEqual(psql(self.conninfo, "SELECT seq || '|' || hash FROM audit_head"),
                         f"{len(entries)}|{prev}")

        # The append-only trigger refuses an edit; disabled, the edit shows.
        with self.assertRaises(subprocess.CalledProcessError) as refused:
            psql(self.conninfo, "UPDATE audit_log SET detail = '{}' WHERE seq = 2")
        self.assertIn("append-only", refused.exception.stderr)
        psql(self.conninfo, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; "
             "UPDATE audit_log SET detail = '{\"forged\":true}' WHERE seq = 2")
        # Entry 2 was verified already: only a full walk hashes it again.
        self.assertTrue(d.get_json("/api/v1/audit/verify")["ok"])
        v = d.get_json("/api/v1/audit/verify?full=true")
        self.assertFalse(v["ok"], v)
        self.assertEqual(v["entries_checked"], 1)
        self.assertEqual(v["first_broken"]["seq"], 2)
        self.assertTrue(v["first_broken"]["reason"].startswith("content_mismatch: "), v)
        d.stop()

    def test_an_outage_is_survived_and_nothing_accepted_is_lost(self):
        d = self.start_daemon(self.config)
        d.post_alerts([am_alert({"alertname": "Before", "service": "svc-before"})])
        d.wait_for(lambda: d.incidents(service="svc-before"), what="first incident stored")

        pg_ctl("stop")
        self.addCleanup(lambda: subprocess.run([pg_env("ALERTD_TEST_PG_CTL"), "start"],
                                               capture_output=True, timeout=120))
        ready = d.wait_for(lambda: (lambda r: r.status == 503 and r)(d.get("/-/ready")),
                           what="/-/ready 503 while the server is down")
        self.assertEqual(ready.json()["error"], "store_unavailable")
        self.assertIn("alertd_it_", ready.json()["detail"], "names the database")
        self.assertNotIn("port=", ready.json()["detail"], "never the conninfo itself")

        # Ingest still accepts: the sink thread holds the updates and retries.
        services = [f"svc-during-{n}" for n in range(5)]
        for n, service in enumerate(services):
            d.post_alerts([am_alert({"alertname": "During", "service": service, "n": str(n)}),
                           am_alert({"alertname": "During", "service": service, "n": "x"})])
        r = d.get("/api/v1/incidents")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json()["error"], "store_unavailable")
        d.wait_for(lambda: metric_sum(d.metrics(), "alertd_store_write_errors_total") > 0,
                   what="the sink counts its failed writes")

        pg_ctl("start")
        d.wait_for(lambda: d.get("/-/ready").status == 200, what="/-/ready 200 again")
        stored = d.wait_for(
            lambda: (lambda s: all(s.get(x, {}).get("alert_count") == 2 for x in services)
                     and s)(incident_services(d)),
            what="every alert accepted during the outage stored")
        self.assertIn("svc-before", stored)
        self.assertEqual(psql(self.conninfo, "SELECT COUNT(*) FROM incidents"),
                         str(len(services) + 1))
        # Batches retried over the outage chained their audit entries once each.
        v = d.get_json("/api/v1/audit/verify")
        self.assertTrue(v["ok"], v)
        self.assertEqual(str(v["entries"]), psql(self.conninfo, "SELECT COUNT(*) FROM audit_log"))
        d.stop()
        log = d.read_log()
        self.assertIn("store write of", log)
        self.assertIn("committed after", log, "the recovery is logged")
        # Retries are logged without flooding: the first failure, then at
        # most one line per 30 s.
        self.assertLess(log.count("retrying with backoff"), 5, log)


    def test_sigterm_while_the_server_is_down_exits_in_time_and_loses_nothing(self):
        config = dict(self.config, durability={"shutdown_timeout": "3s"})
        workdir = self.make_workdir()
        d = self.start_daemon(config, workdir=workdir)
        d.post_alerts([am_alert({"alertname": "Before", "service": "svc-before"})])
        d.wait_for(lambda: d.incidents(service="svc-before"), what="first incident stored")
        pg_ctl("stop")
        self.addCleanup(lambda: subprocess.run([pg_env("ALERTD_TEST_PG_CTL"), "start"],
                                               capture_output=True, timeout=120))
        services = [f"svc-down-{n}" for n in range(5)]
        d.post_alerts([am_alert({"alertname": "Down", "service": s}) for s in services])
        stopped_at = time.monotonic()
        d.stop()  # exit code 0: the journal keeps what the store did not take
        self.assertLess(time.monotonic() - stopped_at, 20, "SIGTERM waited past the timeout")
        self.assertIn("shutdown_timeout", d.read_log())

        pg_ctl("start")
        # Start-up waits for the server (store.connect_timeout), then replays.
        d = self.start_daemon(config, workdir=workdir)
        stored = d.wait_for(lambda: (lambda s: all(x in s for x in services) and s)(
            incident_services(d)), what="the alerts accepted while the server was down")
        self.assertIn("svc-before", stored)
        d.stop()


class PostgresStartup(unittest.TestCase):
    def test_unreachable_server_ends_start_up_after_connect_timeout(self):
        workdir = tempfile.mkdtemp(prefix="alertd-it-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        port = free_port()  # nothing listens there
        cfg = os.path.join(workdir, "alertd.yaml")
        with open(cfg, "w") as f:
            f.write("store:\n"
                    f"  postgres: \"host=127.0.0.1 port={port} dbname=x user=u password=s3cret\"\n"
                    "  connect_timeout: 1s\n")
        proc = subprocess.Popen([alertd_bin(), "--config", cfg, "--listen", "127.0.0.1:0"],
                                cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            raise AssertionError("alertd did not give up on an unreachable store")
        err = err.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 1, err)
        self.assertIn("cannot open the store", err)
        self.assertIn(f"u@127.0.0.1:{port}/x", err)
        self.assertIn("store.connect_timeout", err)
        self.assertNotIn("s3cret", err)

    def test_both_backends_in_one_file_is_a_config_error(self):
        workdir = tempfile.mkdtemp(prefix="alertd-it-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", workdir]))
        cfg = os.path.join(workdir, "alertd.yaml")
        with open(cfg, "w") as f:
            f.write("store:\n  sqlite: ./x.db\n  postgres: \"dbname=x password=s3cret\"\n")
        out = subprocess.run([alertd_bin(), "check-config", cfg], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out)
        self.assertIn(f"{cfg}:3: store: set either sqlite or postgres, not both", out.stderr)
        self.assertNotIn("s3cret", out.stderr)



class AnchorPostgres(AnchorCases, DaemonTestCase):
    """test_audit.AnchorCases on the PostgreSQL store: its anchor is a local
    file too (./data/audit.anchor)."""

    unlock_sql = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; "

    def setUp(self):
        super().setUp()
        base = pg_env("ALERTD_TEST_PG")
        name = f"alertd_anchor_{os.getpid()}_{next(_db_numbers)}"
        psql(base, f"CREATE DATABASE {name}")
        self.conninfo = f"{base} dbname={name}"

    def config(self):
        return {"store": {"postgres": self.conninfo}}

    def sql(self, workdir, statement):
        out = psql(self.conninfo, statement)
        if not statement.lstrip().upper().startswith("SELECT"):
            return []
        columns = statement.split(" FROM ")[0].count(",") + 1
        return [tuple(line.split("|", columns - 1)) for line in out.splitlines() if line]


if __name__ == "__main__":
    unittest.main()


class PostgresPoison(PoisonChecks, PostgresDatabase):
    """The poison cases of test_poison on PostgreSQL (issue 13)."""


class PostgresPages(PageChecks, PostgresDatabase):
    """The pages and limits.max_silences of test_pages on PostgreSQL (issue 13)."""
