#!/usr/bin/env bash
# Backpressure (pipeline/run.c, committer.c): finished windows waiting to be
# published are bounded, so a slow disk or CPU pushes back on the network
# instead of growing memory. SLUICE_TEST_HOLD_COMMITS=1 (debug builds)
# holds every commit until the loop has been held back once by `concurrency`
# pending windows: no sleep, no timing. The run's summary must show the
# hold (commit_holds), a pending count that reached the bound and stayed
# within it (commits_pending_max: at most concurrency waiting when the loop
# stops starting, plus the transfers then in flight), every window done,
# and the same files as a run without the hook.
source "$(dirname "$0")/lib/common.bash"
start_mock

for mode in held free; do
    mkdir -p "$mode"
    write_job "$mode/job.yaml" "$BASE" "workers: 2"
    sed -i 's/\.ndjson"/.parquet"/; s/to: 2025-12-31/to: 2020-06-30/; s/^concurrency: .*/concurrency: 3/' \
        "$mode/job.yaml"
    if [ "$mode" = held ]; then
        (cd "$mode" && export SLUICE_TEST_HOLD_COMMITS=1 &&
            expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json)
    else
        (cd "$mode" && expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json)
    fi
done
python3 - <<'PY'
import json
s = json.load(open("held/report.json"))["summary"]
assert s["done"] == 26 and s["failed"] == 0, s
assert s["workers"] == 2, s
assert s["commit_holds"] >= 1, f"the loop was never held back: {s}"
# concurrency 3: held at 3 pending, plus at most the 3 transfers in flight
assert 3 <= s["commits_pending_max"] <= 6, s
f = json.load(open("free/report.json"))["summary"]
assert f["done"] == 26, f
print("held:", s["commit_holds"], "holds, at most", s["commits_pending_max"], "pending")
PY
for f in free/out/neos_*.parquet free/out/.sluice-schema-neows.json; do
    cmp -s "$f" "held/out/${f#free/out/}" || fail "held and free runs differ: ${f#free/out/}"
done
echo "backpressure: OK"
