#!/usr/bin/env bash
# Correlation quality in one command: generates a storm with ground truth, replays it
# through alertd with config.yaml, scores alertd and two baselines (Alertmanager-style
# (alertname, service), and by service), and prints the table. Builds nothing:
# ALERTD=path/to/alertd (default build-release/alertd).
#
#   bench/quality/run.sh [--quick] [--classic] [--seed N | --seeds "1 2 3"] [--out DIR]
#                        [--json] [-- GENERATE_ARGS...]
#
# --quick: a small stream (1 hour, a tenth of the scenarios) for a smoke run.
# --classic: the storm before issue 10 (no harder scenarios), to reproduce old figures.
# --seeds: one run per seed into DIR/seed-N, a compact table each and a summary.
# The features of config.yaml the binary refuses (rules, topology, flap) are left out,
# one at a time, and the run says which ones it used.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
alertd=${ALERTD:-$repo/build-release/alertd}
out=/tmp/alertd-quality
seed=1
seeds=""
json=0
gen_args=()

while (($#)); do
  case $1 in
    --quick) gen_args+=(--hours 1 --scale 0.1) ;;
    --classic) gen_args+=(--classic) ;;
    --seed) seed=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --out) out=$2; shift ;;
    --json) json=1 ;;
    --) shift; gen_args+=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ ! -x $alertd ]]; then
  echo "run.sh: no alertd binary at $alertd (build it, or set ALERTD)" >&2
  exit 1
fi

# Strips the named features from config.yaml: rules (the block up to the next
# top-level key), topology (its line and own_failures), own_failures alone, and flap.
strip_features() {
  awk -v drop=" $* " '
    /^[A-Za-z]/ { in_rules = ($0 ~ /^rules:/) }
    in_rules && index(drop, " rules ") { next }
    /^  [a-z_]+:/ { in_own = ($0 ~ /^  own_failures:/) }
    in_own && (index(drop, " topology ") || index(drop, " own_failures ")) { next }
    /^  topology:/ && index(drop, " topology ") { next }
    /^  flap:/ && index(drop, " flap ") { next }
    { print }' "$here/config.yaml"
}

# The largest set of features this binary accepts, most complete first.
choose_config() {
  local dropped
  cp "$here/services.yaml" "$dir/services.yaml"
  for dropped in "" "own_failures" "flap" "topology" "rules" "topology flap" "rules flap" \
      "rules topology" "rules topology flap"; do
    strip_features "$dropped" > "$dir/config.run.yaml"
    if "$alertd" check-config "$dir/config.run.yaml" > "$dir/check-config.log" 2>&1; then
      used=""
      for f in rules topology flap own_failures; do
        [[ $f == own_failures && " $dropped " == *" topology "* ]] && continue  # stripped with it
        [[ " $dropped " == *" $f "* ]] || used+="$f "
      done
      echo "${used:-none (group by service within the window only)}"
      return 0
    fi
    if [[ -z $dropped ]]; then
      cp "$dir/check-config.log" "$dir/check-config.full.log"
    fi
  done
  echo "run.sh: $alertd refuses even the baseline config:" >&2
  cat "$dir/check-config.log" >&2
  return 1
}

# One storm into $dir: generate, choose the config, replay, score into $dir/score.json.
# Sets $features.
run_one() {
  local seed=$1
  dir=$2
  mkdir -p "$dir"
  rm -f "$dir/check-config.full.log"
  python3 "$here/generate.py" --seed "$seed" --out "$dir" ${gen_args[@]+"${gen_args[@]}"} \
    2> "$dir/generate.log"
  features=$(choose_config)
  if ! "$alertd" replay --config "$dir/config.run.yaml" --stats "$dir/events.ndjson" \
    > "$dir/incidents.ndjson" 2> "$dir/replay.log"; then
    echo "run.sh: alertd replay failed (features: $features):" >&2
    cat "$dir/replay.log" >&2
    exit 1
  fi
  score=(python3 "$here/score.py" --events "$dir/events.ndjson" --truth "$dir/truth.json"
    --alertd "$dir/incidents.ndjson" --json-out "$dir/score.json")
}

header() {
  echo "alertd: $("$alertd" version 2>&1 | head -n1) ($alertd)"
  echo "config.yaml features in use: $features"
  if [[ -s $dir/check-config.full.log ]]; then
    echo "  (full config.yaml refused: $(head -n1 "$dir/check-config.full.log"))"
  fi
}

if [[ -n $seeds ]]; then
  inputs=()
  for s in $seeds; do
    run_one "$s" "$out/seed-$s"
    "${score[@]}" > /dev/null
    inputs+=("$s=$out/seed-$s/score.json")
  done
  if ((json)); then
    python3 "$here/summarize.py" --json "${inputs[@]}"
    exit 0
  fi
  header
  echo "generate.py flags: --seed N ${gen_args[*]+"${gen_args[*]}"}"
  echo
  python3 "$here/summarize.py" "${inputs[@]}"
  echo
  echo "per seed: $out/seed-N/{events.ndjson,truth.json,incidents.ndjson,score.json}"
  exit 0
fi

run_one "$seed" "$out"
if ((json)); then
  "${score[@]}" --json
  exit 0
fi
header
echo "replay: $(tail -n1 "$out/replay.log")"
echo "truth: $(cat "$out/generate.log")"
echo
"${score[@]}"
echo
echo "files in $out: events.ndjson truth.json config.run.yaml incidents.ndjson score.json"
