"""The harder scenarios of the correlation-quality storm (issue 10): failures that are
close in time and in the dependency map, but still separable under the correlation
semantics that README.md states (relation through the map, 10m group window counted
from the last new member, resolved incidents take no new members but their own
re-fires). Each composite scenario is placed as one block (the union of its services
and its whole duration) so that it stays clear of every other scenario, and its truth
incidents are deliberately close only to each other.

Times inside a plan are seconds relative to the start of the scenario. A plan is a list
of (service, alertname, severity, [(fires at, resolves at), ...]).
"""

from storm import DEPENDENT_ALERTS, ROOT_ALERTS, kind_of, prom_labels, rfc3339, splunk_event

# Alerts of a service's own, local failure: resource alerts on one host, named unlike
# any symptom of a dependency's failure.
OWN_FAILURE_ALERTS = ["DiskFillingUp", "NodeFilesystemAlmostFull", "CertificateExpiringSoon",
                      "NodeMemoryPressure"]
SLACK = 60  # seconds kept on the safe side of every window the truth relies on
GROUP_WINDOW = 600  # config.yaml correlation.group_window
SPLUNK_COUNT, SPLUNK_WITHIN = 5, 300  # config.yaml splunk-high-error-rate threshold


# -- building blocks ---------------------------------------------------------------------------
def unrelated_pairs(topo):
    """(a, b) that are not related in the map (neither depends on the other) but share
    at least one transitive dependent: two failures whose symptoms can meet."""
    return [(a, b) for a in topo.services for b in topo.services
            if a < b and b not in topo.related[a] and topo.above[a] & topo.above[b]]


def pick_pair(rng, topo):
    a, b = rng.choice(unrelated_pairs(topo))
    return (a, b) if rng.random() < 0.5 else (b, a)


def pick_dependents(rng, topo, root, allowed, must=(), most=6):
    """2-`most` transitive dependents of root among `allowed`, nearer ones more likely,
    with at least one of `must` when there is one. Returns [(service, depth)]."""
    candidates = [(s, d) for s, d in topo.dependents_by_depth(root) if s in allowed]
    chosen = [(s, d) for s, d in candidates if rng.random() < max(0.3, 0.9 - 0.15 * d)]
    chosen = (chosen or candidates[:1])[:rng.randint(2, most)]
    if must and not any(s in must for s, _ in chosen):
        chosen.append(next((s, d) for s, d in candidates if s in must))
    return chosen


def flap_periods(rng, t0, t1, share):
    """One firing period, or for `share` of the long ones 2-3 periods with 1-3 minute
    quiet gaps: a symptom that recovers briefly while its cause persists."""
    if share <= 0 or t1 - t0 < 12 * 60 or rng.random() >= share:
        return [(t0, t1)]
    periods, t = [], t0
    for _ in range(rng.randint(1, 2)):
        up = rng.randint(120, 300)
        if t + up + 180 + 120 >= t1:
            break
        periods.append((t, t + up))
        t += up + rng.randint(60, 180)
    periods.append((t, t1))
    return periods


def root_alerts(rng, root, t0, end):
    """1-2 alert names on 1-3 instances of the failing root; the first fires at t0."""
    plan = []
    for i, name in enumerate(rng.sample(ROOT_ALERTS[kind_of(root)], rng.randint(1, 2))):
        for k in range(rng.randint(1, 3)):
            start = t0 if i == k == 0 else t0 + rng.randint(0, 40)
            plan.append((root, name, "critical", [(start, end)]))
    return plan


def symptom_alerts(rng, svc, depth, window, end, used, flap_share, tail=240):
    """Alerts of one dependent: 1-3 names not used on svc elsewhere in the scenario (so
    that two truth incidents never share an alert identity), 1-6 pods each, first
    firing within window = (lo, hi), nearer dependents earlier, resolving within
    `tail` seconds after end (some recover early)."""
    lo, hi = window
    names = [n for n in DEPENDENT_ALERTS if n not in used.setdefault(svc, set())]
    plan = []
    for name in rng.sample(names, min(len(names), rng.randint(1, 3))):
        used[svc].add(name)
        for _ in range(rng.randint(1, 6)):
            t0 = lo + min(hi - lo, (depth - 1) * rng.randint(30, 120) + rng.randint(0, 90))
            if rng.random() < 0.2 and t0 + 600 < end:  # recovers early
                t1 = t0 + rng.randint(180, 600)
            else:
                t1 = end + rng.randint(0, tail)
            plan.append((svc, name, rng.choice(["warning", "critical"]),
                         flap_periods(rng, t0, t1, flap_share)))
    return plan


