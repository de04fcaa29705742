#!/usr/bin/env bash
# run.sh: the benchmark suite. Measures sluice against its peers in the same
# run, on the same machine, against the same bundled NeoWs-compatible server
# on loopback, and reports ratios (never absolute thresholds; nothing here
# runs in CI). The workload is the NeoWs job 2020-01-01..2025-12-31 (314
# 7-day windows) in three scenarios:
#   W1       the server as it is (~140 KB a page)
#   W8       neows-mock --scale 8: pages 8 times larger (~1.3 MB each)
#   latency  W1 with --latency-ms 50 on every response
# Peers, run alternating (run 1 of every peer, then run 2, ...), each in its
# own process tree:
#   curl     curl --parallel --parallel-max 32, the URLs raw to files (the
#            ceiling); with gzip on the wire like sluice (the reference)
#   sluice   build-bench/sluice run examples/neows.yaml at concurrency 32,
#            zstd Parquet and NDJSON (WORKERS: the job's `workers:`, default
#            one per core); PARQUET_TMPFS adds a Parquet row on tmpfs,
#            WORKERS1 one with --set workers=1 (one committer thread)
#   founding bench/founding.py --requests: Debian's python3-requests +
#            ThreadPoolExecutor(4), JSON lines (the founding approach);
#            URLLIB=1 adds the standard-library peer (urllib, 4 threads)
#   polars   bench/polars/founding_polars.mjs: the founding writer,
#            nodejs-polars 0.25.2 writeParquet(zstd), 4 in flight; needs
#            `npm ci` in bench/polars first (skipped, saying so, without)
# Each is run once untimed (and checked: 314 files; NDJSON writers the same
# rows), then RUNS times; per run: wall (date +%s.%N), user+sys and peak RSS
# (/usr/bin/time). Then sluice's peak RSS at 314 and at FLAT_WINDOWS windows
# (memory flat in the number of windows). Results: Markdown on stdout and in
# bench/results/<date>.md.
#
#   usage: bench/run.sh [--runs N] [--scenarios "w1 w8 latency"]
#                       [--out-dir DIR] [--no-build]
#   env:   RUNS (5), SCENARIOS, LATENCY_MS (50), SCALE (8), CONCURRENCY (32),
#          WORKERS (''), OUT_DIR, TMPFS_DIR (/dev/shm), PARQUET_TMPFS (1),
#          URLLIB (0), WORKERS1 (1), FLAT_WINDOWS (2000; 0 skips)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-5}
SCENARIOS=${SCENARIOS:-w1 w8 latency}
LATENCY_MS=${LATENCY_MS:-50}
SCALE=${SCALE:-8}
CONCURRENCY=${CONCURRENCY:-32}
WORKERS=${WORKERS:-}
OUT_DIR=${OUT_DIR:-$BUILD/bench-out}
TMPFS_DIR=${TMPFS_DIR-/dev/shm}
PARQUET_TMPFS=${PARQUET_TMPFS:-1}
URLLIB=${URLLIB:-0}
WORKERS1=${WORKERS1:-1}
FLAT_WINDOWS=${FLAT_WINDOWS:-2000}
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --out-dir) OUT_DIR=$2; shift 2 ;;
    --no-build) BUILD_FIRST=0; shift ;;
    -h | --help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs must be a positive number" >&2; exit 2; }
[[ -n $TMPFS_DIR && ! -d $TMPFS_DIR ]] && TMPFS_DIR=

bench_need cmake cmake
bench_need curl curl
bench_need /usr/bin/python3 python3
bench_need_py requests python3-requests
[[ -x /usr/bin/time ]] || bench_need /usr/bin/time time
[[ $BUILD_FIRST == 1 ]] && bench_build
[[ -x $SLUICE && -x $MOCK ]] || { echo "bench: $SLUICE or $MOCK missing" >&2; exit 1; }
POLARS=0
if [[ -d $ROOT/bench/polars/node_modules/nodejs-polars ]] && command -v node >/dev/null; then
    POLARS=1
else
    echo "bench: no nodejs-polars (run 'npm ci' in bench/polars): its rows are skipped" >&2
