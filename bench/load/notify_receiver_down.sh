#!/usr/bin/env bash
# Does a receiver that is down slow ingest? (issue 15 §9, docs/performance.md)
#
#   bench/load/notify_receiver_down.sh --receiver refused|blackhole|up [--duration 600]
#       [--backlog 20000] [--alertd build-release/alertd] [--loadgen build-release/bench/load/alertd_loadgen]
#
# Starts alertd (journal and SQLite in a temp dir) with one webhook receiver
# that every incident is routed to, opens --backlog incidents (so as many
# messages are pending at once), then runs the load generator at full speed
# for --duration seconds while the notifier retries. The receiver is
#   refused    a closed port: every attempt fails at once, so retries (and the
#              store writes recording each attempt) come as fast as backoff allows;
#   blackhole  accepts and never answers: every attempt holds a sender 15 s;
#   up         answers 200 (the baseline).
# Prints the load generator's RESULT line and the notifier's metrics.
set -euo pipefail
cd "$(dirname "$0")/../.."
receiver=refused duration=600 backlog=20000
alertd=build-release/alertd loadgen=build-release/bench/load/alertd_loadgen
while [ $# -gt 0 ]; do
  case "$1" in
    --receiver) receiver=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --backlog) backlog=$2; shift 2 ;;
    --alertd) alertd=$2; shift 2 ;;
    --loadgen) loadgen=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# The receiver: a port of its own, chosen by the kernel.
port_of() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(port_of)
case "$receiver" in
  up)
    python3 - "$rport" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
    pids+=($!) ;;
  blackhole)
    python3 - "$rport" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1024)
held = []
while True:
    c, _ = s.accept(); held.append(c)  # never read, never answered
PY
    pids+=($!) ;;
  refused) ;;  # nothing listens on $rport
  *) echo "--receiver is refused, blackhole or up" >&2; exit 2 ;;
esac

cat > "$work/alertd.yaml" <<EOF
store: {sqlite: $work/alertd.db}
durability: {dir: $work/journal}
notify:
  group_wait: 1s
  receivers:
    - {name: hook, webhook: {url: "http://127.0.0.1:$rport/in"}}
  routes:
    - {receivers: [hook]}
EOF
"$alertd" --config "$work/alertd.yaml" --listen 127.0.0.1:0 --port-file "$work/port" \
  > "$work/alertd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
target=$(cat "$work/port")
metrics() { curl -s "http://$target/metrics" | grep -E "^alertd_(notification|notify_)" |
  grep -vE "_bucket|latency_seconds_sum" || true; }

# The backlog: one incident per alert, each one message.
"$loadgen" --target "$target" --requests $((backlog / 100)) --connections 4 --threads 1 \
  --fingerprints "$backlog" --services "$backlog" > /dev/null
sleep 3  # group_wait, and the messages rendered into the outbox
echo "== $receiver: backlog of $backlog incidents opened; notifier before the load:"
metrics
"$loadgen" --target "$target" --duration "$duration" --connections 64 --threads 2
echo "== $receiver: notifier after ${duration}s:"
metrics
echo "rss_kb $(awk '/VmRSS/ {print $2}' /proc/"${pids[-1]}"/status)"
