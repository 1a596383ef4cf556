"""Accepted means kept (issue 12): every alert answered 2xx is journaled
first, so kill -9 at any moment loses none of them; a torn journal tail is
cut and counted, damage before it stops start-up until --journal-repair; a
journal that cannot be written answers 503, never 2xx; SIGTERM while the
store is locked exits within durability.shutdown_timeout and loses nothing."""

import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import (DaemonTestCase, alertd_bin, am_alert, metric_sum, parse_metrics,
                     parse_time)

POST_HEADERS = {"Content-Type": "application/json"}


def stored_instances(workdir):
    """The `instance` label of every member the SQLite store holds."""
    db = os.path.join(workdir, "data", "alertd.db")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT labels FROM incident_members").fetchall()
    finally:
        con.close()
    return {json.loads(labels).get("instance") for (labels,) in rows}


def journal_segments(workdir):
    jdir = os.path.join(workdir, "data", "journal")
    return sorted(os.path.join(jdir, f) for f in os.listdir(jdir) if f.endswith(".wal"))


class Poster:
    """Clients posting distinct alerts, 100 per request, until stopped;
    remembers the instances of every request answered 200."""

    def __init__(self, daemon, prefix, clients=4, per_request=100):
        self.daemon, self.prefix = daemon, prefix
        self.per_request = per_request
        self.acked, self.refused = set(), []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(c,)) for c in range(clients)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, client):
        n = 0
        while not self.stop.is_set():
            names = [f"{self.prefix}-{client}-{n}-{i}" for i in range(self.per_request)]
            n += 1
            batch = [am_alert({"alertname": "Load", "service": f"svc-{i % 20}", "instance": name})
                     for i, name in enumerate(names)]
            try:
                r = self.daemon.request("POST", "/api/v2/alerts", body=json.dumps(batch),
                                        headers=POST_HEADERS, timeout=10)
            except OSError:
                return  # the daemon went away mid-request: not answered, not counted
            with self.lock:
                if r.status == 200:
                    self.acked.update(names)
                else:
                    self.refused.append(r.status)

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


class KillNine(DaemonTestCase):
    def test_every_alert_answered_2xx_survives_kill_9(self):
        workdir = self.make_workdir()
        rng = random.Random(12)
        acked = set()
        for round_ in range(5):
            d = self.start_daemon(workdir=workdir)
            poster = Poster(d, f"r{round_}").start()
            time.sleep(rng.uniform(0.5, 1.5))
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            poster.join()
            d.kill()
            self.assertTrue(poster.acked, f"round {round_}: nothing was answered 200")
            acked |= poster.acked
        d = self.start_daemon(workdir=workdir)
        metrics = parse_metrics(d.get("/metrics").body.decode())
        self.assertGreater(metric_sum(metrics, "alertd_journal_replay_records"), 0)
        d.stop()  # drains and commits what the replay produced
        missing = acked - stored_instances(workdir)
        self.assertFalse(missing, f"{len(missing)} of {len(acked)} alerts answered 200 are lost, "
                                  f"e.g. {sorted(missing)[:5]}")


def make_stream(seed, alerts=40, services=8, batches=60, per_batch=5):
    """Batches of (instance, resolved) as a sender would send them: each alert
    fires, is re-sent, and may resolve once (two transitions at most, so no
    alert flaps). A stream shape the correlator was not tuned on."""
    rng = random.Random(seed)
    state = {}
    stream = []
    for _ in range(batches):
        batch = []
        for inst in rng.sample(range(alerts), per_batch):
            now = state.get(inst)
            if now is None:
                state[inst] = "firing"
            elif now == "firing" and rng.random() < 0.3:
                state[inst] = "resolved"
            batch.append((inst, state[inst] == "resolved"))
        stream.append(batch)
    return stream, services


def stream_alert(inst, resolved, services):
    return am_alert({"alertname": "Eq", "service": f"svc-{inst % services}",
                     "instance": f"eq-{inst}"}, resolved=resolved)


class StreamRun:
    """Posts a stream batch by batch; remembers when each batch was in flight."""

    def __init__(self, test, workdir):
        self.test, self.workdir = test, workdir
        self.windows = []  # per batch: (first send, last answer)
        self.daemon = test.start_daemon(workdir=workdir)

    def post(self, batch, services):
        body = json.dumps([stream_alert(i, r, services) for i, r in batch])
        start = time.time()
        while True:
            try:
                r = self.daemon.request("POST", "/api/v2/alerts", body=body,
                                        headers=POST_HEADERS, timeout=10)
                if r.status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        self.windows.append((start, time.time()))

    def crash_and_restart(self):
        self.daemon.proc.send_signal(signal.SIGKILL)
        self.daemon.proc.wait()
        self.daemon.kill()
        self.daemon = self.test.start_daemon(workdir=self.workdir)

    def outcome(self):
        """Per service: incident statuses and members (instance -> status, first, last seen)."""
        d = self.daemon
        d.stop()
        d = self.daemon = self.test.start_daemon(workdir=self.workdir)
        out = {}
        for inc in d.incidents():
            detail = d.incident(inc["id"])
            members = {m["labels"]["instance"]: (m["status"], parse_time(m["first_seen"]),
                                                 parse_time(m["last_seen"]))
                       for m in detail["members"]}
            out.setdefault(detail["service"], []).append((detail["status"], members))
        d.stop()
        return out


