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
# (tests with several servers); sets NAME_PORT and NAME_PID, its stderr
# going to $WORK/NAME.err (fail shows it). It announces its port through a
# FIFO, so nothing sleeps (the 20 s bound only turns a server that never
# starts into a failure); it stops at exit or after 60 idle seconds (later
# ARGS override that).
start_another_mock() {
    local name=$1 fifo="$WORK/.port-$1" line fd
    shift
    mkfifo "$fifo"
    "$NEOWS_MOCK" --port 0 --idle-timeout 60 "$@" >"$fifo" 2>"$WORK/$name.err" &
    MORE_PIDS+=($!)
    printf -v "${name}_PID" '%s' "$!"
    exec {fd}<"$fifo"
    read -r -t 20 line <&"$fd" || fail "$name: no port line"
    [[ $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] ||
        fail "$name: bad first line '$line'"
    printf -v "${name}_PORT" '%s' "${BASH_REMATCH[1]}"
}

# stop_another_mock NAME: SIGTERM, then the server must exit 0.
stop_another_mock() {
    local pid_var="$1_PID" rc=0
    kill -TERM "${!pid_var}"
    wait "${!pid_var}" || rc=$?
    [[ $rc == 0 ]] || fail "$1 exited $rc after SIGTERM"
}

stop_mock() {
    kill "$MOCK_PID"
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=
}

# fail MSG: stops the test, showing what the servers started with
# start_another_mock said on stderr (a crash report, an MHD message), since
# $WORK goes away.
fail() {
    local f
    echo "FAIL: $*" >&2
    for f in "$WORK"/*.err; do
        [[ -s $f ]] || continue
        echo "--- ${f##*/}:" >&2
        tail -n 40 "$f" >&2
    done
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