def plan_span(plan):
    return min(p[3][0][0] for p in plan), max(p[3][-1][1] for p in plan)


def last_new_member(plan):
    return max(p[3][0][0] for p in plan)


def emit_plan(storm, start, truth_id, prefix, plan, description):
    """Emits a plan as one truth incident. Instances count per (service, alertname)."""
    first, last = plan_span(plan)
    storm.incidents[truth_id] = dict(description, services=sorted({p[0] for p in plan}),
                                     start=rfc3339(start + first), end=rfc3339(start + last),
                                     alerts=len(plan))
    root = description.get("root")
    counts = {}
    for i, (svc, name, sev, periods) in enumerate(plan, 1):
        counts[(svc, name)] = counts.get((svc, name), 0) + 1
        # An own failure is on a host of the service (node-N), symptoms on its pods.
        instance = f"{description.get('instance_prefix', '')}{counts[(svc, name)]}"
        role = "root cause" if svc == root else description.get("role", "symptom")
        storm.alert(f"{prefix}-{i}", truth_id, prom_labels(name, svc, sev, instance),
                    [(start + a, start + b) for a, b in periods], f"{name} on {svc} ({role})")


def cascade_plan(rng, topo, root, t0, end, allowed, used, flap_share, must=()):
    """Root alerts from t0, then 2-6 dependents among `allowed` within 8 minutes."""
    plan = root_alerts(rng, root, t0, end)
    hi = t0 + min(8 * 60, max(60, end - t0 - 120))
    for svc, depth in pick_dependents(rng, topo, root, allowed, must):
        plan += symptom_alerts(rng, svc, depth, (t0 + 30, hi), end, used, flap_share)
    return plan


# -- scenarios ---------------------------------------------------------------------------------
def sequential_cascades(storm, n, flap_share):
    """Root a fails briefly (4-9 minutes) and recovers; root b (unrelated to a, sharing
    dependents with it) fails 5-12 minutes after a's last new member, always after a
    has fully resolved. So a's group window (10m after its last new member) is often
    still open when b starts, but a is resolved and takes no new members. Both
    cascades alert on a shared dependent (the same one when they can); b's alerts
    there have other names than a's, so none is a re-fire of a's members.
    Truth: two incidents."""
    rng, topo = storm.rng, storm.topo
    a, b = pick_pair(rng, topo)
    shared = topo.above[a] & topo.above[b]
    used, end_a = {}, rng.randint(4 * 60, 9 * 60)
    plan_a = root_alerts(rng, a, 0, end_a)
    for svc, depth in pick_dependents(rng, topo, a, topo.above[a], shared):
        # A blip: symptoms arrive up to a minute before the root recovers and end with it.
        plan_a += symptom_alerts(rng, svc, depth, (30, end_a - 60), end_a, used, 0, tail=60)
    gap = rng.randint(5 * 60, 12 * 60)
    b0 = max(last_new_member(plan_a) + gap, plan_span(plan_a)[1] + SLACK)
    alerted = shared & {p[0] for p in plan_a}
    plan_b = cascade_plan(rng, topo, b, b0, b0 + rng.randint(20 * 60, 60 * 60), topo.above[b],
                          used, flap_share, alerted or shared)
    services = {p[0] for p in plan_a + plan_b}

    def commit(start):
        emit_plan(storm, start, f"seq-{n}a", f"q{n}a", plan_a,
                  {"kind": "seq_cascade", "root": a})
        emit_plan(storm, start, f"seq-{n}b", f"q{n}b", plan_b,
                  {"kind": "seq_cascade", "root": b, "after": f"seq-{n}a",
                   "after_resolved_s": b0 - plan_span(plan_a)[1],
                   "after_last_new_member_s": b0 - last_new_member(plan_a)})

    return services, plan_span(plan_b)[1], commit