fi

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

# The peers of a scenario: parallel arrays, one entry each; a peer's
# command is the words of PEER_CMD_<n> (an array per peer).
PEER_LABEL=() PEER_KIND=() PEER_OUT=() PEER_ROWS=()
add_peer() { # label kind outdir check_rows -- command...
    local n=${#PEER_LABEL[@]}
    PEER_LABEL+=("$1") PEER_KIND+=("$2") PEER_OUT+=("$3") PEER_ROWS+=("$4")
    shift 5
    declare -g -a "PEER_CMD_$n"
    local -n cmd="PEER_CMD_$n"
    cmd=("$@")
}

# One run of peer n, into its emptied output folder (also its cwd); run 0
# is untimed and checked (file count; rows for NDJSON writers).
run_peer() { # scenario n i
    local scen=$1 n=$2 i=$3 t0 t1 user sys rss files rows
    local out=${PEER_OUT[$n]} label=${PEER_LABEL[$n]}
    local -n cmd="PEER_CMD_$n"
    rm -rf "$out" && mkdir -p "$out"
    t0=$(date +%s.%N)
    if ! (cd "$out" && /usr/bin/time -f '%U %S %M' -o "$WORK/time" "${cmd[@]}" \
        >/dev/null 2>"$LOG"); then
        echo "bench: $label failed:" >&2
        cat "$LOG" >&2
        exit 1
    fi
    t1=$(date +%s.%N)
    files=$(find "$out" -maxdepth 1 -type f ! -name '.*' \( -name '*.json' -o -name '*.parquet' \
        -o -name '*.ndjson' \) | wc -l)
    [[ $files == "$WINDOWS" ]] || { echo "bench: $label wrote $files files, not $WINDOWS" >&2; exit 1; }
    if ((i == 0)) && [[ ${PEER_ROWS[$n]} == 1 ]]; then
        rows=$(cat "$out"/*.ndjson | wc -l)
        [[ -z ${EXPECT_ROWS[$scen]:-} ]] && EXPECT_ROWS[$scen]=$rows
        [[ $rows == "${EXPECT_ROWS[$scen]}" ]] || {
            echo "bench: $label wrote $rows rows, expected ${EXPECT_ROWS[$scen]}" >&2
            exit 1
        }
    fi
    ((i == 0)) && return 0
    read -r user sys rss <"$WORK/time"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$label" "${PEER_KIND[$n]}" \
        "$CONCURRENCY" "$i" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')" \
        "$user" "$sys" "$rss" >>"$SAMPLES"
}
declare -A EXPECT_ROWS=()

# The ledger goes in the output folder, which run_peer() empties before each
# run: every timed run is a whole first pull, ledger writes included.
sluice_cmd() { # url concurrency outdir format [from to]: sets CMD
    CMD=("$SLUICE" run -q "$JOB" --set "source.url=$1" --set "windows.from=${5:-$FROM}"
        --set "windows.to=${6:-$TO}" --set "concurrency=$2"
        --set "output.path=$3/neos_{start}_{end}.$4"
        --set "state=$3/.sluice/bench.db")
    [[ -n $WORKERS ]] && CMD+=(--set "workers=$WORKERS")
    return 0
}

# Warms a server's cache (plain and gzip forms of every window) with curl;
# the plain pass leaves the JSON in $2, whose size the scenario reports.
warm() { # url jsondir
    bench_curl_config "$1" "$2" "$WORK/warm.cfg"
    mkdir -p "$2"
    curl --parallel --parallel-max 8 --no-progress-meter -f -K "$WORK/warm.cfg"
    sed 's|^output = .*|output = "/dev/null"|' "$WORK/warm.cfg" >"$WORK/wire.cfg"
    curl --compressed --parallel --parallel-max 8 --no-progress-meter -f -K "$WORK/wire.cfg" \
        -w '%{size_download}\n' >"$WORK/wire"
}

scenario() { # name url
    local scen=$1 url=$2 i n
    PEER_LABEL=() PEER_KIND=() PEER_OUT=() PEER_ROWS=()
    bench_curl_config "$url" "$OUT_DIR/curl" "$WORK/curl.cfg"
    add_peer "curl --parallel-max $CONCURRENCY, gzip (reference)" curl-ref "$OUT_DIR/curl" 0 -- \
        curl --compressed --parallel --parallel-max "$CONCURRENCY" --no-progress-meter -f \
        -K "$WORK/curl.cfg"
    sluice_cmd "$url" "$CONCURRENCY" "$OUT_DIR/sl-parquet" parquet
    add_peer "sluice, zstd Parquet" sluice "$OUT_DIR/sl-parquet" 0 -- "${CMD[@]}"
    if [[ $PARQUET_TMPFS == 1 && -n $TMPFS_WORK ]]; then
        sluice_cmd "$url" "$CONCURRENCY" "$TMPFS_WORK/sl-parquet" parquet
        add_peer "sluice, zstd Parquet, output on tmpfs" sluice "$TMPFS_WORK/sl-parquet" 0 -- \
            "${CMD[@]}"
    fi
    if [[ $WORKERS1 == 1 && $WORKERS != 1 ]]; then
        sluice_cmd "$url" "$CONCURRENCY" "$OUT_DIR/sl-parquet1" parquet
        add_peer "sluice, zstd Parquet, workers 1" sluice "$OUT_DIR/sl-parquet1" 0 -- \
            "${CMD[@]}" --set workers=1
    fi
    sluice_cmd "$url" "$CONCURRENCY" "$OUT_DIR/sl-ndjson" ndjson
    add_peer "sluice, NDJSON" sluice "$OUT_DIR/sl-ndjson" 1 -- "${CMD[@]}"
    add_peer "founding: python requests + ThreadPoolExecutor(4), JSON lines" founding \
        "$OUT_DIR/py" 1 -- /usr/bin/python3 "$ROOT/bench/founding.py" --requests "$url" \
        "$OUT_DIR/py" 4 "$FROM" "$TO"
    if [[ $URLLIB == 1 ]]; then
        add_peer "python urllib + ThreadPoolExecutor(4), JSON lines" python "$OUT_DIR/pyu" 1 -- \
            /usr/bin/python3 "$ROOT/bench/founding.py" "$url" "$OUT_DIR/pyu" 4 "$FROM" "$TO"
    fi
    if [[ $POLARS == 1 ]]; then
        add_peer "founding writer: nodejs-polars writeParquet zstd, 4 in flight" polars \
            "$OUT_DIR/polars" 0 -- node "$ROOT/bench/polars/founding_polars.mjs" "$url" \
            "$OUT_DIR/polars" 4 "$FROM" "$TO"
    fi
    for ((i = 0; i <= RUNS; i++)); do
        echo "bench: $scen: run $i of $RUNS (0: untimed, checked)" >&2
        for ((n = 0; n < ${#PEER_LABEL[@]}; n++)); do
            run_peer "$scen" "$n" "$i"
        done
    done
}

# sluice's peak RSS over more windows (the same server, days before 2020):
# memory must not grow with the number of windows.
flat() { # url
    local from n label
    for n in "$WINDOWS" "$FLAT_WINDOWS"; do
        # earlier by whole weeks, so the windows stay aligned; the plan is
        # counted, not assumed
        from=$(date -u -d "$FROM - $(((n - WINDOWS) * 7)) days" +%F)
        for fmt in parquet ndjson; do
            sluice_cmd "$1" "$CONCURRENCY" "$OUT_DIR/flat" "$fmt" "$from" "$TO"
            rm -rf "$OUT_DIR/flat" && mkdir -p "$OUT_DIR/flat"
            local w
            w=$("$SLUICE" plan -q "$JOB" --set "windows.from=$from" --set "windows.to=$TO" | wc -l)
            label="sluice, $fmt, $w windows"
            echo "bench: flat: $label" >&2
            (cd "$OUT_DIR/flat" && /usr/bin/time -f '%U %S %M' -o "$WORK/time" "${CMD[@]}" \
                >/dev/null 2>"$LOG") || { cat "$LOG" >&2; exit 1; }
            read -r user sys rss <"$WORK/time"
            printf '| %s | %s | %.1f |\n' "$label" "$(find "$OUT_DIR/flat" -maxdepth 1 -name "*.$fmt" | wc -l)" \
                "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" >>"$WORK/flat.md"
        done
    done
}

WINDOWS=$("$SLUICE" plan -q "$JOB" --set "windows.from=$FROM" --set "windows.to=$TO" | wc -l)
DATE=${RESULT_NAME:-$(date +%F)} # RESULT_NAME: another file name (two runs in a day)
echo "date=$(date '+%F %H:%M %Z')" >"$META"
: >"$WORK/scen.md"
for sc in $SCENARIOS; do
    case $sc in
    w1) bench_start_mock; name="W1: $WINDOWS pages of ~140 KB, no added latency" ;;
    w8) bench_start_mock --scale "$SCALE" --cache-mb 4096
        name="W$SCALE: neows-mock --scale $SCALE, pages $SCALE times larger" ;;
    latency) bench_start_mock --latency-ms "$LATENCY_MS"
        name="latency: W1 with --latency-ms $LATENCY_MS on every response" ;;
    *) echo "bench: unknown scenario $sc (w1 w8 latency)" >&2; exit 2 ;;
    esac
    rm -rf "$WORK/json" && warm "$MOCK_URL" "$WORK/json"
    jb=$(cat "$WORK/json"/*.json | wc -c)
    wb=$(awk '{ s += $1 } END { print s + 0 }' "$WORK/wire")
    echo "json_bytes[$name]=$jb" >>"$META"
    printf -- '- %s: %.1f MB of JSON, %.1f MB gzipped on the wire\n' "$name" \
        "$(awk -v b="$jb" 'BEGIN { print b / 1e6 }')" "$(awk -v b="$wb" 'BEGIN { print b / 1e6 }')" \
        >>"$WORK/scen.md"
    scenario "$name" "$MOCK_URL"
    if [[ $sc == w1 ]] && ((FLAT_WINDOWS > 0)); then
        : >"$WORK/flat.md"
        flat "$MOCK_URL"
    fi
    bench_stop_mocks
done

mkdir -p "$ROOT/bench/results"
RESULT=$ROOT/bench/results/$DATE.md
{
    echo "# sluice against its peers, $(date '+%F %H:%M %Z')"
    echo
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"
    echo "  $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r);" \
        "load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- sluice $("$SLUICE" --version 2>&1 | head -1) (Release) at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')," \
        "workers ${WORKERS:-default}; $(curl --version | head -1 | cut -d' ' -f1-2);" \
        "$(/usr/bin/python3 --version 2>&1), requests $(/usr/bin/python3 -c 'import requests; print(requests.__version__)');" \
        "node $(node --version 2>/dev/null || echo '-')"
    echo "- $WINDOWS windows $FROM..$TO (7 days) from neows-mock on 127.0.0.1 (same machine, cache warmed), concurrency $CONCURRENCY:"
    cat "$WORK/scen.md"
    echo "- peers alternate: run 1 of each, then run 2, ...; $RUNS timed runs per row after one untimed, checked run;"
    echo "  wall and CPU are medians, RSS the largest; output on $(df -T "$OUT_DIR" | awk 'NR == 2 { print $2 }') unless marked tmpfs"
    echo
    /usr/bin/python3 "$ROOT/bench/report.py" "$SAMPLES" "$META"
    if [[ -s $WORK/flat.md ]]; then
        echo "### Peak RSS against the number of windows (W1, one run each)"
        echo
        echo "| run | files | peak RSS MiB |"
        echo "|---|---:|---:|"
        cat "$WORK/flat.md"
        echo
    fi
    echo "CPU ×curl compares with curl fetching the same pages with gzip on the wire," \
        "as sluice does; ×founding with the Python requests peer of the same scenario." \
        "CPU is the client's user+sys only: the server shares the same cores."
} >"$WORK/result.md"
cp "$WORK/result.md" "$RESULT"
cat "$RESULT"
echo "bench: written $RESULT" >&2