def seen_windows(stream, windows):
    """Per instance: the window of the batch that first fired it, and of the
    batch of its last state change (what first_seen and last_seen record)."""
    first, last, state = {}, {}, {}
    for batch, window in zip(stream, windows):
        for inst, resolved in batch:
            if inst not in first:
                first[inst] = window
            if state.get(inst) != resolved:
                last[inst] = window
                state[inst] = resolved
    return first, last


class CrashEquivalence(DaemonTestCase):
    def test_kill_9_at_random_points_ends_with_the_same_incidents(self):
        stream, services = make_stream(seed=20261202)
        straight = StreamRun(self, self.make_workdir())
        for batch in stream:
            straight.post(batch, services)
        crashed = StreamRun(self, self.make_workdir())
        kill_after = set(random.Random(7).sample(range(5, len(stream) - 1), 4))
        for k, batch in enumerate(stream):
            crashed.post(batch, services)
            if k in kill_after:
                crashed.crash_and_restart()
        a, b = straight.outcome(), crashed.outcome()

        def shape(outcome):
            return {svc: sorted((status, sorted((i, m[0]) for i, m in members.items()))
                                for status, members in incs) for svc, incs in outcome.items()}
        self.assertEqual(shape(a), shape(b))
        for run, outcome in (("straight", straight), ("crashed", crashed)):
            first, last = seen_windows(stream, outcome.windows)
            for incs in (a if run == "straight" else b).values():
                for _, members in incs:
                    for inst, (_, first_seen, last_seen) in members.items():
                        n = int(inst.split("-")[1])
                        lo, hi = first[n]
                        self.assertTrue(lo - 0.01 <= first_seen <= hi + 0.01,
                                        f"{run}: {inst} first seen {first_seen} not in {lo}..{hi}")
                        lo, hi = last[n]
                        self.assertTrue(lo - 0.01 <= last_seen <= hi + 0.01,
                                        f"{run}: {inst} last seen {last_seen} not in {lo}..{hi}")


class DamagedJournal(DaemonTestCase):
    def crashed_workdir(self, batches=5):
        """A data directory whose journal holds records the store may lack."""
        workdir = self.make_workdir()
        d = self.start_daemon(workdir=workdir)
        for b in range(batches):
            d.post_alerts([am_alert({"alertname": "Disk", "service": "db",
                                     "instance": f"b{b}-{i}"}) for i in range(10)])
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        d.kill()
        return workdir

    def test_torn_tail_is_cut_and_counted(self):
        workdir = self.crashed_workdir()
        with open(journal_segments(workdir)[-1], "ab") as f:
            f.write(b"\x40\x00\x00\x00\x12\x34")  # half a record header: a write cut short
        d = self.start_daemon(workdir=workdir)
        metrics = parse_metrics(d.get("/metrics").body.decode())
        self.assertEqual(metric_sum(metrics, "alertd_journal_errors_total", reason="torn_tail"), 1)
        self.assertIn("torn tail", d.read_log())
        d.stop()
        self.assertLessEqual({f"b{b}-{i}" for b in range(5) for i in range(10)},
                             stored_instances(workdir))

    def test_damage_before_the_tail_stops_start_up_until_repair(self):
        workdir = self.crashed_workdir()
        segment = journal_segments(workdir)[-1]
        with open(segment, "r+b") as f:
            f.seek(200)  # inside the first records, far from the tail
            byte = f.read(1)
            f.seek(200)
            f.write(bytes([byte[0] ^ 0xFF]))
        run = subprocess.run([alertd_bin(), "--listen", "127.0.0.1:0"], cwd=workdir,
                             capture_output=True, timeout=60)
        self.assertEqual(run.returncode, 1)
        err = run.stderr.decode()
        self.assertIn(os.path.basename(segment), err)
        self.assertIn("offset", err)
        self.assertIn("--journal-repair", err)

        d = self.start_daemon(workdir=workdir, extra_args=["--journal-repair"])
        metrics = parse_metrics(d.get("/metrics").body.decode())
        self.assertGreaterEqual(metric_sum(metrics, "alertd_journal_errors_total",
                                           reason="repaired"), 1)
        self.assertIn("skipped", d.read_log())
        d.stop()
        # The records after the damaged one are still there.
        self.assertIn("b4-9", stored_instances(workdir))
        # Once replayed and checkpointed, the damage is gone from disk: the
        # next start needs no repair.
        d = self.start_daemon(workdir=workdir)
        d.stop()