def sibling_cascades(storm, n, flap_share):
    """Two unrelated services a and b with common dependents fail 2.5-6 minutes apart,
    overlapping. Truth: two incidents. A shared dependent's alert belongs to the cascade
    whose root it depends on that started first before it fired; to keep that
    unambiguous, shared dependents alert only in cascade a and only before b's first
    alert (then a is the only incident they relate to), and b's symptoms are on its
    exclusive dependents (not dependents of a, hence unrelated to a)."""
    rng, topo = storm.rng, storm.topo
    a, b = pick_pair(rng, topo)
    shared = topo.above[a] & topo.above[b]
    b0 = rng.randint(150, 360)
    end_a, used = rng.randint(25 * 60, 75 * 60), {}
    plan_a = root_alerts(rng, a, 0, end_a)
    for svc, depth in pick_dependents(rng, topo, a, topo.above[a], shared):
        # Shared ones fire before b starts and never flap (a re-fire after b started
        # would be a re-fire into a, but reads as ambiguous).
        window = (30, b0 - SLACK) if svc in shared else (30, 8 * 60)
        plan_a += symptom_alerts(rng, svc, depth, window, end_a, used,
                                 0 if svc in shared else flap_share)
    end_b = b0 + rng.randint(20 * 60, 60 * 60)
    plan_b = root_alerts(rng, b, b0, end_b)
    exclusive = topo.above[b] - topo.above[a]
    if exclusive:
        for svc, depth in pick_dependents(rng, topo, b, exclusive, most=4):
            plan_b += symptom_alerts(rng, svc, depth, (b0 + 30, b0 + 8 * 60), end_b, used,
                                     flap_share)
    services = {p[0] for p in plan_a + plan_b}

    def commit(start):
        emit_plan(storm, start, f"sib-{n}a", f"b{n}a", plan_a,
                  {"kind": "sibling_cascade", "root": a, "shared_dependents": sorted(shared)})
        emit_plan(storm, start, f"sib-{n}b", f"b{n}b", plan_b,
                  {"kind": "sibling_cascade", "root": b, "overlaps": f"sib-{n}a",
                   "starts_after_s": b0})

    return services, max(plan_span(plan_a)[1], plan_span(plan_b)[1]), commit


def late_root_cascade(storm, n, flap_share):
    """Dependents alert first; the root's alerts arrive 30-90 s late (a slower scrape or
    rule interval). Truth: one incident. Before the root fires, only the first
    dependent s1 (a direct dependent of the root) and services depending on s1 alert,
    so every early alert relates to the first one; the root then joins as a deeper
    cause of s1 and becomes the probable root, and later symptoms relate to it."""
    rng, topo = storm.rng, storm.topo
    root = rng.choice([s for s in topo.services if topo.dependents[s]])
    s1 = rng.choice(topo.dependents[root])
    lag = rng.randint(30, 90)
    end, used = rng.randint(20 * 60, 75 * 60), {}
    early = [(s1, 1)] + [(s, 2) for s in sorted(topo.above[s1]) if rng.random() < 0.3][:2]
    plan = []
    for svc, _ in early:
        plan += symptom_alerts(rng, svc, 1, (0, lag - 10), end, used, flap_share)
    svc, name, sev, periods = plan[0]  # an alert of s1: make it the very first one
    plan[0] = (svc, name, sev, [(0, periods[0][1])] + periods[1:])
    plan += root_alerts(rng, root, lag, end)
    later = topo.above[root] - {s for s, _ in early}
    if later:
        for svc, depth in pick_dependents(rng, topo, root, later, most=4):
            plan += symptom_alerts(rng, svc, depth, (lag + 20, lag + 8 * 60), end, used,
                                   flap_share)

    def commit(start):
        emit_plan(storm, start, f"late-{n}", f"l{n}", plan,
                  {"kind": "late_root_cascade", "root": root, "first_symptom": s1,
                   "root_lag_s": lag})

    return {p[0] for p in plan}, plan_span(plan)[1], commit


