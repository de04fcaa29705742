# try-lib.bash: what the scripts/try-*.sh share (sourced, not run): the
# build and root checks, a temporary folder, a throwaway PostgreSQL 15 on
# 127.0.0.1 (tests/e2e/lib/postgres.bash, the tests' own helper) and the
# bundled NeoWs server, both stopped on exit, Ctrl-C or an error.
#
#   try_setup NAME             checks, WORK, start_postgres (PG_URL, pg_sql)
#   try_start_mock [ARGS...]   neows-mock ARGS on a free port: sets PORT
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TRY_NAME=try
MOCK_PID=

fail() { echo "$TRY_NAME: $*" >&2; exit 1; }
cleanup() {
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null || true
    rm -rf "$WORK"
}

try_setup() { # NAME
    TRY_NAME=$1
    [ -x "$BUILD/sluice" ] && [ -x "$BUILD/neows-mock" ] ||
        fail "build first (cmake -S . -B build && cmake --build build)"
    [ "$(id -u)" = 0 ] || fail "run as root (initdb runs as the postgres user)"
    WORK=$(mktemp -d /tmp/sluice-try-XXXXXX)
    source "$ROOT/tests/e2e/lib/postgres.bash"
    trap cleanup EXIT
    start_postgres # its trap stops the server, then runs cleanup
}

try_start_mock() { # [neows-mock options...]
    local line
    mkfifo "$WORK/port"
    "$BUILD/neows-mock" --port 0 --idle-timeout 30 "$@" >"$WORK/port" &
    MOCK_PID=$!
    read -r line <"$WORK/port"
    PORT=${line##*:}
}
