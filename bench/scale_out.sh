#!/usr/bin/env bash
# scale_out.sh: partitions per second claimed and pulled by 1, 2 and 4
# `sluice run --worker` processes sharing one PostgreSQL ledger
# (docs/scale-out.md), against the bundled server on loopback.
#
#   bench/scale_out.sh [WINDOWS] [LATENCY_MS] [CONCURRENCY]
#
# Each worker count gets a fresh ledger (its own job name, so its own
# schema) and output folder; the wall time runs from the first worker's
# start to the last one's exit, so it includes every worker's seeding
# (each seeds the whole plan: idempotent) and the final claims that find
# the pool empty. Two rounds: the server answering after LATENCY_MS
# (each partition an HTTP request, a file written and fsynced, a claim and
# a mark: the end-to-end rate), then at once (--latency-ms 0: the
# ceiling claiming, marking and publishing put on a pull). Then
# bench_claims: claims and marks alone, no HTTP, no file. Last, the shared
# rate budget: 4 workers on the 314 weekly windows of 2020-2025 against a
# server limited to 50 requests/s (--rate-limit 50/s), 3 runs: wall against
# 314 / 50 s, requests and 429s. PostgreSQL 15 is
# started for the run
# (tests/e2e/lib/postgres.bash); run as root. Nothing here runs in CI.
set -euo pipefail
source "$(dirname "$0")/common.sh"
WINDOWS=${1:-2000}
LATENCY=${2:-20}
CONCURRENCY=${3:-4}
if [[ ${BUILD_FIRST:-1} == 1 ]]; then
    bench_build
    cmake --build "$BUILD" -j2 --target bench_claims >/dev/null
fi
[ "$(id -u)" = 0 ] || { echo "bench: run as root (initdb runs as postgres)" >&2; exit 1; }
bench_need psql postgresql-client-15

WORK=$(mktemp -d /tmp/sluice-bench-scale-XXXXXX)
fail() { echo "bench: $*" >&2; exit 1; }
cleanup() { bench_stop_mocks; rm -rf "$WORK"; }
source "$ROOT/tests/e2e/lib/postgres.bash"
trap 'stop_postgres; cleanup' EXIT
start_postgres
trap 'stop_postgres; cleanup' EXIT
cd "$WORK"
TO=$(python3 -c "import datetime as d; print(d.date(2000, 1, 1) + d.timedelta(days=$WINDOWS - 1))")

job() { # FILE NAME URL
    cat >"$1" <<YAML
name: $2
source:
  url: $3
  params: {start_date: "{start}", end_date: "{end}", api_key: DEMO_KEY}
  records: "\$.near_earth_objects.*[*]"
  record_key_as: feed_date
windows: {from: 2000-01-01, to: $TO, step: 1d}
concurrency: $CONCURRENCY
state: "$PG_URL"
output: {path: "out_$2/{start}.ndjson"}
YAML
}
now() { date +%s.%N; }

measure() { # LABEL LATENCY
    bench_stop_mocks
    bench_start_mock --latency-ms "$2"
    for n in 1 2 4; do
        local name="b_$1_$n" pids=() t0 t1
        job "$name.yaml" "$name" "$MOCK_URL"
        t0=$(now)
        for ((k = 0; k < n; k++)); do
            "$SLUICE" run "$name.yaml" --worker -q 2>"$name.$k.err" &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || fail "$name: $(cat "$name".*.err)"; done
        t1=$(now)
        local done
        done=$(pg_sql "SELECT count(*) FROM sluice_$name.windows WHERE status = 'done' AND claims = 1")
        [ "$done" = "$WINDOWS" ] || fail "$name: $done of $WINDOWS done once"
        python3 -c "import sys; w, t0, t1 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); print('%-12s %d workers: %6.2f s  %7.1f partitions/s' % (sys.argv[4], int(sys.argv[5]), t1 - t0, w / (t1 - t0), ))" \
            "$WINDOWS" "$t0" "$t1" "$1" "$n"
    done
}
measure_budget() { # RUNS
    local r
    for ((r = 1; r <= $1; r++)); do
        local name="budget_$r" pids=() t0 t1
        bench_stop_mocks
        bench_start_mock --rate-limit 50/s --log "$name.log"
        cat >"$name.yaml" <<YAML
name: $name
source:
  url: $MOCK_URL
  params: {start_date: "{start}", end_date: "{end}", api_key: DEMO_KEY}
  records: "\$.near_earth_objects.*[*]"
  record_key_as: feed_date
windows: {from: 2020-01-01, to: 2025-12-31, step: 7d}
concurrency: 8
state: "$PG_URL"
output: {path: "out_$name/{start}.ndjson"}
YAML
        t0=$(now)
        for k in 0 1 2 3; do
            "$SLUICE" run "$name.yaml" --worker -q 2>"$name.$k.err" &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || fail "$name: $(cat "$name".*.err)"; done
        t1=$(now)
        python3 -c "import sys; t = float(sys.argv[2]) - float(sys.argv[1]); print('budget run %s: 4 workers, %s requests, %s answered 429, %.2f s, %.2fx of 314/50 s' % (sys.argv[3], sys.argv[4], sys.argv[5], t, t / 6.28))" \
            "$t0" "$t1" "$r" "$(wc -l <"$name.log")" "$(awk '$NF == 429' "$name.log" | wc -l)"
    done
}

echo "scale_out: $WINDOWS one-day windows, concurrency $CONCURRENCY per worker, $(nproc) cores"
measure "latency${LATENCY}ms" "$LATENCY"
measure "latency0ms" 0
"$BUILD/bench_claims" "$PG_URL" 20000
measure_budget 3
