#!/usr/bin/env bash
# try-postgres.sh: examples/neows_postgres.yaml offline. Starts a throwaway
# PostgreSQL 15 on 127.0.0.1 (initdb as the postgres user, trust auth, a
# free port, a temporary folder: tests/e2e/lib/postgres.bash, the tests'
# own helper) and the bundled NeoWs server, pulls 2020-01-01..2020-03-31
# into public.neos, prints what the table holds, and stops both (also on
# Ctrl-C or an error). Run as root from the repository, after building
# into build/ (or BUILD=...). The run's ledger goes in the temporary
# folder too, so nothing is left behind.
#   usage: scripts/try-postgres.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[ -x "$BUILD/sluice" ] && [ -x "$BUILD/neows-mock" ] ||
    { echo "try-postgres: build first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "try-postgres: run as root (initdb runs as the postgres user)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/sluice-try-XXXXXX)
MOCK_PID=
fail() { echo "try-postgres: $*" >&2; exit 1; }
cleanup() {
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
source "$ROOT/tests/e2e/lib/postgres.bash"
trap cleanup EXIT
start_postgres # its trap stops the server, then runs cleanup

mkfifo "$WORK/port"
"$BUILD/neows-mock" --port 0 --idle-timeout 30 >"$WORK/port" &
MOCK_PID=$!
read -r line <"$WORK/port"
PORT=${line##*:}

cd "$WORK"
PG_URL=$PG_URL "$BUILD/sluice" run "$ROOT/examples/neows_postgres.yaml" \
    --set "source.url=http://127.0.0.1:$PORT/neo/rest/v1/feed" \
    --set windows.to=2020-03-31 --set "state=$WORK/neows_postgres.db"
pg_sql "SELECT count(*) AS rows, count(DISTINCT _sluice_partition) AS windows FROM public.neos"
pg_sql "SELECT _sluice_partition, count(*) FROM public.neos GROUP BY 1 ORDER BY 1 LIMIT 3"
