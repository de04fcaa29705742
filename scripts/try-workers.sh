#!/usr/bin/env bash
# try-workers.sh: one backfill over 4 workers, offline (docs/scale-out.md).
# Starts a throwaway PostgreSQL 15 on 127.0.0.1 for the shared ledger
# (tests/e2e/lib/postgres.bash, the tests' own helper) and the bundled
# NeoWs server limited to 50 requests/s, runs 4 `sluice run --worker`
# processes of examples/neows.yaml (2020-2025, 314 windows) at once, then
# prints how many windows each worker pulled, how many answers were 429
# (the workers share one rate budget: none, or nearly) and `sluice status`
# of the shared ledger; stops both servers (also on Ctrl-C or an error).
# Run as root from the repository, after building into build/ (or
# BUILD=...). Everything goes in a temporary folder.
#   usage: scripts/try-workers.sh
source "$(dirname "$0")/try-lib.bash"
try_setup try-workers
try_start_mock --rate-limit 50/s --hourly-limit 1000000 --log "$WORK/requests.log"

cd "$WORK"
sets=(--set "source.url=http://127.0.0.1:$PORT/neo/rest/v1/feed"
      --set windows.to=2025-12-31 --set "state=$PG_URL"
      --set "output.path=data/neos_{start}_{end}.parquet")
pids=()
for k in 1 2 3 4; do
    "$BUILD/sluice" run "$ROOT/examples/neows.yaml" "${sets[@]}" --worker -q \
        --report "worker$k.json" 2>"worker$k.err" &
    pids+=($!)
done
for k in 1 2 3 4; do
    wait "${pids[$((k - 1))]}" || fail "worker $k: $(tail -n 3 "worker$k.err")"
done
for k in 1 2 3 4; do
    python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("worker %s pulled %d windows" % (sys.argv[2], sum(1 for w in r["windows"] if w.get("status") == "done")))' \
        "worker$k.json" "$k"
done
echo "requests: $(wc -l <requests.log), answered 429: $(awk '$NF == 429' requests.log | wc -l), files: $(ls data | wc -l)"
"$BUILD/sluice" status "$ROOT/examples/neows.yaml" "${sets[@]}"
