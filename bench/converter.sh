#!/usr/bin/env bash
# converter.sh: sluice's converter (JSON bytes in memory -> zstd Parquet,
# bench/bench_parquet.c, one core) against DuckDB's read_json -> COPY ...
# (FORMAT parquet, COMPRESSION zstd) with SET threads=1, on the same bytes,
# in one run. Not a test: nothing asserts a time.
#
#   bench/converter.sh [--runs N] [--window-records K] [--no-build]
#
# Builds the Release library and bench_parquet in $BUILD (build-bench),
# dumps `neows-mock --dump-records $FROM $TO` (44.2 MB of NDJSON for
# 2020-01-01..2025-12-31), then N times (default 5), alternating:
#   - sluice, the whole file as one window (it spills the spool);
#   - DuckDB (@duckdb/node-api, pinned in tests/conformance) on that file;
#   - sluice, the file cut into windows of K records, one sink open/commit
#     each: the pipeline's common case, a ~140 KB NeoWs week (K defaults to
#     the record count of 140 KB).
# Prints the median MB/s of each (JSON bytes in over the conversion's wall;
# DuckDB's is its COPY statement's), the ratio to DuckDB, output sizes and
# peak RSS (/usr/bin/time; DuckDB's is the node process's), and writes
# them to bench/results/<date>-converter.md (RESULT_NAME=NAME: NAME.md, for
# a second run the same day). The output goes to a tmpfs
# (/dev/shm) when there is one, so the disk is not measured.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-5}
WINDOW_RECORDS=${WINDOW_RECORDS:-}
BUILD_FIRST=1
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --window-records) WINDOW_RECORDS=$2; shift 2 ;;
    --no-build) BUILD_FIRST=0; shift ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "converter: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "converter: --runs must be a positive number" >&2; exit 2; }
[[ -x /usr/bin/time ]] || bench_need /usr/bin/time time
CONF=$ROOT/tests/conformance
[[ -d $CONF/node_modules/@duckdb/node-api ]] ||
    { echo "converter: $CONF/node_modules lacks @duckdb/node-api (npm ci there)" >&2; exit 1; }

BENCH_BIN=$BUILD/bench_parquet
if [[ $BUILD_FIRST == 1 ]]; then
    echo "converter: Release build in $BUILD" >&2
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 --target neows-mock sluice_static >/dev/null
    # shellcheck disable=SC2046
    cc -O2 -std=c17 -D_GNU_SOURCE -I"$ROOT/lib" -I"$ROOT/include" -I"$BUILD/include" \
        "$ROOT/bench/bench_parquet.c" "$BUILD/libsluice.a" \
        $(pkg-config --libs libzstd snappy zlib libcurl yaml-0.1 sqlite3 libpq) \
        -lm -lpthread -o "$BENCH_BIN"
fi
[[ -x $BENCH_BIN && -x $MOCK ]] || { echo "converter: $BENCH_BIN or $MOCK missing" >&2; exit 1; }