def own_failure_cascade(storm, n):
    """A cascade, and during it an unrelated failure of one of its symptom services
    (a resource alert on a host of that service). Truth: two incidents. The own
    failure fires 11-20 minutes after the cascade's last new member, so the cascade's
    group window has closed: it cannot take the new alert although the service is
    related to its root. No flapping here: a re-fire would blur that point."""
    rng, topo = storm.rng, storm.topo
    root = rng.choice([s for s in topo.services if topo.dependents[s]])
    end, used = rng.randint(40 * 60, 75 * 60), {}
    plan = cascade_plan(rng, topo, root, 0, end, topo.above[root], used, 0)
    symptoms = sorted({p[0] for p in plan} - {root})
    svc = rng.choice(symptoms or [root])
    own0 = last_new_member(plan) + GROUP_WINDOW + SLACK + rng.randint(0, 9 * 60)
    own_end = own0 + rng.randint(10 * 60, 40 * 60)
    own = []
    for k, name in enumerate(rng.sample(OWN_FAILURE_ALERTS, rng.randint(1, 2))):
        fires = own0 if k == 0 else own0 + rng.randint(0, 120)
        own.append((svc, name, "warning", [(fires, own_end)]))

    def commit(start):
        emit_plan(storm, start, f"ownc-{n}", f"o{n}c", plan,
                  {"kind": "own_failure_cascade", "root": root})
        emit_plan(storm, start, f"own-{n}", f"o{n}", own,
                  {"kind": "own_failure", "root": svc, "role": "own failure",
                   "instance_prefix": "node-",
                   "during": f"ownc-{n}",
                   "since_last_new_member_s": own0 - last_new_member(plan)})

    return {p[0] for p in plan}, max(plan_span(plan)[1], own_end), commit


def splunk_near_threshold(storm, names, quiet, at_count, below_count, horizon, seq):
    """Splunk results right at the threshold (count 5 within 5m per host): groups of
    exactly 5 within 4 minutes (a truth incident each) and of 4 within 4 minutes
    (noise: truth null). Each group gets a host to itself for 15 minutes either side,
    so no other result can push a 4 over or a 5 further over. Returns the last seq."""
    rng = storm.rng
    for number in range(1, at_count + below_count + 1):
        at = number <= at_count
        host, start = rng.choice(names), rng.randint(0, horizon)
        if any(lo - 1800 < start < hi + 1800 for lo, hi in quiet[host]):
            storm.skip("splunk_threshold" if at else "splunk_below_threshold")
            continue
        size = SPLUNK_COUNT if at else SPLUNK_COUNT - 1
        times = sorted([start] + [start + rng.randint(0, SPLUNK_WITHIN - SLACK)
                                  for _ in range(size - 1)])
        truth_id = f"splunk-threshold-{number}" if at else None
        if at:
            storm.incidents[truth_id] = {"kind": "splunk_threshold", "host": host,
                                         "start": rfc3339(times[0]),
                                         "end": rfc3339(times[-1]), "alerts": size}
        quiet[host].append((times[0] - 900, times[-1] + 900))
        for t in times:
            seq += 1
            splunk_event(storm, f"s{seq}", truth_id, host, t)
    return seq


# -- production-shaped scenarios (default) -----------------------------------------------------
# What the issue measured on production storms: a leaf dependency fails and recovers, a
# different leaf whose dependents overlap the first one's fails minutes later while the
# first one's symptoms still fire, and so on down the tree. Truth follows one rule (README:
# "newest failing root"), computed from the plan, not assumed by construction.
OWN_CAUSE_ALERTS = ["DiskFillingUp", "OOMKilled", "PodCrashLooping", "CertificateExpiringSoon"]


def pick_chain(rng, topo, length):
    """`length` roots (at least 2), pairwise unrelated in the map, each sharing at least one
    transitive dependent with the previous one. Leaves (services without dependencies)
    are preferred at every step; the longest of 40 tries is kept."""
    leaves = [s for s in topo.services if not topo.below[s] and topo.above[s]]
    best = []
    for _ in range(40):
        chain = [rng.choice(leaves)]
        while len(chain) < length:
            prev = chain[-1]
            pool = [s for s in topo.services if topo.above[s] & topo.above[prev]
                    and all(s not in topo.related[r] for r in chain)]
            pool = [s for s in pool if not topo.below[s]] or pool
            if not pool:
                break
            chain.append(rng.choice(pool))
        if len(chain) > len(best):
            best = chain
        if len(best) == length:
            break
    return best


def lagging_symptoms(rng, svc, depth, t_root, window, used, flap_share):
    """Alerts of one dependent of a root that failed at t_root: 1-3 alert names, new on
    svc when it has unused ones left (else a known name on a new instance: the emitter
    numbers instances per (service, alertname) across the whole scenario), 1-4 pods each,
    first firing within window = (lo, hi), nearer dependents earlier. Symptoms lag their
    cause: each recovers 5-20 minutes after t_root (at least 2 minutes after it fired)."""
    lo, hi = window
    fresh = [n for n in DEPENDENT_ALERTS if n not in used.setdefault(svc, set())]
    pool = fresh or list(DEPENDENT_ALERTS)
    plan = []
    for name in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
        used[svc].add(name)
        for _ in range(rng.randint(1, 4)):
            t0 = lo + min(hi - lo, (depth - 1) * rng.randint(20, 60) + rng.randint(0, 60))
            t1 = max(t0 + 120, t_root + rng.randint(5 * 60, 20 * 60))
            plan.append((svc, name, rng.choice(["warning", "critical"]),
                         flap_periods(rng, t0, t1, flap_share)))
    return plan