class JournalWriteFailure(DaemonTestCase):
    def test_a_failed_journal_write_answers_503_and_recovers_by_itself(self):
        # A file-size limit makes every journal write past 2 MiB fail (EFBIG),
        # as a full disk would; each failure moves on to a fresh segment.
        limit = 2 << 20

        def limit_file_size():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        config = {"durability": {"segment_bytes": "8MiB", "max_bytes": "64MiB"},
                  "dedup": {"touch_interval": "1h"}}
        d = self.start_daemon(config=config, preexec=limit_file_size)
        big = {"summary": "x" * 20000}
        statuses, acked = [], set()
        for n in range(400):
            batch = [am_alert({"alertname": "Big", "service": "db", "instance": f"i{i}"},
                              annotations=big) for i in range(5)]
            r = d.request("POST", "/api/v2/alerts", body=json.dumps(batch), headers=POST_HEADERS)
            statuses.append(r.status)
            if r.status == 503:
                self.assertEqual(r.json()["error"], "journal_failed", r)
                self.assertIn("retry-after", r.headers)
            if 503 in statuses and statuses[-1] == 200 and statuses.count(503) >= 2:
                break
        self.assertIn(503, statuses, "no journal write failed")
        first_503 = statuses.index(503)
        self.assertIn(200, statuses[first_503:], "the journal did not recover by itself")
        self.assertNotIn(429, statuses)
        metrics = parse_metrics(d.get("/metrics").body.decode())
        self.assertGreaterEqual(metric_sum(metrics, "alertd_journal_errors_total", reason="efbig"),
                                1)
        d.stop()


class StopDuringStoreOutage(DaemonTestCase):
    def test_sigterm_with_sqlite_locked_exits_in_time_and_loses_nothing(self):
        workdir = self.make_workdir()
        config = {"durability": {"shutdown_timeout": "3s"}}
        d = self.start_daemon(config=config, workdir=workdir)
        d.post_alerts([am_alert({"alertname": "Before", "service": "db", "instance": "x"})])
        d.wait_for(lambda: d.incidents(), what="the first incident")
        db = os.path.join(workdir, "data", "alertd.db")
        lock = sqlite3.connect(db, isolation_level=None, timeout=5)
        lock.execute("BEGIN IMMEDIATE")
        try:
            names = [f"locked-{i}" for i in range(50)]
            d.post_alerts([am_alert({"alertname": "During", "service": "web", "instance": n})
                           for n in names])
            stopped_at = time.monotonic()
            d.stop()  # asserts exit code 0
            self.assertLess(time.monotonic() - stopped_at, 20, "SIGTERM waited past the timeout")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        d = self.start_daemon(config=config, workdir=workdir)
        d.stop()
        self.assertLessEqual(set(names) | {"x"}, stored_instances(workdir))

    def test_a_store_outage_fills_the_journal_to_max_bytes_then_503(self):
        workdir = self.make_workdir()
        config = {"durability": {"segment_bytes": "1MiB", "max_bytes": "4MiB",
                                 "shutdown_timeout": "3s"}}
        d = self.start_daemon(config=config, workdir=workdir)
        db = os.path.join(workdir, "data", "alertd.db")
        lock = sqlite3.connect(db, isolation_level=None, timeout=5)
        lock.execute("BEGIN IMMEDIATE")
        acked, statuses = set(), []
        try:
            for n in range(200):
                names = [f"out-{n}-{i}" for i in range(10)]
                batch = [am_alert({"alertname": "Out", "service": "db", "instance": name},
                                  annotations={"summary": "y" * 4000}) for name in names]
                r = d.request("POST", "/api/v2/alerts", body=json.dumps(batch),
                              headers=POST_HEADERS)
                statuses.append(r.status)
                if r.status == 200:
                    acked.update(names)
                elif r.status == 503:
                    self.assertEqual(r.json()["error"], "journal_full", r)
                    self.assertIn("retry-after", r.headers)
                    break
            self.assertEqual(statuses[-1], 503, "the journal never filled")
            self.assertNotIn(429, statuses)
            self.assertEqual(d.get("/-/ready").status, 503)
            m = d.metrics()  # what deploy/prometheus/alertd-rules.yaml alerts on
            self.assertEqual(metric_sum(m, "alertd_ready"), 0)
            self.assertEqual(metric_sum(m, "alertd_journal_max_bytes"), 4 << 20)
            self.assertGreaterEqual(metric_sum(m, "alertd_journal_bytes") + (1 << 20), 4 << 20)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        # The store takes the journal's alerts, a checkpoint frees the
        # segments, and ingest answers 200 again by itself.
        def accepted_again():
            batch = [am_alert({"alertname": "After", "service": "db", "instance": "after"})]
            return d.request("POST", "/api/v2/alerts", body=json.dumps(batch),
                             headers=POST_HEADERS).status == 200
        d.wait_for(accepted_again, what="ingest accepted again after the outage")
        d.wait_for(lambda: d.get("/-/ready").status == 200, what="/-/ready after the outage")
        self.assertEqual(metric_sum(d.metrics(), "alertd_ready"), 1)
        d.stop()
        self.assertLessEqual(acked | {"after"}, stored_instances(workdir))


if __name__ == "__main__":
    unittest.main()
