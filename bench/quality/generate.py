#!/usr/bin/env python3
"""Generates an alert storm with ground truth for the correlation-quality bench.

Writes OUT/events.ndjson (alertd generic events, time-ordered) and OUT/truth.json
(alert_id -> truth incident id, or null for noise). Deterministic for a given
--seed and set of flags. See bench/quality/README.md for the scenarios.

Every distinct alert carries a label `alert_id` (re-sends repeat it), so the
scorer joins alertd's replay output to the truth without computing fingerprints.

Scenarios never overlap in time (within --margin) with a scenario whose
services are related in the dependency map (same service, or one a transitive
dependency of the other). The classic scenarios are one truth incident each; the
composite ones (scenarios.py, on by default, off with --classic) are production-shaped:
chains of cascades down one tree, late roots, own failures inside a cascade's window,
with the truth rules of README.md (newest failing root).
"""

import argparse
import json
import os
import random
import sys

import scenarios
from storm import (DEPENDENT_ALERTS, FLAP_ALERTS, INFO_ALERTS, ROOT_ALERTS, SINGLE_ALERTS,
                   Storm, Topology, kind_of, parse_services, place, prom_labels, rfc3339,
                   splunk_event)

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


def splunk(storm, hosts, bursts, noise_events, horizon, at_threshold=0, below_threshold=0):
    """Splunk search results, one event each (Splunk sends no resolves). Bursts cross the
    threshold (5 in 5m per host, config.yaml): a truth incident per burst. The rest stay
    at most 3 in any 6 minutes per host: truth null. Groups right at and right below the
    threshold (scenarios.py) come between the two, so that the noise keeps off them."""
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
    if at_threshold or below_threshold:  # no draws at all when off: --classic reproduces
        seq = scenarios.splunk_near_threshold(storm, names, quiet, at_threshold,
                                              below_threshold, horizon, seq)
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
                   help="seconds kept between related scenarios (default 15m: the "
                        "10m group window or flap hold plus slack)")
    hard = p.add_argument_group("harder scenarios (scenarios.py), scaled by --scale")
    hard.add_argument("--seq-cascades", type=int, default=6,
                      help="chains of 3-6 sequential cascades down one tree, 5-12 min apart")
    hard.add_argument("--sibling-cascades", type=int, default=6,
                      help="chains of 2-3 overlapping cascades (1-4 min apart) with shared "
                           "dependents")
    hard.add_argument("--late-root", type=int, default=6,
                      help="cascades whose root alerts 30-90 s after its dependents")
    hard.add_argument("--own-failure", type=int, default=6,
                      help="cascades during which a symptom service has a failure of its own")
    hard.add_argument("--splunk-at-threshold", type=int, default=10,
                      help="Splunk groups of exactly the threshold count (true incidents)")
    hard.add_argument("--splunk-below-threshold", type=int, default=10,
                      help="Splunk groups of the threshold count minus one (noise)")
    hard.add_argument("--fast-resend-share", type=float, default=0.3,
                      help="share of Prometheus alerts re-sent every 30 s instead of 60 s")
    hard.add_argument("--cascade-flap-share", type=float, default=0.15,
                      help="share of long symptom alerts in the harder cascades that flap")
    hard.add_argument("--separable", action="store_true",
                      help="the earlier, easier variants of the four composite scenarios "
                           "(two truth incidents each, kept apart by time and names)")
    p.add_argument("--classic", action="store_true",
                   help="the storm before issue 10: every harder scenario off (same events "
                        "as the old generator for the same seed and classic flags)")
    args = p.parse_args(argv)
    if args.classic:
        for name in HARD_COUNTS + ("splunk_at_threshold", "splunk_below_threshold"):
            setattr(args, name, 0)
        args.fast_resend_share = args.cascade_flap_share = 0.0
    return args


# Harder composite scenarios: flag name -> maker(storm, n, flap_share).
HARD_COUNTS = ("seq_cascades", "sibling_cascades", "late_root", "own_failure")
HARD_MAKERS = {  # production-shaped (default)
    "seq_cascades": scenarios.production_sequential,
    "sibling_cascades": scenarios.production_sibling,
    "late_root": scenarios.production_late_root,
    "own_failure": scenarios.production_own_failure,
}
SEPARABLE_MAKERS = {  # --separable: the earlier variants, separable under the semantics
    "seq_cascades": scenarios.sequential_cascades,
    "sibling_cascades": scenarios.sibling_cascades,
    "late_root": scenarios.late_root_cascade,
    "own_failure": lambda storm, n, _flap: scenarios.own_failure_cascade(storm, n),
}


def place_hard(storm, args, count, last_start):
    """Places the composite scenarios before the classic ones: each needs a large free
    part of the map (two cascades in one tree). Returns their start times."""
    jobs = [(name, n) for name in HARD_COUNTS for n in range(1, count(getattr(args, name)) + 1)]
    if not jobs:
        return []  # no draws: the classic storm stays byte for byte what it was
    storm.rng.shuffle(jobs)
    starts = []
    for name, n in jobs:
        makers = SEPARABLE_MAKERS if args.separable else HARD_MAKERS
        make = lambda name=name, n=n, makers=makers: makers[name](  # noqa: E731
            storm, n, args.cascade_flap_share)
        s = place(storm, name, make, last_start, shapes=16, starts=24)
        if s is not None:
            starts.append(s)
    return starts


def generate(args):
    rng = random.Random(args.seed)
    storm = Storm(rng, Topology(parse_services(args.services)), args.margin, args.seed,
                  args.fast_resend_share)
    horizon = int(args.hours * 3600)
    count = lambda n: max(1, round(n * args.scale)) if n > 0 else 0  # noqa: E731
    last_start = max(horizon // 2, horizon - 3600)  # leave room for incidents to finish
    hard_starts = place_hard(storm, args, count, last_start)
    # Cascades take the most room in the graph, so they are placed first; single
    # failures and flapping alerts fill what is left, in a shuffled order. Most single
    # failures start right next to a cascade: concurrent, in an unrelated service.
    jobs = [("single", n) for n in range(1, count(args.singles) + 1)]
    jobs += [("flapping", n) for n in range(1, count(args.flapping) + 1)]
    rng.shuffle(jobs)
    jobs = [("cascade", n) for n in range(1, count(args.cascades) + 1)] + jobs
    makers = {"cascade": cascade, "single": single, "flapping": flapping}
    cascade_starts = list(hard_starts)
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
           count(args.splunk_noise), horizon - 600, count(args.splunk_at_threshold),
           count(args.splunk_below_threshold))
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
    for inc in storm.incidents.values():
        inc.pop("instance_prefix", None)  # an emitting detail, not part of the truth
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