def newest_root(topo, roots, svc, fires):
    """The truth rule of chained cascades: the index of the newest root that had fired at
    or before `fires` and that svc is (svc == root) or depends on, transitively."""
    hits = [k for k, (r, t) in enumerate(roots) if t <= fires and (svc == r or svc in topo.above[r])]
    assert hits, (svc, fires, roots)
    return max(hits, key=lambda k: roots[k][1])


def chained_cascades(storm, n, flap_share, kind, prefix, letter, gap, length):
    """3-6 (seq) or 2-3 (sibling) cascades down one tree: root k+1 (unrelated to every
    earlier root, sharing dependents with root k) fails `gap` seconds after root k first
    fired. Each root's alerts recover 3-8 minutes after it fired; its symptoms lag (5-20
    min). At least one symptom of root k on a dependent shared with root k+1 (any of
    root k's symptoms if it has none there) still fires 1-5 minutes after root k+1 fired.
    Root k+1's symptoms include a dependent it shares with root k (one root k alerted on
    when possible), with alert names new there or on new instances. One truth incident
    per root; every alert gets the newest root rule (newest_root)."""
    rng, topo = storm.rng, storm.topo
    chain = pick_chain(rng, topo, rng.randint(*length))
    times = [0]
    for _ in chain[1:]:
        times.append(times[-1] + rng.randint(*gap))
    roots = list(zip(chain, times))
    used, plan = {}, []  # plan entries: (service, alertname, severity, periods)
    alerted_prev = set()
    for k, (r, t) in enumerate(roots):
        root_plan = root_alerts(rng, r, t, t + rng.randint(3 * 60, 8 * 60))
        nxt = topo.above[r] & topo.above[chain[k + 1]] if k + 1 < len(chain) else set()
        prev = topo.above[r] & topo.above[chain[k - 1]] if k else set()
        chosen = pick_dependents(rng, topo, r, topo.above[r], nxt)
        if prev and not any(s in prev for s, _ in chosen):
            want = (prev & alerted_prev) or prev
            chosen.append(next((s, d) for s, d in topo.dependents_by_depth(r) if s in want))
        symptoms = []
        for svc, depth in chosen:
            symptoms += lagging_symptoms(rng, svc, depth, t, (t + 30, t + 4 * 60), used,
                                         flap_share)
        if k + 1 < len(chain):
            t_next = times[k + 1]
            late = [i for i, p in enumerate(symptoms) if p[0] in nxt] or list(range(len(symptoms)))
            if max(symptoms[i][3][-1][1] for i in late) < t_next + 60:
                i = rng.choice(late)
                svc, name, sev, periods = symptoms[i]
                last = (periods[-1][0], t_next + rng.randint(60, 300))
                symptoms[i] = (svc, name, sev, periods[:-1] + [last])
        alerted_prev = {p[0] for p in symptoms}
        plan += root_plan + symptoms
    ids = [f"{prefix}-{n}{chr(ord('a') + k)}" for k in range(len(chain))]
    owner = [newest_root(topo, roots, p[0], p[3][0][0]) for p in plan]

    def commit(start):
        for k, (r, t) in enumerate(roots):
            mine = [p for p, o in zip(plan, owner) if o == k]
            first, last = plan_span(mine)
            desc = {"kind": kind, "root": r, "services": sorted({p[0] for p in mine}),
                    "start": rfc3339(start + first), "end": rfc3339(start + last),
                    "alerts": len(mine), "chain": ids, "root_fires_s": t}
            if k:
                before = [p for p, o in zip(plan, owner) if o == k - 1]
                desc.update(after=ids[k - 1], after_root_s=t - times[k - 1],
                            after_still_firing=sum(1 for p in before if p[3][-1][1] > t))
            storm.incidents[ids[k]] = desc
        counts = {}
        for i, ((svc, name, sev, periods), k) in enumerate(zip(plan, owner), 1):
            counts[(svc, name)] = counts.get((svc, name), 0) + 1
            role = "root cause" if svc == chain[k] else "symptom"
            storm.alert(f"{letter}{n}-{i}", ids[k],
                        prom_labels(name, svc, sev, counts[(svc, name)]),
                        [(start + a, start + b) for a, b in periods], f"{name} on {svc} ({role})")

    return {p[0] for p in plan}, plan_span(plan)[1], commit


