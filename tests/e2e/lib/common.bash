# common.bash: shared by the end-to-end tests (sourced, not a test itself).
# Gives each test a scratch folder, the bundled server on an ephemeral port,
# and small assertions. Binaries come from CTest's environment.
set -euo pipefail

: "${SLUICE_BIN:?run through ctest (SLUICE_BIN unset)}"
: "${NEOWS_MOCK:?run through ctest (NEOWS_MOCK unset)}"
: "${SLUICE_SRC:?}"
E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

WORK=$(mktemp -d /tmp/sluice-e2e-XXXXXX)
MOCK_PID=
MORE_PIDS=()
cleanup() {
    local p
    for p in "${MORE_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    # ${MOCK_PID:-}: bash unsets a coprocess's _PID variable when it exits
    # (the server stops by itself after its idle timeout)
    if [ -n "${MOCK_PID:-}" ]; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

# start_mock ARGS...: starts the server; sets PORT and BASE (feed URL). The
# server prints its port first, so no sleeping or polling is needed; it
# stops by itself when this script dies (--exit-with-parent: the kernel
# tells it, however the script died) and after 60 idle seconds (ARGS may
# say --idle-timeout 0 for a test with long quiet stretches).
start_mock() {
    coproc MOCK { exec "$NEOWS_MOCK" --port 0 --idle-timeout 60 --exit-with-parent "$@"; }
    MOCK_PID=$MOCK_PID
    local line
    read -r line <&"${MOCK[0]}"
    PORT=${line##*:}
    BASE="http://127.0.0.1:$PORT/neo/rest/v1/feed"
}

# start_another_mock NAME ARGS...: one more server beside start_mock's
# (tests with two origins); sets NAME_PORT. It announces its port through a
# FIFO, so nothing sleeps; it stops at exit or after 60 idle seconds.
start_another_mock() {
    local name=$1 fifo="$WORK/.port-$1" line
    shift
    mkfifo "$fifo"
    "$NEOWS_MOCK" --port 0 --idle-timeout 60 "$@" >"$fifo" &
    MORE_PIDS+=($!)
    read -r line <"$fifo"
    printf -v "${name}_PORT" '%s' "${line##*:}"
}

stop_mock() {
    kill "$MOCK_PID"
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_status WANT CMD...: runs CMD, keeps its stdout/stderr in
# $WORK/out and $WORK/err, and checks the exit status.
expect_status() {
    local want=$1
    shift
    local got=0
    "$@" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt" || got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stderr:" >&2
        tail -n 30 "$WORK/stderr.txt" >&2
        fail "exit status $got, expected $want: $*"
    fi
}

# write_job FILE URL [extra yaml lines...]: a NeoWs job pulling into out/.
write_job() {
    local file=$1 url=$2
    shift 2
    {
        echo "name: neows"
        echo "source:"
        echo "  url: $url"
        echo '  params: {start_date: "{start}", end_date: "{end}", api_key: "${API_KEY:-DEMO_KEY}"}'
        echo '  records: "$.near_earth_objects.*[*]"'
        echo "  record_key_as: feed_date"
        echo "windows: {from: 2020-01-01, to: 2025-12-31, step: 7d}"
        echo "concurrency: 8"
        echo 'output: {path: "out/neos_{start}_{end}.ndjson"}'
        for line in "$@"; do echo "$line"; done
    } >"$file"
}
