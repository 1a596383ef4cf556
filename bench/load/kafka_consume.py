#!/usr/bin/env python3
"""Kafka consume rate and partition takeover (issue 16 §6, docs/performance.md).

    bench/load/kafka_consume.py [--alerts 1000000] [--per-message 100]
        [--partitions 12] [--instances 1] [--fingerprints 10000]
        [--takeover] [--session-timeout-ms 6000] [--postgres CONNINFO]
        [--alertd build-release/alertd] [--mock build-release/bench/load/kafka_mock_cluster]

Starts librdkafka's mock cluster (3 brokers), fills a topic with --alerts
generic events (NDJSON, --per-message events per message, keyed by
service) with kcat, then starts --instances alertd processes in one
consumer group (each with its own SQLite store and journal, in a temp dir;
or with --postgres all sharing one PostgreSQL store, as scaled out) and
times them from the group's first assignment until every alert is journaled
(alertd_kafka_alerts_total) and the pipeline is idle with everything
committed. --takeover instead kills one of two instances mid-stream with
SIGKILL and times how long until the other owns every partition and the
stream is consumed.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

SERVICES = 48


def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Cluster:
    def __init__(self, mock, partitions):
        self.proc = subprocess.Popen([mock, "--brokers", "3", "--topic", f"alerts:{partitions}"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.bootstrap = self.proc.stdout.readline().strip().split("=", 1)[1]

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def fill(bootstrap, alerts, per_message, fingerprints):
    """The stream: one message per --per-message events of one service."""
    lines = []
    for m in range(alerts // per_message):
        service = f"svc-{m % SERVICES}"
        events = "\n".join(json.dumps({"labels": {
            "alertname": "KafkaBench", "service": service,
            "instance": f"host-{(m * per_message + i) % fingerprints}"}})
            for i in range(per_message))
        lines.append(f"{service}\t{events}\x1e")
    started = time.monotonic()
    # lz4, as producers of this volume would: librdkafka 2.0.2's mock cluster
    # keeps only the last 5 MiB of each partition, and deletes what is older.
    subprocess.run(["kcat", "-P", "-q", "-b", bootstrap, "-t", "alerts", "-K", "\t",
                    "-D", "\\x1e", "-X", "queue.buffering.max.messages=1000000",
                    "-X", "linger.ms=50", "-X", "compression.codec=lz4"],
                   input="".join(lines).encode(), check=True)
    print(f"filled: {alerts} alerts in {len(lines)} messages, {time.monotonic() - started:.1f} s")


def start(alertd, bootstrap, session_ms, workdir, postgres=None):
    os.makedirs(workdir)
    store = json.dumps(postgres) if postgres else f"{workdir}/alertd.db"
    with open(os.path.join(workdir, "alertd.yaml"), "w") as f:
        f.write(f"""listen: 127.0.0.1:0
store: {{{'postgres' if postgres else 'sqlite'}: {store}}}
kafka:
  brokers: {bootstrap}
  group_id: bench
  topics: [alerts]
  properties:
    session.timeout.ms: {session_ms}
    heartbeat.interval.ms: {max(100, session_ms // 10)}
""")
    port_file = os.path.join(workdir, "port")
    log = open(os.path.join(workdir, "stderr.log"), "wb")
    proc = subprocess.Popen([alertd, "--config", os.path.join(workdir, "alertd.yaml"),
                             "--port-file", port_file], stdout=log, stderr=log, cwd=workdir)
    while not os.path.exists(port_file):
        time.sleep(0.01)
    port = int(open(port_file).read().strip().rsplit(":", 1)[1])
    return proc, port


def wait_idle(ports):
    """Until no instance commits a store batch for 0.5 s."""
    last = None
    while True:
        now = [metric(p, "alertd_store_batches_total") for p in ports]
        if now == last:
            return
        last = now
        time.sleep(0.5)


def run_rate(args, cluster, tmp):
    started = time.monotonic()
    procs = [start(args.alertd, cluster.bootstrap, args.session_timeout_ms, f"{tmp}/a{i}",
                   args.postgres) for i in range(args.instances)]
    ports = [p for _, p in procs]
    while sum(metric(p, "alertd_kafka_partitions_assigned") for p in ports) == 0:
        time.sleep(0.01)
    assigned = time.monotonic()  # the group has formed: consuming starts
    while (got := sum(metric(p, "alertd_kafka_alerts_total") for p in ports)) < args.alerts:
        if time.monotonic() - started > 600:
            sys.exit(f"only {got:.0f} of {args.alerts} alerts after 600 s (more than the mock "
                     "cluster's 5 MiB per partition produced?)")
        time.sleep(0.05)
    journaled = time.monotonic() - assigned
    wait_idle(ports)
    committed = time.monotonic() - assigned - 0.5  # the idle check's own wait
    per = [int(metric(p, "alertd_kafka_alerts_total")) for p in ports]
    print(f"RESULT instances={args.instances} alerts={args.alerts} "
          f"group_formed_s={assigned - started:.2f} (not counted below) "
          f"journaled_s={journaled:.2f} rate_journaled={args.alerts / journaled:.0f} "
          f"committed_s={committed:.2f} rate_committed={args.alerts / committed:.0f} "
          f"per_instance={per}")
    for proc, _ in procs:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def run_takeover(args, cluster, tmp):
    a, pa = start(args.alertd, cluster.bootstrap, args.session_timeout_ms, f"{tmp}/a0")
    b, pb = start(args.alertd, cluster.bootstrap, args.session_timeout_ms, f"{tmp}/a1")
    while metric(pa, "alertd_kafka_partitions_assigned") + \
            metric(pb, "alertd_kafka_partitions_assigned") < args.partitions or \
            metric(pb, "alertd_kafka_partitions_assigned") == 0:
        time.sleep(0.05)
    while metric(pa, "alertd_kafka_alerts_total") < args.alerts // 10:
        time.sleep(0.01)
    a.kill()
    killed = time.monotonic()
    while metric(pb, "alertd_kafka_partitions_assigned") < args.partitions:
        time.sleep(0.02)
    owned = time.monotonic() - killed
    print(f"RESULT takeover session_timeout_ms={args.session_timeout_ms} "
          f"partitions_owned_after_s={owned:.2f}")
    b.send_signal(signal.SIGTERM)
    b.wait(60)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--alerts", type=int, default=1_000_000)
    p.add_argument("--per-message", type=int, default=100)
    p.add_argument("--partitions", type=int, default=12)
    p.add_argument("--instances", type=int, default=1)
    p.add_argument("--fingerprints", type=int, default=10_000)
    p.add_argument("--takeover", action="store_true")
    p.add_argument("--session-timeout-ms", type=int, default=45000)
    p.add_argument("--postgres", help="libpq conninfo of one store all instances share")
    p.add_argument("--alertd", default="build-release/alertd")
    p.add_argument("--mock", default="build-release/bench/load/kafka_mock_cluster")
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="alertd-kafka-bench-")
    cluster = Cluster(args.mock, args.partitions)
    try:
        fill(cluster.bootstrap, args.alerts, args.per_message, args.fingerprints)
        (run_takeover if args.takeover else run_rate)(args, cluster, tmp)
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
