#!/usr/bin/env bash
# mock_throughput.sh: how fast neows-mock serves weekly NeoWs pages, so that
# benchmarks of sluice know the server is not their bottleneck. Starts the
# server, warms its cache with one pass over WINDOWS weekly windows (8 day
# keys each, from 2020-01-01), then runs wrk with keep-alive rotating over
# those windows, plain and gzip. Needs wrk (apt-get install wrk).
#   usage: bench/mock_throughput.sh [path/to/neows-mock]
#   env:   WINDOWS (314) DURATION (5s) CONNS (32) THREADS (2)
set -euo pipefail

MOCK=${1:-${NEOWS_MOCK:-build/neows-mock}}
WINDOWS=${WINDOWS:-314}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }

TMP=$(mktemp -d)
PID=
cleanup() {
    [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    rm -rf "$TMP"
}
trap cleanup EXIT

mkfifo "$TMP/port"
"$MOCK" --port 0 --idle-timeout 60 --hourly-limit 2000000000 >"$TMP/port" &
PID=$!
exec {fd}<"$TMP/port"
read -r -t 20 line <&"$fd"
PORT=${line##*:}

cat >"$TMP/rotate.lua" <<LUA
-- Rotates over $WINDOWS weekly windows; each wrk thread starts elsewhere.
local base = os.time({year = 2020, month = 1, day = 1, hour = 12})
local paths = {}
for k = 0, $WINDOWS - 1 do
  local s = os.date("!%Y-%m-%d", base + k * 7 * 86400)
  local e = os.date("!%Y-%m-%d", base + (k * 7 + 7) * 86400)
  paths[#paths + 1] = "/neo/rest/v1/feed?start_date=" .. s ..
      "&end_date=" .. e .. "&api_key=DEMO_KEY"
end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

URL="http://127.0.0.1:$PORT"
# Warm-up: generate (and gzip) every window once.
urls=$(for k in $(seq 0 $((WINDOWS - 1))); do
    s=$(date -u -d "2020-01-01 + $((k * 7)) days" +%F)
    e=$(date -u -d "2020-01-01 + $((k * 7 + 7)) days" +%F)
    echo "$URL/neo/rest/v1/feed?start_date=$s&end_date=$e&api_key=DEMO_KEY"
done)
start=$(date +%s.%N)
for u in $urls; do echo "url = \"$u\""; echo "output = /dev/null"; done >"$TMP/curl.cfg"
curl -s --parallel --parallel-max 8 -K "$TMP/curl.cfg" 2>/dev/null
curl -s -H 'Accept-Encoding: gzip' --parallel --parallel-max 8 -K "$TMP/curl.cfg" 2>/dev/null
end=$(date +%s.%N)
size=$(curl -s "$URL/neo/rest/v1/feed?start_date=2020-01-01&end_date=2020-01-08&api_key=DEMO_KEY" | wc -c)
gzsize=$(curl -s -H 'Accept-Encoding: gzip' "$URL/neo/rest/v1/feed?start_date=2020-01-01&end_date=2020-01-08&api_key=DEMO_KEY" | wc -c)
echo "warm-up: $WINDOWS windows generated and gzipped in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s;" \
     "one page: $size bytes, $gzsize gzipped"

echo "== plain, $WINDOWS rotating windows"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$TMP/rotate.lua" "$URL" | grep -E 'Requests/sec|Transfer/sec|requests in'
echo "== gzip, $WINDOWS rotating windows"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s "$TMP/rotate.lua" -H 'Accept-Encoding: gzip' "$URL" | grep -E 'Requests/sec|Transfer/sec|requests in'
