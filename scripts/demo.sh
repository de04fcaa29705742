#!/usr/bin/env bash
# demo.sh: the offline demo behind `make demo`. Starts the bundled
# NeoWs-compatible server on an ephemeral 127.0.0.1 port, pulls
# 2020-01-01..2025-12-31 in 7-day windows with examples/neows.yaml (into
# Parquet), and stops the server. Output lands in ./data.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sluice="$build/sluice"
mock="$build/neows-mock"

# The server prints "listening on 127.0.0.1:PORT" first; read that line
# rather than guessing when it is ready. It also exits by itself when idle.
coproc MOCK { exec "$mock" --port 0 --idle-timeout 60; }
trap 'kill "$MOCK_PID" 2>/dev/null || true' EXIT
read -r line <&"${MOCK[0]}"
port=${line##*:}
echo "demo: bundled NeoWs-compatible server on 127.0.0.1:$port" >&2

rm -rf data && mkdir -p data
status=0
"$sluice" run examples/neows.yaml \
    --set "source.url=http://127.0.0.1:$port/neo/rest/v1/feed" \
    --set windows.to=2025-12-31 \
    --set "state=$root/data/.sluice/neows.db" \
    --report data/report.json || status=$?

files=$(find data -name 'neos_part_*' -not -name '.*' | wc -l)
cat >&2 <<MSG
demo: $files Parquet files under ./data, every window's result in data/report.json
demo: look inside:
  $sluice cat data/neos_part_2020-01-01_2020-01-07.parquet | head -n 1
  $sluice schema examples/neows.yaml
  $sluice status examples/neows.yaml --set state=$root/data/.sluice/neows.db
demo: query all windows as one table with DuckDB:
  duckdb -c "SELECT feed_date, count(*) AS neos, max(close_approach_data[1].relative_velocity.kilometers_per_second) AS fastest
             FROM read_parquet('data/*.parquet', union_by_name=true) GROUP BY 1 ORDER BY 1 LIMIT 5"
MSG
exit "$status"
