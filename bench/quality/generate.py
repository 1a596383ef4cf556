#!/usr/bin/env python3
"""Generates an alert storm with ground truth for the correlation-quality bench.

Writes OUT/events.ndjson (alertd generic events, time-ordered) and OUT/truth.json
(alert_id -> truth incident id, or null for noise). Deterministic for a given
--seed and set of flags. See bench/quality/README.md for the scenarios.

Every distinct alert carries a label `alert_id` (re-sends repeat it), so the
scorer joins alertd's replay output to the truth without computing fingerprints.

Truth incidents never overlap in time (within --margin) with a truth incident
whose services are related in the dependency map (same service, or one a
transitive dependency of the other): then a topology-aware correlator can in
principle separate every truth incident, and the scores measure the
correlator, not an ambiguity of the data.
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
from collections import deque

EPOCH = datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc)
RESEND_SECONDS = 60  # Prometheus re-sends firing alerts every minute
RESOLVED_RESEND_SECONDS = 15 * 60  # ... and resolved ones for 15 minutes

# Alert names per kind of service, for roots (what breaks) and dependents (what they see).
ROOT_ALERTS = {
    "db": ["PostgresDown", "PostgresReplicationLagHigh", "PostgresTooManyConnections",
           "DiskFillingUp"],
    "cache": ["RedisDown", "RedisMemoryHigh", "RedisRejectedConnections"],
    "queue": ["KafkaBrokerDown", "KafkaUnderReplicatedPartitions", "KafkaConsumerLagHigh"],
    "index": ["ElasticsearchClusterRed", "ElasticsearchHeapHigh"],
    "store": ["ObjectStoreErrorsHigh", "DiskFillingUp"],
    "gateway": ["UpstreamProviderErrors", "UpstreamTimeouts"],
    "model": ["ModelServingDown", "ModelLatencyHigh"],
    "service": ["PodCrashLooping", "OOMKilled", "DeploymentReplicasMismatch",
                "HighErrorRate"],
}
DEPENDENT_ALERTS = ["HighLatency", "HighErrorRate", "SaturationHigh", "UpstreamErrors",
                    "ConnectionPoolExhausted", "RequestQueueBacklog", "ErrorBudgetBurn",
                    "ApdexLow"]
SINGLE_ALERTS = ["HighLatency", "HighErrorRate", "PodCrashLooping", "OOMKilled",
                 "DiskFillingUp", "CertificateExpiringSoon", "CPUThrottlingHigh"]
FLAP_ALERTS = ["BlackboxProbeFailed", "HostHighCpuLoad", "KubePodNotReady",
               "HealthCheckFlapping", "TargetDown"]
INFO_ALERTS = ["ConfigReloaded", "DeploymentRolledOut", "BackupCompleted",
               "CertificateRenewed", "ScheduledJobFinished", "AutoscalerScaledUp"]
SPLUNK_SEARCH = "High Error Rate"


def kind_of(service):
    for suffix, kind in (("-db", "db"), ("-cache", "cache"), ("-queue", "queue"),
                         ("-bus", "queue"), ("-index", "index"), ("-store", "store"),
                         ("-gateway", "gateway"), ("-model", "model")):
        if service.endswith(suffix):
            return kind
    return "service"


def parse_services(path):
    """Reads `services: {name: [dep, ...]}` written with flow lists, one service a line."""
    graph = {}
    line_re = re.compile(r"^\s+([A-Za-z0-9_.-]+):\s*\[([^\]]*)\]\s*$")
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip() or line.strip() == "services:":
                continue
            m = line_re.match(line)
            if not m:
                sys.exit(f"{path}:{number}: expected '  name: [dep, ...]'")
            deps = [d.strip().strip("'\"") for d in m.group(2).split(",") if d.strip()]
            graph[m.group(1)] = deps
    for name, deps in graph.items():
        for d in deps:
            if d not in graph:
                sys.exit(f"{path}: {name} depends on unknown service {d}")
    return graph


class Topology:
    """Transitive closures of the dependency map."""

    def __init__(self, graph):
        self.services = sorted(graph)
        self.dependents = {s: [] for s in graph}
        for s, deps in graph.items():
            for d in deps:
                self.dependents[d].append(s)
        for s in self.dependents:
            self.dependents[s].sort()
        self.below = {s: self._reach(s, graph) for s in graph}  # transitive dependencies
        self.above = {s: self._reach(s, self.dependents) for s in graph}  # transitive dependents
        self.related = {s: {s} | self.below[s] | self.above[s] for s in graph}

    @staticmethod
    def _reach(start, edges):
        seen, todo = set(), list(edges[start])
        while todo:
            s = todo.pop()
            if s not in seen:
                seen.add(s)
                todo.extend(edges[s])
        return seen

    def dependents_by_depth(self, root):
        """Transitive dependents of root with their shortest distance, nearest first."""
        depth, order, todo = {root: 0}, [], deque([root])
        while todo:
            s = todo.popleft()
            for up in self.dependents[s]:
                if up not in depth:
                    depth[up] = depth[s] + 1
                    order.append(up)
                    todo.append(up)
        return [(s, depth[s]) for s in order]

    def sets_related(self, a, b):
        return any(self.related[s] & b for s in a)


class Storm:
    """Collects events, truth and the time each truth incident occupies its services."""

    def __init__(self, rng, topology, margin):
        self.rng = rng
        self.topo = topology
        self.margin = margin
        self.events = []  # (t, seq, event dict)
        self.truth = {}  # alert_id -> truth incident id or None
        self.incidents = {}  # truth incident id -> description
        self.busy = []  # (services, start, end) of placed truth incidents
        self.skipped = {}

    # -- placement -------------------------------------------------------------------------
    def free(self, services, start, end):
        lo, hi = start - self.margin, end + self.margin
        return not any(s < hi and lo < e and self.topo.sets_related(services, busy)
                       for busy, s, e in self.busy)

    def occupy(self, services, start, end):
        self.busy.append((set(services), start, end))

    def skip(self, kind):
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    # -- events ----------------------------------------------------------------------------
    def emit(self, t, labels, status, source="prometheus", annotations=None):
        event = {"labels": labels, "annotations": annotations or {}, "status": status,
                 "timestamp": rfc3339(t), "source": source}
        self.events.append((t, len(self.events), event))

    def firing_period(self, labels, start, end, annotations, next_start):
        """Fires at start and re-sends every minute; resolves at end and, like Prometheus,
        re-sends the resolve every minute for 15 minutes or until it fires again."""
        t = start
        while t < end:
            self.emit(t, labels, "firing", annotations=annotations)
            t += RESEND_SECONDS
        t = end
        while t < min(end + RESOLVED_RESEND_SECONDS, next_start):
            self.emit(t, labels, "resolved", annotations=annotations)
            t += RESEND_SECONDS

    def alert(self, alert_id, truth_id, labels, periods, summary):
        self.truth[alert_id] = truth_id
        full = dict(labels)
        full["alert_id"] = alert_id
        full.setdefault("env", "prod")
        annotations = {"summary": summary}
        for i, (start, end) in enumerate(periods):
            next_start = periods[i + 1][0] if i + 1 < len(periods) else end + 10**9
            self.firing_period(full, start, end, annotations, next_start)


def rfc3339(t):
    return (EPOCH + datetime.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")


def prom_labels(alertname, service, severity, instance):
    return {"alertname": alertname, "service": service, "severity": severity,
            "instance": f"{service}-{instance}:9100", "job": service}


def place(storm, kind, make, horizon, anchor=None, shapes=8, starts=12):
    """Places one scenario where its services are free. make() draws a shape and returns
    (services, length, commit); commit(start) emits its events. Each shape is tried at
    several start times before a new one is drawn, so that large shapes (big cascades)
    are not crowded out by small ones."""
    rng = storm.rng
    for _ in range(shapes):
        services, length, commit = make()
        for _ in range(starts):
            if anchor is not None:
                start = max(0, anchor + rng.randint(-120, 180))
            else:
                start = rng.randint(0, horizon)
            if storm.free(services, start, start + length):
                storm.occupy(services, start, start + length)
                commit(start)
                return start
    storm.skip(kind)
    return None


# -- scenarios: each draws a shape with times relative to its start ---------------------------
def cascade(storm, n):
    """A root fails; within minutes some of its transitive dependents raise their own,
    differently named alerts. One truth incident."""
    rng, topo = storm.rng, storm.topo
    root = rng.choice([s for s in topo.services if topo.dependents[s]])
    candidates = topo.dependents_by_depth(root)
    affected = [(s, d) for s, d in candidates if rng.random() < max(0.3, 0.9 - 0.15 * d)]
    affected = (affected or candidates[:1])[:rng.randint(2, 6)]
    root_end = rng.randint(20 * 60, 75 * 60)
    plan = []  # (service, alertname, severity, fires at, resolves at)
    for name in rng.sample(ROOT_ALERTS[kind_of(root)], rng.randint(1, 2)):
        for _ in range(rng.randint(1, 3)):
            plan.append((root, name, "critical", rng.randint(0, 40), root_end))
    for svc, depth in affected:
        for name in rng.sample(DEPENDENT_ALERTS, rng.randint(1, 3)):
            for _ in range(rng.randint(1, 8)):  # one alert per pod
                t0 = min(8 * 60, depth * rng.randint(40, 150) + rng.randint(0, 60))
                if rng.random() < 0.2 and t0 + 600 < root_end:  # recovers early
                    t1 = t0 + rng.randint(180, 600)
                else:
                    t1 = root_end + rng.randint(0, 240)
                plan.append((svc, name, rng.choice(["warning", "critical"]), t0, t1))
    length = max(p[4] for p in plan)
    services = {root} | {s for s, _ in affected}
    truth_id = f"cascade-{n}"

    def commit(start):
        storm.incidents[truth_id] = {"kind": "cascade", "root": root,
                                     "services": sorted(services), "start": rfc3339(start),
                                     "end": rfc3339(start + length), "alerts": len(plan)}
        counts = {}
        for i, (svc, name, sev, t0, t1) in enumerate(plan, 1):
            counts[(svc, name)] = counts.get((svc, name), 0) + 1
            labels = prom_labels(name, svc, sev, counts[(svc, name)])
            storm.alert(f"c{n}-{i}", truth_id, labels, [(start + t0, start + t1)],
                        f"{name} on {svc} ({'root cause' if svc == root else 'symptom'})")

    return services, length, commit


def single(storm, n):
    """A failure confined to one service: its own truth incident."""
    rng = storm.rng
    svc = rng.choice(storm.topo.services)
    duration = rng.randint(8 * 60, 60 * 60)
    plan = []  # (alertname, instance, severity, fires at, resolves at)
    for name in rng.sample(SINGLE_ALERTS, rng.randint(1, 2)):
        for inst in range(1, rng.randint(1, 4) + 1):
            plan.append((name, inst, rng.choice(["warning", "critical"]), rng.randint(0, 240),
                         duration + rng.randint(0, 120)))
    length = max(p[4] for p in plan)
    truth_id = f"single-{n}"

    def commit(start):
        storm.incidents[truth_id] = {"kind": "single", "root": svc, "services": [svc],
                                     "start": rfc3339(start), "end": rfc3339(start + length),
                                     "alerts": len(plan)}
        for i, (name, inst, sev, t0, t1) in enumerate(plan, 1):
            storm.alert(f"u{n}-{i}", truth_id, prom_labels(name, svc, sev, inst),
                        [(start + t0, start + t1)], f"{name} on {svc}")

    return {svc}, length, commit


def flapping(storm, n):
    """One alert that fires and resolves repeatedly for 20-40 minutes: one truth incident."""
    rng = storm.rng
    svc = rng.choice(storm.topo.services)
    stop = rng.randint(20 * 60, 40 * 60)
    periods, t = [], 0
    while t < stop or len(periods) < 3:
        up = rng.randint(60, 240)
        periods.append((t, t + up))
        t += up + rng.randint(60, 300)
    length = periods[-1][1]
    name = rng.choice(FLAP_ALERTS)
    truth_id = f"flap-{n}"

    def commit(start):
        storm.incidents[truth_id] = {"kind": "flapping", "root": svc, "services": [svc],
                                     "start": rfc3339(start), "end": rfc3339(start + length),
                                     "alerts": 1, "firing_periods": len(periods)}
        storm.alert(f"f{n}", truth_id, prom_labels(name, svc, "warning", 1),
                    [(start + a, start + b) for a, b in periods], f"{name} on {svc} (flapping)")

    return {svc}, length, commit


def info_noise(storm, n, horizon):
    """Informational alerts a drop rule removes: truth null."""
    rng = storm.rng
    svc = rng.choice(storm.topo.services)
    start = rng.randint(0, horizon)
    name = rng.choice(INFO_ALERTS)
    labels = prom_labels(name, svc, "info", 1)
    storm.alert(f"i{n}", None, labels, [(start, start + rng.randint(60, 600))],
                f"{name} on {svc}")


def max_in_window(times, window):
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def splunk_event(storm, alert_id, truth_id, host, t):
    storm.truth[alert_id] = truth_id
    labels = {"alertname": "SplunkHighErrorRate", "search_name": SPLUNK_SEARCH, "host": host,
              "severity": "medium", "alert_id": alert_id}
    storm.emit(t, labels, "firing", source="splunk",
               annotations={"summary": f"{SPLUNK_SEARCH} on {host}"})


def splunk(storm, hosts, bursts, noise_events, horizon):
    """Splunk search results, one event each (Splunk sends no resolves). Bursts cross the
    threshold (5 in 5m per host, config.yaml): a truth incident per burst. The rest stay
    at most 3 in any 6 minutes per host: truth null."""
    rng = storm.rng
    names = [f"app-host-{i:02d}" for i in range(1, hosts + 1)]
    quiet = {h: [] for h in names}  # (from, to) around bursts: no noise there
    seq = 0
    for b in range(1, bursts + 1):
        host, start = rng.choice(names), rng.randint(0, horizon)
        if any(lo - 1800 < start < hi + 1800 for lo, hi in quiet[host]):
            storm.skip("splunk_burst")
            continue
        while True:
            length = rng.randint(180, 480)
            times = sorted(start + rng.randint(0, length) for _ in range(rng.randint(8, 25)))
            if max_in_window(times, 300) >= 6:  # clearly over the threshold
                break
        truth_id = f"splunk-{b}"
        storm.incidents[truth_id] = {"kind": "splunk_burst", "host": host,
                                     "start": rfc3339(times[0]), "end": rfc3339(times[-1]),
                                     "alerts": len(times)}
        quiet[host].append((times[0] - 900, times[-1] + 900))
        for t in times:
            seq += 1
            splunk_event(storm, f"s{seq}", truth_id, host, t)
    accepted = {h: [] for h in names}
    for t in sorted(rng.randint(0, horizon) for _ in range(noise_events)):
        host = rng.choice(names)
        recent = [x for x in accepted[host][-3:] if t - x < 360]
        if len(recent) >= 3 or any(lo <= t <= hi for lo, hi in quiet[host]):
            storm.skip("splunk_noise")
            continue
        accepted[host].append(t)
        seq += 1
        splunk_event(storm, f"s{seq}", None, host, t)


# -- main -----------------------------------------------------------------------------------
def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=".", help="directory for events.ndjson and truth.json")
    p.add_argument("--services", default=os.path.join(here, "services.yaml"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hours", type=float, default=6.0)
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiplies every scenario count (0.1 gives a quick stream)")
    p.add_argument("--cascades", type=int, default=24)
    p.add_argument("--singles", type=int, default=70)
    p.add_argument("--flapping", type=int, default=40)
    p.add_argument("--info", type=int, default=1000)
    p.add_argument("--splunk-hosts", type=int, default=40, help="not scaled by --scale")
    p.add_argument("--splunk-bursts", type=int, default=20)
    p.add_argument("--splunk-noise", type=int, default=5000)
    p.add_argument("--margin", type=int, default=900,
                   help="seconds kept between related truth incidents (default 15m: the "
                        "10m group window or flap hold plus slack)")
    return p.parse_args(argv)


def generate(args):
    rng = random.Random(args.seed)
    storm = Storm(rng, Topology(parse_services(args.services)), args.margin)
    horizon = int(args.hours * 3600)
    count = lambda n: max(1, round(n * args.scale))  # noqa: E731
    last_start = max(horizon // 2, horizon - 3600)  # leave room for incidents to finish
    # Cascades take the most room in the graph, so they are placed first; single
    # failures and flapping alerts fill what is left, in a shuffled order. Most single
    # failures start right next to a cascade: concurrent, in an unrelated service.
    jobs = [("single", n) for n in range(1, count(args.singles) + 1)]
    jobs += [("flapping", n) for n in range(1, count(args.flapping) + 1)]
    rng.shuffle(jobs)
    jobs = [("cascade", n) for n in range(1, count(args.cascades) + 1)] + jobs
    makers = {"cascade": cascade, "single": single, "flapping": flapping}
    cascade_starts = []
    for kind, n in jobs:
        anchor = None
        if kind == "single" and cascade_starts and rng.random() < 0.6:
            anchor = rng.choice(cascade_starts)
        make = lambda kind=kind, n=n: makers[kind](storm, n)  # noqa: E731
        s = place(storm, kind, make, last_start, anchor)
        if kind == "cascade" and s is not None:
            cascade_starts.append(s)
    for n in range(1, count(args.info) + 1):
        info_noise(storm, n, horizon - 600)
    splunk(storm, max(1, args.splunk_hosts), count(args.splunk_bursts),
           count(args.splunk_noise), horizon - 600)
    storm.events.sort(key=lambda e: (e[0], e[1]))
    return storm


def write(storm, args):
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "events.ndjson"), "w", encoding="utf-8") as f:
        for _, _, event in storm.events:
            f.write(json.dumps(event, separators=(",", ":")) + "\n")
    kinds = {}
    for inc in storm.incidents.values():
        kinds[inc["kind"]] = kinds.get(inc["kind"], 0) + 1
    noise = sum(1 for v in storm.truth.values() if v is None)
    summary = {"events": len(storm.events), "alerts": len(storm.truth),
               "noise_alerts": noise, "truth_incidents": len(storm.incidents),
               "truth_incidents_by_kind": kinds, "skipped_placements": storm.skipped}
    params = {k: v for k, v in vars(args).items() if k != "out"}
    params["services"] = os.path.basename(params["services"])
    truth = {"generator": params,
             "summary": summary, "alerts": storm.truth, "incidents": storm.incidents}
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    return summary


def main(argv):
    args = parse_args(argv)
    summary = write(generate(args), args)
    print(json.dumps(summary, sort_keys=True), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
