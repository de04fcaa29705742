#!/usr/bin/env bash
# db_throughput.sh: rows per second into SQLite and PostgreSQL for the
# 314-window NeoWs pull (2020-01-01..2025-12-31, 7-day windows) from the
# bundled server on loopback, against the tools a user would reach for to
# load the same rows from a CSV file: `sqlite3 .import` and `psql \copy`.
# All in one run, on the same machine; ratios, never thresholds (nothing
# here runs in CI).
#
#   sluice -> sqlite    `sluice run` into a fresh SQLite file (the pull
#                       included: HTTP, JSON, schema, one transaction per
#                       window, WAL, synchronous=FULL)
#   sqlite3 .import     the same rows as one CSV file (sluice's CSV output
#                       of the same job, the per-window files joined under
#                       one header) imported into a fresh file
#   sluice -> postgres  `sluice run` into a fresh table (COPY into a
#                       staging table and one transaction per window)
#   psql \copy          the same CSV into a fresh table of text columns
#
# PostgreSQL 15 is started for the run (tests/e2e/lib/postgres.bash: as the
# postgres user, on a free port, stopped at the end); run as root.
# Markdown on stdout and in bench/results/<date>-db.md.
#   usage: bench/db_throughput.sh [--runs N] [--no-build]
#   env:   RUNS (3), CONCURRENCY (8)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-8}
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --no-build) BUILD_FIRST=0; shift ;;
    *) echo "usage: $0 [--runs N] [--no-build]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench: run as root (initdb runs as postgres)" >&2; exit 1; }
bench_need sqlite3 sqlite3
bench_need psql postgresql-client-15

WORK=$(mktemp -d /tmp/sluice-bench-db-XXXXXX)
fail() { echo "bench: $*" >&2; exit 1; }
cleanup() { bench_stop_mocks; rm -rf "$WORK"; }
source "$ROOT/tests/e2e/lib/postgres.bash"
trap cleanup EXIT
[[ $BUILD_FIRST == 1 ]] && bench_build
start_postgres
bench_start_mock
cd "$WORK"

job() { # FILE OUTPUT-YAML
    cat >"$1" <<EOF
name: bench
source:
  url: $MOCK_URL
  params: {start_date: "{start}", end_date: "{end}", api_key: DEMO_KEY}
  records: "\$.near_earth_objects.*[*]"
  record_key_as: feed_date
windows: {from: $FROM, to: $TO, step: 7d}
concurrency: $CONCURRENCY
output: $2
EOF
}
now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# The CSV the tools load: sluice's CSV of the same job, one header.
job csv.yaml '{path: "csv/w_{start}.csv"}'
"$SLUICE" run csv.yaml -q --set state="$WORK/csv.ledger"
first=$(ls csv/*.csv | head -n 1)
{ head -n 1 "$first"; for f in csv/*.csv; do tail -n +2 "$f"; done; } >all.csv
ROWS=$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' all.csv)
HEADER=$(head -n 1 all.csv)

job lite.yaml '{sqlite: lite.db, table: neos}'
job pg.yaml "{postgres: \"$PG_URL\", table: neos}"

declare -A T
run_one() { # NAME
    local t0 t1
    case $1 in
    sluice_sqlite)
        rm -f lite.db lite.db-wal lite.db-shm .sluice-schema-bench.json
        t0=$(now)
        "$SLUICE" run lite.yaml -q --set state="$WORK/l.ledger" --full-refresh
        t1=$(now)
        [ "$(sqlite3 lite.db 'SELECT count(*) FROM neos')" = "$ROWS" ] || fail "sqlite: wrong row count"
        ;;
    sqlite3_import)
        rm -f imp.db
        t0=$(now)
        sqlite3 imp.db -cmd 'PRAGMA journal_mode=WAL' ".import --csv all.csv neos" >/dev/null
        t1=$(now)
        [ "$(sqlite3 imp.db 'SELECT count(*) FROM neos')" = "$ROWS" ] || fail "sqlite3 .import: wrong row count"
        ;;
    sluice_postgres)
        pg_sql "DROP TABLE IF EXISTS neos"
        rm -f .sluice-schema-bench.json
        t0=$(now)
        "$SLUICE" run pg.yaml -q --set state="$WORK/p.ledger" --full-refresh
        t1=$(now)
        [ "$(pg_sql 'SELECT count(*) FROM neos')" = "$ROWS" ] || fail "postgres: wrong row count"
        ;;
    psql_copy)
        local cols
        cols=$(python3 -c 'import csv, sys; print(", ".join("\"%s\" text" % c for c in next(csv.reader([sys.argv[1]]))))' "$HEADER")
        pg_sql "DROP TABLE IF EXISTS imp; CREATE TABLE imp ($cols)"
        t0=$(now)
        psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
            -c "\\copy imp FROM '$WORK/all.csv' WITH (FORMAT csv, HEADER true)"
        t1=$(now)
        [ "$(pg_sql 'SELECT count(*) FROM imp')" = "$ROWS" ] || fail "psql \\copy: wrong row count"
        ;;
    esac
    T[$1]+="$(echo "$t1 - $t0" | bc -l) "
}
NAMES=(sluice_sqlite sqlite3_import sluice_postgres psql_copy)
for name in "${NAMES[@]}"; do run_one "$name"; done # warm-up, checked
for name in "${NAMES[@]}"; do T[$name]=""; done
for _ in $(seq "$RUNS"); do
    for name in "${NAMES[@]}"; do run_one "$name"; done
done

med() { tr ' ' '\n' <<<"${T[$1]}" | grep . | median; }
rate() { echo "$ROWS / $1" | bc -l | xargs printf '%.0f'; }
out="$ROOT/bench/results/$(date -u +%Y-%m-%d)-db.md"
{
    echo "# Database destinations: $ROWS rows, 314 windows ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "$(nproc) cores, $(uname -r); median of $RUNS runs; sluice at concurrency $CONCURRENCY,"
    echo "the pull from neows-mock on loopback included; the tools load a CSV of the same rows."
    echo
    echo "| destination | sluice (pull + load) | s | rows/s | tool (load only) | s | rows/s | sluice / tool |"
    echo "|---|---|---|---|---|---|---|---|"
    for pair in "SQLite sluice_sqlite sqlite3_import sqlite3\\ .import" "PostgreSQL sluice_postgres psql_copy psql\\ \\\\copy"; do
        read -r label a b tool <<<"$pair"
        ta=$(med "$a") tb=$(med "$b")
        printf '| %s | sluice run | %.2f | %s | %s | %.2f | %s | %.2f× |\n' "$label" "$ta" "$(rate "$ta")" \
            "$tool" "$tb" "$(rate "$tb")" "$(echo "$tb / $ta" | bc -l)"
    done
} | tee "$out"
echo "bench: written to $out" >&2
