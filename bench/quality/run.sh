#!/usr/bin/env bash
# Correlation quality in one command: generates a storm with ground truth, replays it
# through alertd with config.yaml, scores alertd and Alertmanager-style grouping, and
# prints the table. Builds nothing: ALERTD=path/to/alertd (default build-release/alertd).
#
#   bench/quality/run.sh [--quick] [--seed N] [--out DIR] [--json] [-- GENERATE_ARGS...]
#
# --quick: a small stream (1 hour, a tenth of the scenarios) for a smoke run.
# The features of config.yaml the binary refuses (rules, topology, flap) are left out,
# one at a time, and the run says which ones it used.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
alertd=${ALERTD:-$repo/build-release/alertd}
out=/tmp/alertd-quality
seed=1
json=0
gen_args=()

while (($#)); do
  case $1 in
    --quick) gen_args+=(--hours 1 --scale 0.1) ;;
    --seed) seed=$2; shift ;;
    --out) out=$2; shift ;;
    --json) json=1 ;;
    --) shift; gen_args+=("$@"); break ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ ! -x $alertd ]]; then
  echo "run.sh: no alertd binary at $alertd (build it, or set ALERTD)" >&2
  exit 1
fi
mkdir -p "$out"
rm -f "$out/check-config.full.log"

# Strips the named features from config.yaml: rules (the block up to the next
# top-level key), topology and flap (one line each).
strip_features() {
  awk -v drop=" $* " '
    /^[A-Za-z]/ { in_rules = ($0 ~ /^rules:/) }
    in_rules && index(drop, " rules ") { next }
    /^  topology:/ && index(drop, " topology ") { next }
    /^  flap:/ && index(drop, " flap ") { next }
    { print }' "$here/config.yaml"
}

# The largest set of features this binary accepts, most complete first.
choose_config() {
  local dropped
  cp "$here/services.yaml" "$out/services.yaml"
  for dropped in "" "flap" "topology" "rules" "topology flap" "rules flap" "rules topology" \
      "rules topology flap"; do
    strip_features "$dropped" > "$out/config.run.yaml"
    if "$alertd" check-config "$out/config.run.yaml" > "$out/check-config.log" 2>&1; then
      used=""
      for f in rules topology flap; do
        [[ " $dropped " == *" $f "* ]] || used+="$f "
      done
      echo "${used:-none (group by service within the window only)}"
      return 0
    fi
    if [[ -z $dropped ]]; then
      cp "$out/check-config.log" "$out/check-config.full.log"
    fi
  done
  echo "run.sh: $alertd refuses even the baseline config:" >&2
  cat "$out/check-config.log" >&2
  return 1
}

python3 "$here/generate.py" --seed "$seed" --out "$out" ${gen_args[@]+"${gen_args[@]}"} \
  2> "$out/generate.log"
features=$(choose_config)
if ! "$alertd" replay --config "$out/config.run.yaml" --stats "$out/events.ndjson" \
  > "$out/incidents.ndjson" 2> "$out/replay.log"; then
  echo "run.sh: alertd replay failed (features: $features):" >&2
  cat "$out/replay.log" >&2
  exit 1
fi

score=(python3 "$here/score.py" --events "$out/events.ndjson" --truth "$out/truth.json"
  --alertd "$out/incidents.ndjson" --json-out "$out/score.json")
if ((json)); then
  "${score[@]}" --json
  exit 0
fi
echo "alertd: $("$alertd" version 2>&1 | head -n1) ($alertd)"
echo "config.yaml features in use: $features"
if [[ -s $out/check-config.full.log ]]; then
  echo "  (full config.yaml refused: $(head -n1 "$out/check-config.full.log"))"
fi
echo "replay: $(tail -n1 "$out/replay.log")"
echo "truth: $(cat "$out/generate.log")"
echo
"${score[@]}"
echo
echo "files in $out: events.ndjson truth.json config.run.yaml incidents.ndjson score.json"