def production_sequential(storm, n, flap_share):
    return chained_cascades(storm, n, flap_share, "seq_cascade", "seq", "q", (5 * 60, 12 * 60), (3, 6))


def production_sibling(storm, n, flap_share):
    return chained_cascades(storm, n, flap_share, "sibling_cascade", "sib", "b", (60, 4 * 60), (2, 3))


def production_late_root(storm, n, flap_share):
    """Dependents alert 30-90 s before their root, on 2-3 services that include two which
    do not depend on each other (different branches of the root's dependents) when the
    root has such a pair. Truth: one incident."""
    rng, topo = storm.rng, storm.topo

    def branches(root):
        deps = sorted(topo.above[root])
        return [(x, y) for x in deps for y in deps if x < y and y not in topo.related[x]]

    roots = [s for s in topo.services if branches(s)]
    root = rng.choice(roots)
    x, y = rng.choice(branches(root))
    early = [x, y] if rng.random() < 0.5 else [y, x]
    more = sorted(topo.above[root] - set(early))
    if more and rng.random() < 0.4:
        early.append(rng.choice(more))
    depth = dict(topo.dependents_by_depth(root))
    lag = rng.randint(30, 90)
    end, used = rng.randint(20 * 60, 75 * 60), {}
    plan = []
    for svc in early:
        plan += symptom_alerts(rng, svc, 1, (0, lag - 10), end, used, flap_share)
    svc, name, sev, periods = plan[0]  # an alert of early[0]: the very first one
    plan[0] = (svc, name, sev, [(0, periods[0][1])] + periods[1:])
    plan += root_alerts(rng, root, lag, end)
    later = topo.above[root] - set(early)
    if later:
        for svc, d in pick_dependents(rng, topo, root, later, most=4):
            plan += symptom_alerts(rng, svc, d, (lag + 20, lag + 8 * 60), end, used, flap_share)

    def commit(start):
        emit_plan(storm, start, f"late-{n}", f"l{n}", plan,
                  {"kind": "late_root_cascade", "root": root, "early_symptoms": early,
                   "early_unrelated_pair": sorted([x, y]), "root_lag_s": lag,
                   "depths": {s: depth[s] for s in early}})

    return {p[0] for p in plan}, plan_span(plan)[1], commit


def production_own_failure(storm, n, _flap_share=0):
    """A 40-75 min cascade, and 2-9 minutes after its last new member (inside its 10m group
    window) an own-cause failure of one of its symptom services: 1-2 of OWN_CAUSE_ALERTS
    on `<service>-node-N` hosts, labelled like every other Prometheus alert. Truth: two
    incidents. No flapping."""
    rng, topo = storm.rng, storm.topo
    root = rng.choice([s for s in topo.services if topo.dependents[s]])
    end, used = rng.randint(40 * 60, 75 * 60), {}
    plan = cascade_plan(rng, topo, root, 0, end, topo.above[root], used, 0)
    svc = rng.choice(sorted({p[0] for p in plan} - {root}))
    own0 = last_new_member(plan) + rng.randint(2 * 60, 9 * 60)
    own_end = own0 + rng.randint(10 * 60, 40 * 60)
    own = []
    for k, name in enumerate(rng.sample(OWN_CAUSE_ALERTS, rng.randint(1, 2))):
        fires = own0 if k == 0 else own0 + rng.randint(0, 60)
        own.append((svc, name, rng.choice(["warning", "critical"]), [(fires, own_end)]))

    def commit(start):
        emit_plan(storm, start, f"ownc-{n}", f"o{n}c", plan,
                  {"kind": "own_failure_cascade", "root": root})
        emit_plan(storm, start, f"own-{n}", f"o{n}", own,
                  {"kind": "own_failure", "root": svc, "role": "own failure",
                   "instance_prefix": "node-", "during": f"ownc-{n}",
                   "since_last_new_member_s": own0 - last_new_member(plan)})

    return {p[0] for p in plan}, max(plan_span(plan)[1], own_end), commit
