#!/usr/bin/env bash
# with_postgres.sh CMD [ARG...]
#
# Runs CMD beside a throwaway PostgreSQL server: initdb into a temporary
# folder, listen on 127.0.0.1 on a free port (unix socket in that folder),
# fsync off, one database. CMD gets:
#   ALERTD_TEST_PG      conninfo of that database ("host=127.0.0.1 port=... dbname=alertd_test user=alertd")
#   ALERTD_TEST_PG_BIN  the server's bin folder (psql, pg_isready, ...)
#   ALERTD_TEST_PG_CTL  a script: `$ALERTD_TEST_PG_CTL stop|start` stops or starts the server
# The server is stopped and the folder removed when CMD ends (or this script
# is interrupted); the exit status is CMD's.
#
# PostgreSQL refuses to run as root: under root (CI, containers) the server
# runs as the `postgres` system user the Debian package creates (or `nobody`
# when there is none); otherwise as the calling user.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: with_postgres.sh CMD [ARG...]" >&2
  exit 2
fi

pg_bin=${ALERTD_PG_BIN:-}
if [ -z "$pg_bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && pg_bin=$candidate
  done
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with_postgres.sh: no PostgreSQL server found (looked in /usr/lib/postgresql/*/bin;" \
    "set ALERTD_PG_BIN): install the postgresql package (scripts/setup)" >&2
  exit 1
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/alertd-pg-XXXXXX")
run_as=()
if [ "$(id -u)" = 0 ]; then
  server_user=postgres
  id -u "$server_user" >/dev/null 2>&1 || server_user=nobody
  chown "$server_user" "$workdir"
  chmod 755 "$workdir"  # the server user must reach it; the data dir inside is 0700
  run_as=(setpriv --reuid="$server_user" --regid="$(id -g "$server_user")" --clear-groups --)
fi
data="$workdir/data"
log="$workdir/server.log"

as_server() { "${run_as[@]}" "$@"; }

cleanup() {
  local status=$?
  as_server "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if ! as_server "$pg_bin/initdb" -D "$data" -U alertd --auth=trust -E UTF8 --locale=C \
  >"$workdir/initdb.log" 2>&1; then
  echo "with_postgres.sh: initdb failed:" >&2
  cat "$workdir/initdb.log" >&2
  exit 1
fi

# A port that was free a moment ago can be taken before the server binds it:
# try a few.
started=0
for _ in 1 2 3 4 5; do
  port=$(free_port)
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$workdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  if as_server "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [ "$started" != 1 ]; then
  echo "with_postgres.sh: the server did not start:" >&2
  cat "$log" >&2
  exit 1
fi

"$pg_bin/psql" -X -q -h 127.0.0.1 -p "$port" -U alertd -d postgres \
  -c "CREATE DATABASE alertd_test" >/dev/null

ctl="$workdir/pg_ctl.sh"
cat >"$ctl" <<CTL
#!/usr/bin/env bash
# Stops or starts the test server: pg_ctl.sh stop|start
set -eu
case "\${1:-}" in
  stop) exec ${run_as[*]} "$pg_bin/pg_ctl" -D "$data" -m fast -w stop ;;
  start) exec ${run_as[*]} "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CTL
chmod 755 "$ctl"

export ALERTD_TEST_PG="host=127.0.0.1 port=$port dbname=alertd_test user=alertd"
export ALERTD_TEST_PG_BIN="$pg_bin"
export ALERTD_TEST_PG_CTL="$ctl"
set +e
"$@"
status=$?
set -e
exit "$status"
