#!/usr/bin/env bash
# json_throughput.sh: JSON parse throughput of sluice's reader (and reader +
# record selector) in MB/s on one core, with bench/bench_json.c linked against
# the Release static library build-bench/libsluice.a and its pkg-config deps.
# For scale, Python's json.loads on the same pages is timed too.
# Input: a folder of NeoWs pages (*.json); without one, the 314 weekly pages
# 2020-01-01..2025-12-31 are fetched from a fresh neows-mock.
#
#   usage: bench/json_throughput.sh [--no-build] [JSON_DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BUILD_FIRST=1
if [[ ${1:-} == --no-build ]]; then
    BUILD_FIRST=0
    shift
fi
DIR=${1:-}
[[ $BUILD_FIRST == 1 ]] && bench_build

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-json.XXXXXX")
trap 'bench_stop_mocks; rm -rf "$WORK"' EXIT

if [[ -z $DIR ]]; then
    bench_start_mock
    DIR=$WORK/json
    mkdir -p "$DIR"
    bench_curl_config "$MOCK_URL" "$DIR" "$WORK/curl.cfg"
    curl --parallel --parallel-max 8 --no-progress-meter -f -K "$WORK/curl.cfg"
    bench_stop_mocks
fi

# The internal sluice__ symbols are hidden only for the shared library; the
# static archive links them.
cc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -I"$ROOT/lib" -I"$ROOT/include" \
    -I"$BUILD/include" "$ROOT/bench/bench_json.c" "$BUILD/libsluice.a" \
    $(pkg-config --libs libcurl yaml-0.1 libzstd zlib snappy sqlite3) -lpthread -lm \
    -o "$WORK/bench_json"

files=("$DIR"/*.json)
echo "${#files[@]} pages, $(cat "${files[@]}" | wc -c) bytes"
"$WORK/bench_json" "${files[@]}"
python3 - "${files[@]}" <<'PY'
import json, sys, time
pages = [open(p, "rb").read() for p in sys.argv[1:]]
n = sum(len(p) for p in pages)
t0 = time.perf_counter(); it = 0
while True:
    for p in pages:
        json.loads(p)
    it += 1
    t1 = time.perf_counter()
    if t1 - t0 >= 1.0:
        break
print(f"{'python json.loads':<26} {n * it / 1e6 / (t1 - t0):8.1f} MB/s  "
      f"({n} bytes x {it} in {t1 - t0:.2f} s)")
PY
