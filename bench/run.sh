#!/usr/bin/env bash
# run.sh: the benchmark suite. Measures sluice against its peers in the same
# run, on the same machine, against the same bundled NeoWs-compatible server
# on loopback, and reports ratios (never absolute thresholds; nothing here
# runs in CI). The workload is the 314-window NeoWs job 2020-01-01..2025-12-31
# (7-day windows). Peers:
#   curl     curl --parallel --parallel-max 32, the 314 URLs raw to files (the
#            floor); once with gzip on the wire like sluice (the reference),
#            once plain
#   python   bench/founding.py: urllib + ThreadPoolExecutor(4 and 32), JSON
#            parsed, one NDJSON file per window (standard library only)
#   sluice   build-bench/sluice run examples/neows.yaml at concurrency 4 and 32,
#            output on disk and (if /dev/shm exists) on tmpfs, where one more
#            row asks for identity encoding (no gzip) like curl's plain row
# Each is run once untimed (and checked: 314 files, same rows), then RUNS
# times; per run: wall (date +%s.%N), user+sys and peak RSS (/usr/bin/time).
# A second scenario adds --latency-ms to every response, where concurrency
# matters. Results: Markdown on stdout and in bench/results/<date>.md.
#
#   usage: bench/run.sh [--runs N] [--format ndjson] [--latency-ms MS]
#                       [--out-dir DIR] [--tmpfs-dir DIR|''] [--no-build]
#   env:   RUNS, FORMAT, LATENCY_MS (0: no latency scenario), OUT_DIR, TMPFS_DIR
#
# FORMAT is the extension of sluice's output path (ndjson now; parquet when it
# lands): the Python peer writes NDJSON whatever it is (the standard library
# has no Parquet writer), so its ratios then compare different outputs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-5}
FORMAT=${FORMAT:-ndjson}
LATENCY_MS=${LATENCY_MS:-50}
OUT_DIR=${OUT_DIR:-$BUILD/bench-out}
TMPFS_DIR=${TMPFS_DIR-/dev/shm}
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --format) FORMAT=$2; shift 2 ;;
    --latency-ms) LATENCY_MS=$2; shift 2 ;;
    --out-dir) OUT_DIR=$2; shift 2 ;;
    --tmpfs-dir) TMPFS_DIR=$2; shift 2 ;;
    --no-build) BUILD_FIRST=0; shift ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs must be a positive number" >&2; exit 2; }
[[ -n $TMPFS_DIR && ! -d $TMPFS_DIR ]] && TMPFS_DIR=