SCRATCH=${TMPDIR:-/tmp}
[[ -d /dev/shm && -w /dev/shm ]] && SCRATCH=/dev/shm
WORK=$(mktemp -d "$SCRATCH/sluice-converter.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
NDJSON=$WORK/neos.ndjson
"$MOCK" --dump-records "$FROM" "$TO" >"$NDJSON"
BYTES=$(stat -c %s "$NDJSON")
LINES=$(wc -l <"$NDJSON")
[[ -n $WINDOW_RECORDS ]] || WINDOW_RECORDS=$(( LINES * 140000 / BYTES ))
(( WINDOW_RECORDS > 0 )) || WINDOW_RECORDS=1
echo "converter: $BYTES bytes, $LINES records; windows of $WINDOW_RECORDS records" >&2

SAMPLES=$WORK/samples.tsv
: >"$SAMPLES"
# sluice_run label window_records: one timed bench_parquet run, appended to
# SAMPLES as label, MB/s, output bytes, peak RSS KiB.
sluice_run() {
    local out=$WORK/out-$1 line mbs outb rss
    rm -rf "$out"; mkdir -p "$out"
    /usr/bin/time -f 'RSS %M' -o "$WORK/time" "$BENCH_BIN" "$NDJSON" "$out" 1 "$2" >"$WORK/stdout"
    mbs=$(sed -n 's/^\([0-9.]*\) MB\/s.*/\1/p' "$WORK/stdout")
    outb=$(sed -n 's/.*, \([0-9.]*\) MB Parquet out/\1/p' "$WORK/stdout")
    rss=$(sed -n 's/^RSS //p' "$WORK/time")
    printf '%s\t%s\t%s\t%s\n' "$1" "$mbs" "$outb" "$rss" >>"$SAMPLES"
}
duckdb_run() {
    local out=$WORK/duck.parquet secs rss
    rm -f "$out"
    (cd "$CONF" && /usr/bin/time -f 'RSS %M' -o "$WORK/time" \
        node "$ROOT/bench/duckdb_convert.mjs" "$NDJSON" "$out" >"$WORK/stdout")
    secs=$(sed -n 's/^seconds //p' "$WORK/stdout")
    rss=$(sed -n 's/^RSS //p' "$WORK/time")
    printf 'duckdb\t%s\t%s\t%s\n' \
        "$(awk -v b="$BYTES" -v s="$secs" 'BEGIN{printf "%.1f", b/1e6/s}')" \
        "$(awk -v b="$(stat -c %s "$out")" 'BEGIN{printf "%.1f", b/1e6}')" "$rss" >>"$SAMPLES"
}

for ((i = 1; i <= RUNS; i++)); do
    echo "converter: run $i/$RUNS" >&2
    sluice_run sluice-one-window 0
    duckdb_run
    sluice_run sluice-windows "$WINDOW_RECORDS"
done

mkdir -p "$ROOT/bench/results"
RESULT=$ROOT/bench/results/${RESULT_NAME:-$(date -u +%Y-%m-%d)-converter}.md # RESULT_NAME: another name
python3 - "$SAMPLES" "$BYTES" "$LINES" "$WINDOW_RECORDS" "$RUNS" "$(nproc)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" >"$WORK/table.md" <<'PY'
import statistics, sys
samples, nbytes, lines, k, runs, cpus, model, commit = sys.argv[1:]
rows = {}
for line in open(samples, encoding="utf-8"):
    label, mbs, outb, rss = line.rstrip("\n").split("\t")
    r = rows.setdefault(label, {"mbs": [], "out": [], "rss": []})
    r["mbs"].append(float(mbs)); r["out"].append(float(outb)); r["rss"].append(int(rss))
duck = statistics.median(rows["duckdb"]["mbs"])
names = {"sluice-one-window": "sluice, one window (spills the spool)",
         "duckdb": "DuckDB read_json -> COPY parquet zstd, threads=1",
         "sluice-windows": f"sluice, windows of {k} records (one open/commit each)"}
print(f"Converter, JSON in memory -> zstd Parquet, one thread each: "
      f"{int(nbytes)/1e6:.1f} MB, {lines} records, medians of {runs} alternating runs; "
      f"{cpus} cores, {model}; commit {commit}.\n")
print("| who | MB/s (min-max) | x DuckDB | Parquet out | peak RSS |")
print("|---|---:|---:|---:|---:|")
for label in ("sluice-one-window", "duckdb", "sluice-windows"):
    r = rows[label]
    m = statistics.median(r["mbs"])
    print(f"| {names[label]} | {m:.1f} ({min(r['mbs']):.1f}-{max(r['mbs']):.1f}) | "
          f"{m/duck:.2f} | {statistics.median(r['out']):.1f} MB | "
          f"{max(r['rss'])/1024:.0f} MiB |")
print("\nDuckDB's RSS is its node process's (node itself is ~45 MiB of it).")
PY
{ echo "# Converter benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"; echo
  echo "bench/converter.sh --runs $RUNS --window-records $WINDOW_RECORDS"
  echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); wall-clock MB/s on a shared"
  echo "machine move with it, the ratios less)"; echo
  cat "$WORK/table.md"; } >"$RESULT"
cat "$WORK/table.md"
echo "converter: wrote $RESULT" >&2
