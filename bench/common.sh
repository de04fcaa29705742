#!/usr/bin/env bash
# common.sh: helpers shared by the benchmark scripts (sourced, not run):
# building the Release tree, starting neows-mock on an ephemeral port and
# reading its port line, listing the job's windows, fetching them with curl.
# Nothing here runs in CI; see docs/benchmarks.md.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
SLUICE=$BUILD/sluice
MOCK=$BUILD/neows-mock
JOB=$ROOT/examples/neows.yaml
FROM=${FROM:-2020-01-01}
TO=${TO:-2025-12-31}

# Installs a Debian package when a tool is missing, saying so first; only as
# root or through sudo, never silently.
bench_need() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "bench: '$1' is missing; installing the Debian package '$2' (apt-get)" >&2
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -q "$2" >/dev/null
    elif command -v sudo >/dev/null; then
        sudo apt-get install -y -q "$2" >/dev/null
    else
        echo "bench: cannot install $2 (not root, no sudo): install it and re-run" >&2
        return 1
    fi
}

# The same for a Python module of Debian's python3 (/usr/bin/python3).
bench_need_py() { # module package
    /usr/bin/python3 -c "import $1" 2>/dev/null && return 0
    echo "bench: Python module '$1' is missing; installing the Debian package '$2' (apt-get)" >&2
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -q "$2" >/dev/null
    else
        echo "bench: cannot install $2 (not root): install it and re-run" >&2
        return 1
    fi
}

# Release build of the library, the command and the mock into $BUILD.
bench_build() {
    echo "bench: Release build in $BUILD" >&2
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
        cmake --build "$BUILD" -j2 --target sluice neows-mock sluice_static >/dev/null
}

# Starts neows-mock with the given extra options; sets MOCK_PID and MOCK_URL.
# The port is read from the server's first stdout line through a FIFO.
MOCK_PIDS=()
bench_start_mock() { # [mock options...]
    local fifo line fd
    fifo=$(mktemp -u "${TMPDIR:-/tmp}/sluice-bench-port.XXXXXX")
    mkfifo "$fifo"
    "$MOCK" --port 0 --idle-timeout 300 --hourly-limit 2000000000 "$@" >"$fifo" &
    MOCK_PID=$!
    MOCK_PIDS+=("$MOCK_PID")
    exec {fd}<"$fifo"
    read -r -t 20 line <&"$fd" || { echo "bench: neows-mock did not start" >&2; return 1; }
    # The FIFO stays open for reading (fd kept): a server writing to stdout
    # later must not die of SIGPIPE in the middle of a measurement.
    rm -f "$fifo"
    MOCK_URL="http://127.0.0.1:${line##*:}/neo/rest/v1/feed"
}

bench_stop_mocks() {
    local p
    for p in "${MOCK_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    MOCK_PIDS=()
}

# Writes a curl config (url + output pairs) for every window of the job, the
# windows and URLs taken from `sluice plan` so every peer asks for the same.
bench_curl_config() { # base_url outdir cfgfile
    "$SLUICE" plan -q "$JOB" --set "source.url=$1" --set "windows.from=$FROM" \
        --set "windows.to=$TO" | awk -F'\t' -v out="$2" '{
            sub(/api_key=\*\*\*/, "api_key=DEMO_KEY", $4)
            printf "url = \"%s\"\noutput = \"%s/feed_%s_%s.json\"\n", $4, out, $2, $3
        }' >"$3"
}