bench_need cmake cmake
bench_need curl curl
bench_need python3 python3
[[ -x /usr/bin/time ]] || bench_need /usr/bin/time time
[[ $BUILD_FIRST == 1 ]] && bench_build
[[ -x $SLUICE && -x $MOCK ]] || { echo "bench: $SLUICE or $MOCK missing" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
TMPFS_WORK=
[[ -n $TMPFS_DIR ]] && TMPFS_WORK=$(mktemp -d "$TMPFS_DIR/sluice-bench.XXXXXX")
cleanup() {
    bench_stop_mocks
    rm -rf "$WORK" "$OUT_DIR"
    [[ -n $TMPFS_WORK ]] && rm -rf "$TMPFS_WORK"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$OUT_DIR"
SAMPLES=$WORK/samples.tsv
META=$WORK/meta.txt
LOG=$WORK/stderr.log
: >"$SAMPLES"

# One untimed run, checked, then RUNS timed ones; the output folder is
# emptied before each (outside the timing) and is the command's cwd, so any
# state a peer leaves behind is gone before the next run.
EXPECT_ROWS=
measure() { # scenario label kind concurrency outdir -- command...
    local scen=$1 label=$2 kind=$3 conc=$4 out=$5 i t0 t1 user sys rss n rows
    shift 6
    echo "bench: $scen: $label" >&2
    for ((i = 0; i <= RUNS; i++)); do
        rm -rf "$out" && mkdir -p "$out"
        t0=$(date +%s.%N)
        if ! (cd "$out" && /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$@" \
            >/dev/null 2>"$LOG"); then
            echo "bench: $label failed:" >&2
            cat "$LOG" >&2
            local p
            for p in "${MOCK_PIDS[@]}"; do
                kill -0 "$p" 2>/dev/null || echo "bench: neows-mock $p is gone" >&2
            done
            exit 1
        fi
        t1=$(date +%s.%N)
        n=$(find "$out" -maxdepth 1 -type f \( -name '*.json' -o -name "*.$FORMAT" \
            -o -name '*.ndjson' \) | wc -l)
        [[ $n == "$WINDOWS" ]] || { echo "bench: $label wrote $n files, not $WINDOWS" >&2; exit 1; }
        if ((i == 0)) && [[ $kind != curl* && ($kind == python || $FORMAT == ndjson) ]]; then
            rows=$(cat "$out"/*.ndjson | wc -l)
            [[ -z $EXPECT_ROWS ]] && EXPECT_ROWS=$rows
            [[ $rows == "$EXPECT_ROWS" ]] || {
                echo "bench: $label wrote $rows rows, expected $EXPECT_ROWS" >&2
                exit 1
            }
        fi
        ((i == 0)) && continue # the untimed run
        read -r user sys rss <"$WORK/time"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$label" "$kind" \
            "$conc" "$i" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')" \
            "$user" "$sys" "$rss" >>"$SAMPLES"
    done
}

# The ledger goes in the output folder, which measure() empties before each
# run: every timed run is a whole first pull, ledger writes included.
sluice_cmd() { # url concurrency outdir: sets CMD
    CMD=("$SLUICE" run -q "$JOB" --set "source.url=$1" --set "windows.from=$FROM"
        --set "windows.to=$TO" --set "concurrency=$2"
        --set "output.path=$3/neos_{start}_{end}.$FORMAT"
        --set "state=$3/.sluice/bench.db")
}

# Warms a server's cache (plain and gzip forms of every window) with curl;
# the plain pass leaves the JSON in $2 (the input of json_throughput.sh).
warm() { # url jsondir
    bench_curl_config "$1" "$2" "$WORK/warm.cfg"
    mkdir -p "$2"
    curl --parallel --parallel-max 8 --no-progress-meter -f -K "$WORK/warm.cfg"
    sed 's|^output = .*|output = "/dev/null"|' "$WORK/warm.cfg" >"$WORK/wire.cfg"
    curl --compressed --parallel --parallel-max 8 --no-progress-meter -f -K "$WORK/wire.cfg" \
        -w '%{size_download}\n' >"$WORK/wire"
}

scenario() { # name url
    local scen=$1 url=$2 c
    bench_curl_config "$url" "$OUT_DIR/curl" "$WORK/curl.cfg"
    measure "$scen" "curl --parallel-max 32, gzip (reference)" curl-ref 32 "$OUT_DIR/curl" -- \
        curl --compressed --parallel --parallel-max 32 --no-progress-meter -f -K "$WORK/curl.cfg"
    measure "$scen" "curl --parallel-max 32, plain" curl 32 "$OUT_DIR/curl" -- \
        curl --parallel --parallel-max 32 --no-progress-meter -f -K "$WORK/curl.cfg"
    for c in 4 32; do
        measure "$scen" "python urllib + ThreadPoolExecutor($c)" python "$c" "$OUT_DIR/py$c" -- \
            python3 "$ROOT/bench/founding.py" "$url" "$OUT_DIR/py$c" "$c" "$FROM" "$TO"
    done
    for c in 4 32; do
        sluice_cmd "$url" "$c" "$OUT_DIR/sluice$c"
        measure "$scen" "sluice, concurrency $c" sluice "$c" "$OUT_DIR/sluice$c" -- "${CMD[@]}"
    done
    if [[ -n $TMPFS_WORK ]]; then
        for c in 4 32; do
            sluice_cmd "$url" "$c" "$TMPFS_WORK/sluice$c"
            measure "$scen" "sluice, concurrency $c, output on tmpfs" sluice "$c" \
                "$TMPFS_WORK/sluice$c" -- "${CMD[@]}"
        done
        # The same without gzip on the wire, to compare with curl's plain row.
        sluice_cmd "$url" 32 "$TMPFS_WORK/sluice-id"
        measure "$scen" "sluice, concurrency 32, output on tmpfs, plain (identity)" sluice 32 \
            "$TMPFS_WORK/sluice-id" -- "${CMD[@]}" --set source.headers.Accept-Encoding=identity
    fi
}

WINDOWS=$("$SLUICE" plan -q "$JOB" --set "windows.from=$FROM" --set "windows.to=$TO" | wc -l)
bench_start_mock
URL=$MOCK_URL
warm "$URL" "$WORK/json"
JSON_BYTES=$(cat "$WORK/json"/*.json | wc -c)
WIRE_BYTES=$(awk '{ s += $1 } END { print s + 0 }' "$WORK/wire")

DATE=$(date +%F)
{
    echo "date=$(date '+%F %H:%M %Z')"
    echo "json_bytes=$JSON_BYTES"
} >"$META"

scenario "loopback, no added latency" "$URL"
if ((LATENCY_MS > 0)); then
    bench_start_mock --latency-ms "$LATENCY_MS"
    warm "$MOCK_URL" "$WORK/json-lat"
    scenario "loopback, --latency-ms $LATENCY_MS on every response" "$MOCK_URL"
fi
bench_stop_mocks

echo "bench: JSON reader throughput" >&2
JSON_OUT=$("$ROOT/bench/json_throughput.sh" --no-build "$WORK/json" 2>&1) || JSON_OUT="json_throughput.sh failed: $JSON_OUT"

mkdir -p "$ROOT/bench/results"
RESULT=$ROOT/bench/results/$DATE.md
{
    echo "# sluice benchmarks, $(date '+%F %H:%M %Z')"
    echo
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"
    echo "  $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
    echo "- sluice $("$SLUICE" --version 2>&1 | head -1) (Release), $(curl --version | head -1 | cut -d' ' -f1-2)," \
        "$(python3 --version 2>&1), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "- workload: $WINDOWS windows $FROM..$TO (7 days) from neows-mock on 127.0.0.1" \
        "(same machine, cache warmed); $(awk -v b="$JSON_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') of JSON," \
        "$(awk -v b="$WIRE_BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') gzipped on the wire;" \
        "${EXPECT_ROWS:-?} records; output format $FORMAT"
    echo "- $RUNS timed runs per row after one untimed run; wall and CPU are medians, RSS the largest"
    echo "- output on $(df -T "$OUT_DIR" | awk 'NR == 2 { print $2 }') ($OUT_DIR) unless marked tmpfs"
    echo
    python3 "$ROOT/bench/report.py" "$SAMPLES" "$META"
    echo "### JSON reader throughput (bench/bench_json.c, one core, same $WINDOWS pages)"
    echo
    echo '```'
    echo "$JSON_OUT"
    echo '```'
    echo
    echo "CPU ×curl compares with curl fetching the same pages with gzip on the wire," \
        "as sluice does; CPU ×python with the Python peer at the same concurrency" \
        "(curl rows: Python at 32). CPU is the client's user+sys only: the server" \
        "shares the same cores."
} >"$WORK/result.md"
cp "$WORK/result.md" "$RESULT"
cat "$RESULT"
echo "bench: written $RESULT" >&2
