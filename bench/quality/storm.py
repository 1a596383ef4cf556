"""Shared pieces of the correlation-quality storm generator (generate.py, scenarios.py):
alert names, the dependency map and its closures, the Storm that collects events and
truth, and placement of a scenario where its services are free.

Deterministic: every random draw goes through storm.rng except the choice of an
alert's re-send interval, which hashes (seed, alert_id) so that enabling it does not
shift the draws of the scenarios.
"""

import datetime
import re
import sys
import zlib
from collections import deque

EPOCH = datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc)
RESEND_SECONDS = 60  # Prometheus re-sends firing alerts every minute
RESOLVED_RESEND_SECONDS = 15 * 60  # ... and resolved ones for 15 minutes
FAST_RESEND_SECONDS = 30  # Alertmanager-style senders (short group_interval) re-send every 30 s

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

    def __init__(self, rng, topology, margin, seed=0, fast_resend_share=0.0):
        self.rng = rng
        self.topo = topology
        self.margin = margin
        self.seed = seed
        self.fast_resend_share = fast_resend_share  # share of alerts re-sent every 30 s
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

    def resend_interval(self, alert_id):
        """60 s (Prometheus) for most alerts, 30 s for a share of them. A hash, not
        self.rng, so that the share leaves every scenario's draws unchanged."""
        if self.fast_resend_share <= 0:
            return RESEND_SECONDS
        bucket = zlib.crc32(f"{self.seed}:{alert_id}".encode()) % 10000
        return FAST_RESEND_SECONDS if bucket < self.fast_resend_share * 10000 else RESEND_SECONDS

    def firing_period(self, labels, start, end, annotations, next_start, every=RESEND_SECONDS):
        """Fires at start and re-sends every `every` seconds; resolves at end and, like
        Prometheus, re-sends the resolve for 15 minutes or until it fires again."""
        t = start
        while t < end:
            self.emit(t, labels, "firing", annotations=annotations)
            t += every
        t = end
        while t < min(end + RESOLVED_RESEND_SECONDS, next_start):
            self.emit(t, labels, "resolved", annotations=annotations)
            t += every

    def alert(self, alert_id, truth_id, labels, periods, summary):
        self.truth[alert_id] = truth_id
        full = dict(labels)
        full["alert_id"] = alert_id
        full.setdefault("env", "prod")
        annotations = {"summary": summary}
        for i, (start, end) in enumerate(periods):
            next_start = periods[i + 1][0] if i + 1 < len(periods) else end + 10**9
            self.firing_period(full, start, end, annotations, next_start,
                               self.resend_interval(alert_id))


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


def splunk_event(storm, alert_id, truth_id, host, t):
    """One Splunk search result: a single firing event, Splunk sends no resolve."""
    storm.truth[alert_id] = truth_id
    labels = {"alertname": "SplunkHighErrorRate", "search_name": SPLUNK_SEARCH, "host": host,
              "severity": "medium", "alert_id": alert_id}
    storm.emit(t, labels, "firing", source="splunk",
               annotations={"summary": f"{SPLUNK_SEARCH} on {host}"})

