#!/usr/bin/env python3
"""Compact tables of several score.json files (one per seed) from score.py, and a
summary over them: what `run.sh --seeds "1 2 3"` prints.

    summarize.py SEED=DIR/score.json [SEED=DIR/score.json ...] [--json]
"""

import json
import statistics
import sys

NAMES = {"alertd": "alertd", "alertmanager": "Alertmanager (alertname, service)",
         "service_only": "by service"}


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def seed_table(seed, result):
    """One row per system: counts against the truth, then B-cubed and pairwise F1."""
    truth = result["truth"]
    lines = [f"seed {seed}: {result['events']} events, {truth['episodes']} episodes, "
             f"{truth['incidents']} truth incidents",
             "",
             "| system | incidents | / truth | B3 P | B3 R | B3 F1 | pair F1 | missed | "
             "noise-only |",
             "| --- |" + " ---: |" * 8]
    for name, s in result["systems"].items():
        cells = [str(s["incidents"]), fmt(s["incidents_vs_truth"], ".2f"),
                 fmt(s["bcubed_precision"], ".3f"), fmt(s["bcubed_recall"], ".3f"),
                 fmt(s["bcubed_f1"], ".3f"), fmt(s["f1"], ".3f"),
                 str(s["missed_truth_incidents"]), str(s["noise_only_incidents"])]
        lines.append(f"| {NAMES.get(name, name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(results):
    """Per system over the seeds: mean and min B-cubed F1, mean incidents/truth,
    missed and noise-only incidents (mean), and mean B-cubed F1 per scenario."""
    systems = list(results[0][1]["systems"])
    out = {}
    for name in systems:
        rows = [r["systems"][name] for _, r in results]
        f1s = [row["bcubed_f1"] for row in rows if row["bcubed_f1"] is not None]
        kinds = sorted({k for row in rows for k in row["by_kind"]})
        out[name] = {
            "bcubed_f1_mean": statistics.fmean(f1s) if f1s else None,
            "bcubed_f1_min": min(f1s) if f1s else None,
            "incidents_vs_truth_mean": statistics.fmean(row["incidents_vs_truth"]
                                                        for row in rows),
            "missed_mean": statistics.fmean(row["missed_truth_incidents"] for row in rows),
            "noise_only_mean": statistics.fmean(row["noise_only_incidents"] for row in rows),
            "by_kind_bcubed_f1_mean": {
                k: statistics.fmean(row["by_kind"][k]["bcubed_f1"] for row in rows
                                    if row["by_kind"].get(k, {}).get("bcubed_f1") is not None)
                for k in kinds},
        }
    return out


def summary_table(seeds, figures):
    lines = [f"summary over seeds {' '.join(seeds)}",
             "",
             "| system | B3 F1 mean | B3 F1 min | incidents / truth, mean | missed, mean | "
             "noise-only, mean |",
             "| --- |" + " ---: |" * 5]
    for name, f in figures.items():
        cells = [fmt(f["bcubed_f1_mean"], ".3f"), fmt(f["bcubed_f1_min"], ".3f"),
                 fmt(f["incidents_vs_truth_mean"], ".2f"), fmt(f["missed_mean"], ".1f"),
                 fmt(f["noise_only_mean"], ".1f")]
        lines.append(f"| {NAMES.get(name, name)} | " + " | ".join(cells) + " |")
    kinds = sorted({k for f in figures.values() for k in f["by_kind_bcubed_f1_mean"]})
    lines += ["", "| scenario: B3 F1, mean | " + " | ".join(
        NAMES.get(n, n) for n in figures) + " |", "| --- |" + " ---: |" * len(figures)]
    for k in kinds:
        cells = [fmt(f["by_kind_bcubed_f1_mean"].get(k), ".3f") for f in figures.values()]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv):
    as_json = "--json" in argv
    results = []
    for arg in (a for a in argv if a != "--json"):
        seed, _, path = arg.partition("=")
        with open(path, encoding="utf-8") as f:
            results.append((seed, json.load(f)))
    if not results:
        sys.exit(__doc__)
    figures = summary(results)
    if as_json:
        print(json.dumps({"seeds": [s for s, _ in results], "summary": figures,
                          "per_seed": dict(results)},
                         indent=1, sort_keys=True))
        return 0
    for seed, result in results:
        print(seed_table(seed, result))
        print()
    print(summary_table([s for s, _ in results], figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
