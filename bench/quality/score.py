#!/usr/bin/env python3
"""Scores alert-to-incident assignment against the ground truth of generate.py.

Inputs: events.ndjson and truth.json (generate.py) and the output of
`alertd replay` (one incident per line, members with labels). Scores alertd and
two baselines this script computes itself on the same stream: Alertmanager-style
grouping by (alertname, service), and grouping by service alone. Prints a table,
or JSON with --json.

The unit of scoring is an alert *episode*: one firing period of one alert
(from a firing event while it was not firing, until its resolve or until its
last firing re-send is older than the resolve timeout). Each episode belongs
to one incident of each system (or none); truth gives every episode the truth
incident of its alert. See README.md for the pairwise and B-cubed metrics.
"""

import argparse
import datetime
import heapq
import json
import statistics
import sys

RESOLVE_TIMEOUT = 300  # Alertmanager's resolve_timeout; alertd's ingest default too
GROUP_INTERVAL = 300  # Alertmanager group_interval: a group outlives its last resolve by this
TOLERANCE = 1.0  # seconds: replay prints milliseconds, events carry seconds


def parse_time(value):
    if isinstance(value, (int, float)):
        return float(value)
    text = value.replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(text).timestamp()


def read_events(path):
    """Yields (time, alert_id, labels, status) in file order (generate.py sorts by time)."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            event = json.loads(line)
            labels = event.get("labels", {})
            if "alert_id" not in labels:
                sys.exit(f"{path}:{number}: event without an alert_id label")
            yield (parse_time(event["timestamp"]), labels["alert_id"], labels,
                   event.get("status", "firing"))


class AlertmanagerModel:
    """Alertmanager's aggregation groups on the stream, grouped by `group_by` labels
    (default (alertname, service)); a missing label counts as empty, as in Alertmanager.

    An alert fires until its resolve, or until RESOLVE_TIMEOUT after its last firing
    send (what Alertmanager does for alerts without endsAt). A group lives while any
    of its alerts fires and for GROUP_INTERVAL after its last resolve; an alert that
    fires after that starts a new group. No thresholds, no drop rules: every alert
    counts. Also records the episodes (the scoring unit) for both systems."""

    def __init__(self, group_by=("alertname", "service")):
        self.group_by = tuple(group_by)
        self.firing = {}  # alert_id -> group index while firing
        self.lease = {}  # alert_id -> lease end (last firing send + resolve timeout)
        self.live = {}  # group key -> index of its live group
        self.groups = []  # per group: {"key", "members": set, "active", "last_resolve"}
        self.episodes = []  # (alert_id, start, group index)
        self.heap = []  # (time, order, kind, ref): lease ends and group deaths
        self.order = 0

    def _push(self, t, kind, ref):
        self.order += 1
        heapq.heappush(self.heap, (t, self.order, kind, ref))

    def _resolve(self, alert_id, t):
        g = self.groups[self.firing.pop(alert_id)]
        g["active"] -= 1
        if g["active"] == 0:
            g["last_resolve"] = t
            self._push(t + GROUP_INTERVAL, "group", g["index"])

    def _advance(self, now):
        while self.heap and self.heap[0][0] < now:
            t, _, kind, ref = heapq.heappop(self.heap)
            if kind == "lease":
                if ref in self.firing and self.lease.get(ref) == t:
                    self._resolve(ref, t)
            else:
                g = self.groups[ref]
                if g["active"] == 0 and g["last_resolve"] + GROUP_INTERVAL == t:
                    if self.live.get(g["key"]) == ref:
                        del self.live[g["key"]]

    def feed(self, t, alert_id, labels, status):
        self._advance(t)
        if status == "resolved":
            if alert_id in self.firing:
                self._resolve(alert_id, t)
            return
        if alert_id not in self.firing:
            key = tuple(labels.get(name, "") for name in self.group_by)
            index = self.live.get(key)
            if index is None:
                index = len(self.groups)
                self.groups.append({"index": index, "key": key, "members": set(), "active": 0,
                                    "last_resolve": None})
                self.live[key] = index
            g = self.groups[index]
            g["members"].add(alert_id)
            g["active"] += 1
            self.firing[alert_id] = index
            self.episodes.append((alert_id, t, index))
        self.lease[alert_id] = t + RESOLVE_TIMEOUT
        self._push(t + RESOLVE_TIMEOUT, "lease", alert_id)


def read_replay(path):
    """Returns (incident ids, {incident id: set(alert_id)}, {alert_id: [(first, last, id)]})."""
    ids, members, memberships = [], {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            inc = json.loads(line)
            ids.append(inc["id"])
            members[inc["id"]] = set()
            for m in inc.get("alerts", []):
                alert_id = m.get("labels", {}).get("alert_id")
                if alert_id is None:
                    continue
                members[inc["id"]].add(alert_id)
                memberships.setdefault(alert_id, []).append(
                    (parse_time(m["first_seen"]), parse_time(m["last_seen"]), inc["id"]))
    for ms in memberships.values():
        ms.sort()
    return ids, members, memberships


def assign_episodes(episodes, memberships):
    """Maps each episode to the alertd incident that held it, or None.

    A membership belongs to the episode during which it began (an incident may take
    an alert in after its first event, e.g. once a threshold is crossed). An episode
    with no membership of its own belongs to a membership that began earlier and was
    still current when the episode started (a re-fire within the same incident)."""
    starts = {}
    for i, (alert_id, t, _) in enumerate(episodes):
        starts.setdefault(alert_id, []).append((t, i))
    result = [None] * len(episodes)
    for alert_id, eps in starts.items():
        ms = memberships.get(alert_id, [])
        for first, last, inc in ms:
            own = [i for t, i in eps if t <= first + TOLERANCE]
            i = own[-1] if own else eps[0][1]
            if result[i] is None:
                result[i] = inc
        for t, i in eps:
            if result[i] is not None:
                continue
            covering = [inc for first, last, inc in ms
                        if first <= t + TOLERANCE and t <= last + TOLERANCE]
            if covering:
                result[i] = covering[-1]
    return result


def pairs(n):
    return n * (n - 1) // 2


def contingency(truth_of, predicted):
    """Counts over items with a truth incident: per (predicted, truth) cell, per
    predicted cluster and per truth cluster. An item in no predicted incident is
    its own singleton cluster."""
    cells, by_pred, by_truth = {}, {}, {}
    for item, (t, p) in enumerate(zip(truth_of, predicted)):
        if t is None:
            continue
        p = p if p is not None else ("unassigned", item)
        cells[(p, t)] = cells.get((p, t), 0) + 1
        by_pred[p] = by_pred.get(p, 0) + 1
        by_truth[t] = by_truth.get(t, 0) + 1
    return cells, by_pred, by_truth


def pairwise(truth_of, predicted):
    """Pairwise precision/recall/F1 over items with a truth incident. Items in no
    predicted incident are singletons: they form no predicted pair."""
    cells, by_pred, by_truth = contingency(truth_of, predicted)
    tp = sum(pairs(n) for n in cells.values())
    pred_pairs = sum(pairs(n) for n in by_pred.values())
    truth_pairs = sum(pairs(n) for n in by_truth.values())
    precision = tp / pred_pairs if pred_pairs else None
    recall = tp / truth_pairs if truth_pairs else None
    f1 = None
    if precision is not None and recall is not None and precision + recall > 0:
        f1 = 2 * precision * recall / (precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": tp,
            "predicted_pairs": pred_pairs, "truth_pairs": truth_pairs}


def bcubed_items(truth_of, predicted):
    """Per item with a truth incident: (precision, recall) of B-cubed. Clusters are
    restricted to such items; an item in no predicted incident is its own singleton
    (precision 1, recall 1/|its true cluster|). Returns {item: (p, r)}."""
    cells, by_pred, by_truth = contingency(truth_of, predicted)
    result = {}
    for item, (t, p) in enumerate(zip(truth_of, predicted)):
        if t is None:
            continue
        p = p if p is not None else ("unassigned", item)
        both = cells[(p, t)]
        result[item] = (both / by_pred[p], both / by_truth[t])
    return result


def bcubed_summary(values):
    """Mean precision and recall over items, and F1 of the two means."""
    if not values:
        return {"bcubed_precision": None, "bcubed_recall": None, "bcubed_f1": None,
                "bcubed_items": 0}
    precision = statistics.fmean(p for p, _ in values)
    recall = statistics.fmean(r for _, r in values)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"bcubed_precision": precision, "bcubed_recall": recall, "bcubed_f1": f1,
            "bcubed_items": len(values)}


def missed_truth_incidents(truth_of_episode, predicted):
    """Truth incidents none of whose episodes is in any incident of the system."""
    seen, caught = set(), set()
    for t, p in zip(truth_of_episode, predicted):
        if t is not None:
            seen.add(t)
            if p is not None:
                caught.add(t)
    return len(seen - caught)


def system_report(members, truth_of_alert, kind_of, episodes, predicted):
    """members: {incident: set(alert_id)}; predicted: incident per episode (or None);
    kind_of: truth incident -> scenario (cascade, flapping, ...)."""
    sizes = [len(m) for m in members.values()]
    noise = {a for a, t in truth_of_alert.items() if t is None}
    in_incidents = set().union(*members.values()) if members else set()
    truth_of_episode = [truth_of_alert.get(a) for a, _, _ in episodes]
    spread = {}  # truth incident -> set of predicted incidents (None = no incident)
    for t, p in zip(truth_of_episode, predicted):
        if t is not None:
            spread.setdefault(t, set()).add(p)
    split = [len({p for p in ps if p is not None}) for ps in spread.values()]
    truth_alerts = [a for a, t in truth_of_alert.items() if t is not None]
    report = {
        "incidents": len(members),
        "alerts_per_incident_mean": statistics.mean(sizes) if sizes else 0.0,
        "alerts_per_incident_median": statistics.median(sizes) if sizes else 0.0,
        "incidents_per_truth_incident": statistics.mean(split) if split else 0.0,
        "truth_alerts_in_no_incident": sum(1 for a in truth_alerts if a not in in_incidents),
        "noise_alerts_in_incidents": len(noise & in_incidents),
        "noise_only_incidents": sum(1 for m in members.values() if m and m <= noise),
    }
    truth_incidents = len({t for t in truth_of_alert.values() if t is not None})
    report["incidents_vs_truth"] = len(members) / truth_incidents if truth_incidents else None
    report["missed_truth_incidents"] = missed_truth_incidents(truth_of_episode, predicted)
    report.update(pairwise(truth_of_episode, predicted))
    per_item = bcubed_items(truth_of_episode, predicted)
    report.update(bcubed_summary(list(per_item.values())))
    # Per scenario. Pairwise: items of other scenarios are left out. B-cubed: the mean
    # over this scenario's items of their figures against the whole clustering, so a
    # merge with another scenario's incident costs this scenario's precision too.
    report["by_kind"] = {}
    for kind in sorted(set(kind_of.values())):
        only = [t if t is not None and kind_of.get(t) == kind else None
                for t in truth_of_episode]
        row = pairwise(only, predicted)
        row.update(bcubed_summary([v for i, v in per_item.items() if only[i] is not None]))
        report["by_kind"][kind] = row
    return report


def truth_report(truth_of_alert, episodes):
    members = {}
    for a, t in truth_of_alert.items():
        if t is not None:
            members.setdefault(t, set()).add(a)
    sizes = [len(m) for m in members.values()]
    return {"incidents": len(members),
            "alerts_per_incident_mean": statistics.mean(sizes) if sizes else 0.0,
            "alerts_per_incident_median": statistics.median(sizes) if sizes else 0.0,
            "alerts": len(truth_of_alert),
            "noise_alerts": sum(1 for t in truth_of_alert.values() if t is None),
            "episodes": len(episodes)}


def score(events_path, truth_path, replay_path):
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    truth_of_alert = truth["alerts"]
    kind_of = {t: inc.get("kind", "") for t, inc in truth.get("incidents", {}).items()}
    baselines = {name: AlertmanagerModel(group_by) for name, group_by in BASELINES}
    events = 0
    for t, alert_id, labels, status in read_events(events_path):
        if alert_id not in truth_of_alert:
            sys.exit(f"{events_path}: alert_id {alert_id} is not in {truth_path}")
        for model in baselines.values():
            model.feed(t, alert_id, labels, status)
        events += 1
    # Episodes depend on the stream only (lease and resolves), not on the grouping.
    episodes = baselines["alertmanager"].episodes
    result = {"events": events, "truth": truth_report(truth_of_alert, episodes), "systems": {}}
    if replay_path:
        ids, members, memberships = read_replay(replay_path)
        unknown = [a for a in memberships if a not in truth_of_alert]
        if unknown:
            sys.exit(f"{replay_path}: alert_id {unknown[0]} is not in {truth_path}")
        predicted = assign_episodes(episodes, memberships)
        result["systems"]["alertd"] = system_report(members, truth_of_alert, kind_of, episodes,
                                                         predicted)
    for name, model in baselines.items():
        assert [e[:2] for e in model.episodes] == [e[:2] for e in episodes]
        groups = {g["index"]: g["members"] for g in model.groups}
        result["systems"][name] = system_report(groups, truth_of_alert, kind_of, episodes,
                                                [g for _, _, g in model.episodes])
    return result


# Baselines simulated on the stream: name -> group_by labels.
BASELINES = (("alertmanager", ("alertname", "service")), ("service_only", ("service",)))
HEADERS = {"alertd": "alertd", "alertmanager": "Alertmanager (alertname, service)",
           "service_only": "by service"}


# What the truth scores against itself.
PERFECT = {"precision": 1.0, "recall": 1.0, "f1": 1.0, "bcubed_precision": 1.0,
           "bcubed_recall": 1.0, "bcubed_f1": 1.0, "incidents_vs_truth": 1.0,
           "missed_truth_incidents": 0}

ROWS = [
    ("incidents", "incidents", "d"),
    ("incidents / truth incidents", "incidents_vs_truth", ".2f"),
    ("alerts per incident, mean", "alerts_per_incident_mean", ".2f"),
    ("alerts per incident, median", "alerts_per_incident_median", ".1f"),
    ("pairwise precision", "precision", ".3f"),
    ("pairwise recall", "recall", ".3f"),
    ("pairwise F1", "f1", ".3f"),
    ("B-cubed precision", "bcubed_precision", ".3f"),
    ("B-cubed recall", "bcubed_recall", ".3f"),
    ("B-cubed F1", "bcubed_f1", ".3f"),
    ("missed truth incidents", "missed_truth_incidents", "d"),
    ("incidents per truth incident", "incidents_per_truth_incident", ".2f"),
    ("truth alerts in no incident", "truth_alerts_in_no_incident", "d"),
    ("noise alerts in incidents", "noise_alerts_in_incidents", "d"),
    ("incidents of noise only", "noise_only_incidents", "d"),
]


def table(result):
    truth = result["truth"]
    systems = result["systems"]
    names = ["truth"] + list(systems)
    lines = [f"{result['events']} events, {truth['alerts']} alerts ({truth['noise_alerts']} "
             f"noise), {truth['episodes']} firing episodes, {truth['incidents']} truth incidents",
             "",
             "| metric | " + " | ".join(HEADERS.get(n, n) for n in names) + " |",
             "| --- |" + " ---: |" * len(names)]
    for label, key, fmt in ROWS:
        cells = []
        for n in names:
            value = truth.get(key) if n == "truth" else systems[n].get(key)
            if n == "truth" and key in PERFECT:
                value = PERFECT[key]
            if n == "truth" and key not in truth and value is None:
                cells.append("")
            elif value is None:
                cells.append("n/a")
            else:
                cells.append(format(value, fmt))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    kinds = sorted({k for n in systems.values() for k in n.get("by_kind", {})})
    for kind in kinds:
        cells = ["1.00/1.00/1.00"]
        for n in systems.values():
            m = n["by_kind"].get(kind, {})
            cells.append("/".join("n/a" if m.get(k) is None else format(m[k], ".2f")
                                  for k in ("precision", "recall", "f1")))
        lines.append(f"| {kind}: P/R/F1 | " + " | ".join(cells) + " |")
    for kind in kinds:
        cells = ["1.000"] + [format_value(n["by_kind"].get(kind, {}).get("bcubed_f1"), ".3f")
                             for n in systems.values()]
        lines.append(f"| {kind}: B-cubed F1 | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_value(value, fmt):
    return "n/a" if value is None else format(value, fmt)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", required=True, help="events.ndjson from generate.py")
    p.add_argument("--truth", required=True, help="truth.json from generate.py")
    p.add_argument("--alertd", help="output of `alertd replay` on the same events")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    p.add_argument("--json-out", help="also write the JSON to this file")
    args = p.parse_args(argv)
    result = score(args.events, args.truth, args.alertd)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, sort_keys=True)
            f.write("\n")
    if args.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
