#!/usr/bin/env bash
# Runs the same alertd_loadgen stream against alertd and against Prometheus
# Alertmanager on this machine (loopback only) and prints both rates and the
# ratio. Builds nothing: pass the binaries or build build-release/ first:
#   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build-release alertd alertd_loadgen
#   bench/load/compare_alertmanager.sh [--duration 10] [--connections 8] ...
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ALERTD="${ALERTD:-}"
if [[ -z "$ALERTD" ]]; then  # the daemon target may sit at the build root or in daemon/
  ALERTD="$ROOT/build-release/alertd"
  [[ -x "$ALERTD" ]] || ALERTD="$ROOT/build-release/daemon/alertd"
fi
LOADGEN="${LOADGEN:-$ROOT/build-release/bench/load/alertd_loadgen}"
ALERTMANAGER="${ALERTMANAGER:-/usr/bin/prometheus-alertmanager}"
DURATION=10
CONNECTIONS=8
THREADS=2
BATCH=100
FINGERPRINTS=10000
SERVICES=500
ALERTD_CONFIG=""

usage() {
  cat <<EOF
usage: $0 [--alertd BIN] [--loadgen BIN] [--alertmanager BIN] [--alertd-config FILE]
          [--duration S] [--connections N] [--threads N] [--batch N]
          [--fingerprints N] [--services N]
Binaries default to build-release/ (env ALERTD, LOADGEN, ALERTMANAGER also work).
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --alertd) ALERTD="$2"; shift 2 ;;
    --loadgen) LOADGEN="$2"; shift 2 ;;
    --alertmanager) ALERTMANAGER="$2"; shift 2 ;;
    --alertd-config) ALERTD_CONFIG="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --fingerprints) FINGERPRINTS="$2"; shift 2 ;;
    --services) SERVICES="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

for bin in "$ALERTD" "$LOADGEN" "$ALERTMANAGER"; do
  [[ -x "$bin" ]] || { echo "not executable: $bin (build it or pass its path)" >&2; exit 2; }
done
# The daemons run in temp dirs: make every path absolute first.
ALERTD="$(realpath "$ALERTD")"
LOADGEN="$(realpath "$LOADGEN")"
ALERTMANAGER="$(realpath "$ALERTMANAGER")"
[[ -z "$ALERTD_CONFIG" ]] || ALERTD_CONFIG="$(realpath "$ALERTD_CONFIG")"

WORK="$(mktemp -d /tmp/alertd-compare.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: until URL answers 200 (bounded).
wait_http() {
  local url="$1" secs="$2" i
  for i in $(seq 1 $((secs * 10))); do
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $url" >&2
  return 1
}

LOADGEN_ARGS=(--duration "$DURATION" --connections "$CONNECTIONS" --threads "$THREADS"
              --batch "$BATCH" --fingerprints "$FINGERPRINTS" --services "$SERVICES")

# run_load NAME HOST:PORT: prints the loadgen report, sets RATE_<NAME>.
run_load() {
  local name="$1" target="$2" out
  echo "=== $name ($target) ==="
  out="$("$LOADGEN" --target "$target" --path /api/v2/alerts "${LOADGEN_ARGS[@]}" || true)"
  echo "$out"
  local rate
  rate="$(sed -n 's/^RESULT alerts_per_s=\([0-9.]*\).*/\1/p' <<<"$out")"
  [[ -n "$rate" ]] || { echo "no RESULT line from loadgen for $name" >&2; exit 1; }
  printf -v "RATE_$name" '%s' "$rate"
}

# --- alertd -------------------------------------------------------------------
mkdir -p "$WORK/alertd"
ALERTD_ARGS=(--listen 127.0.0.1:0 --port-file "$WORK/alertd/port")
[[ -n "$ALERTD_CONFIG" ]] && ALERTD_ARGS=(--config "$ALERTD_CONFIG" "${ALERTD_ARGS[@]}")
(cd "$WORK/alertd" && exec "$ALERTD" "${ALERTD_ARGS[@]}" 2>"$WORK/alertd/stderr.log") &
PIDS+=($!)
for _ in $(seq 1 300); do
  [[ -s "$WORK/alertd/port" ]] && break
  kill -0 "${PIDS[0]}" 2>/dev/null || break  # exited during start-up
  sleep 0.1
done
ALERTD_ADDR="$(tr -d '[:space:]' <"$WORK/alertd/port" 2>/dev/null || true)"
[[ -n "$ALERTD_ADDR" ]] || { echo "alertd wrote no port file" >&2; cat "$WORK/alertd/stderr.log" >&2; exit 1; }
wait_http "http://$ALERTD_ADDR/-/ready" 30
run_load alertd "$ALERTD_ADDR"
curl -fsS "http://$ALERTD_ADDR/metrics" 2>/dev/null \
  | grep -E '^alertd_(alerts_(received|deduplicated|rejected)_total|incidents_(created_total|open))' \
  | sed 's/^/  /' || true
kill -TERM "${PIDS[0]}"; wait "${PIDS[0]}" || echo "alertd exited with $?" >&2

# --- Alertmanager -------------------------------------------------------------
mkdir -p "$WORK/am/data"
cat >"$WORK/am/alertmanager.yml" <<'EOF'
route:
  receiver: "null"
receivers:
  - name: "null"
EOF
AM_PORT="$(free_port)"
"$ALERTMANAGER" --config.file="$WORK/am/alertmanager.yml" --storage.path="$WORK/am/data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
  --log.level=warn 2>"$WORK/am/stderr.log" &
PIDS+=($!)
wait_http "http://127.0.0.1:$AM_PORT/-/ready" 30 || { cat "$WORK/am/stderr.log" >&2; exit 1; }
run_load alertmanager "127.0.0.1:$AM_PORT"
AM_VERSION="$("$ALERTMANAGER" --version 2>&1 | head -1)"

echo "=== summary ==="
echo "stream: ${BATCH} alerts/request, ${FINGERPRINTS} fingerprints over ${SERVICES} services," \
     "${CONNECTIONS} connections, ${THREADS} loadgen threads, ${DURATION}s each"
echo "alertd        ${RATE_alertd} alerts/s"
echo "alertmanager  ${RATE_alertmanager} alerts/s  ($AM_VERSION)"
awk -v a="$RATE_alertd" -v b="$RATE_alertmanager" \
  'BEGIN { if (b > 0) printf "ratio         %.2fx\n", a / b; else print "ratio         n/a" }'
