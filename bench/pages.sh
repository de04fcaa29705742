#!/usr/bin/env bash
# pages.sh: parallel pages against serial ones, on an offset API with a
# total (the bundled server's RIDB-shaped /pages/ridb) whose every response
# is delayed by --latency-ms (default 50). One window of PAGES pages of 50
# items; sluice pulls it with pagination.parallel true at concurrency 4 and
# 8, and false (one page after another). Each case runs RUNS times (the
# first also checked: every item once, in order); the median wall time,
# the server's request count and the speed-up over serial are printed as
# Markdown. Nothing here runs in CI (docs/benchmarks.md).
#
#   usage: bench/pages.sh [--runs N] [--pages N] [--latency-ms MS] [--no-build]
#   env:   BUILD (default build-bench), RUNS, PAGES, LATENCY_MS
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-5}
PAGES=${PAGES:-40}
LATENCY_MS=${LATENCY_MS:-50}
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --pages) PAGES=$2; shift 2 ;;
    --latency-ms) LATENCY_MS=$2; shift 2 ;;
    --no-build) BUILD_FIRST=0; shift ;;
    *) echo "usage: bench/pages.sh [--runs N] [--pages N] [--latency-ms MS] [--no-build]" >&2; exit 2 ;;
    esac
done
[[ $BUILD_FIRST == 1 ]] && bench_build

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-pages.XXXXXX")
trap 'bench_stop_mocks; rm -rf "$WORK"' EXIT
cd "$WORK"
bench_start_mock --latency-ms "$LATENCY_MS" --keys BENCHKEY --log req.log
PAGES_URL=${MOCK_URL%/neo/rest/v1/feed}/pages/ridb
N=$((PAGES * 50))

job() { # NAME PARALLEL CONCURRENCY
    cat >"$1.yaml" <<YAML
name: $1
source:
  url: $PAGES_URL
  params: {set: b, n: "$N"}
  headers: {apikey: BENCHKEY}
  records: "\$.RECDATA[*]"
  pagination: {type: offset, param: offset, limit_param: limit, limit: 50, total: "\$.METADATA.RESULTS.TOTAL_COUNT", parallel: $2}
windows: {from: 2024-01-01, to: 2024-01-01, step: 1d}
concurrency: $3
output: {path: "out/$1/{start}.ndjson"}
YAML
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# case NAME PARALLEL CONCURRENCY: prints "wall requests"
run_case() {
    job "$1" "$2" "$3"
    local walls=() t0 t1 before reqs=0
    for i in $(seq 1 "$RUNS"); do
        rm -rf "out/$1" ".sluice"
        before=$(wc -l <req.log)
        t0=$(date +%s.%N)
        "$SLUICE" run "$1.yaml" -q
        t1=$(date +%s.%N)
        walls+=("$(echo "$t1 - $t0" | bc)")
        reqs=$(($(wc -l <req.log) - before))
        if [[ $i == 1 ]]; then
            python3 - "out/$1/2024-01-01.ndjson" "$N" <<'PY'
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
assert ids == ["b-%d" % i for i in range(int(sys.argv[2]))], "items"
PY
        fi
    done
    echo "$(printf '%s\n' "${walls[@]}" | median) $reqs"
}

read -r serial_wall serial_reqs < <(run_case serial false 4)
read -r p4_wall p4_reqs < <(run_case par4 true 4)
read -r p8_wall p8_reqs < <(run_case par8 true 8)

echo "### Parallel pages: one window of $PAGES pages ($N items), ${LATENCY_MS} ms per response, median of $RUNS"
echo
echo "| case | requests | wall s | speed-up |"
echo "|---|---:|---:|---:|"
printf '| serial (parallel: false) | %s | %.3f | 1.00× |\n' "$serial_reqs" "$serial_wall"
printf '| parallel, concurrency 4 | %s | %.3f | %.2f× |\n' "$p4_reqs" "$p4_wall" "$(echo "$serial_wall / $p4_wall" | bc -l)"
printf '| parallel, concurrency 8 | %s | %.3f | %.2f× |\n' "$p8_reqs" "$p8_wall" "$(echo "$serial_wall / $p8_wall" | bc -l)"
