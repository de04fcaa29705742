#!/usr/bin/env bash
# The parse workers (pipeline/parse_pool.c) read 2xx bodies off the loop's
# thread; a slot's queue of unread bytes is bounded (32 KiB), past which the
# loop pauses that transfer and resumes it once a worker took the queue, so a
# CPU slower than the network holds the network back. SLUICE_TEST_HOLD_PARSE=1
# (debug builds) keeps every worker from reading until a transfer was paused:
# no sleep, no timing. Every NeoWs week is ~140 KB, so each transfer must fill
# its queue and pause before it can end. The held run's summary must show
# pauses and the parse threads, every window done, the same bytes in as the
# free run (a paused write is given again: counted once), each window's NDJSON lines
# exactly the records the server sent for it (nothing lost or doubled where a
# transfer paused and resumed), and the same files, NDJSON and Parquet, as a
# run without the hook.
source "$(dirname "$0")/lib/common.bash"
start_mock

for fmt in ndjson parquet; do
    for mode in held free; do
        d=$fmt-$mode
        mkdir -p "$d"
        write_job "$d/job.yaml" "$BASE" "workers: 2"
        sed -i "s/\.ndjson\"/.$fmt\"/; s/to: 2025-12-31/to: 2020-06-30/; s/^concurrency: .*/concurrency: 3/" \
            "$d/job.yaml"
        if [ "$mode" = held ]; then
            (cd "$d" && export SLUICE_TEST_HOLD_PARSE=1 &&
                expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json)
        else
            (cd "$d" && expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json)
        fi
    done
done
(cd ndjson-held && "$SLUICE_BIN" plan -q job.yaml) >plan.tsv

BASE="$BASE" python3 - <<'PY'
import json, os, urllib.request
for fmt in ("ndjson", "parquet"):
    s = json.load(open(f"{fmt}-held/report.json"))["summary"]
    assert s["done"] == 26 and s["failed"] == 0, s
    assert s["parse_threads"] == 2, s
    assert s["body_pauses"] >= 1, f"no transfer was ever paused: {s}"
    f = json.load(open(f"{fmt}-free/report.json"))["summary"]
    assert f["done"] == 26 and f["parse_threads"] == 2, f
    # a paused write is given again by libcurl: counted once
    assert s["bytes_in"] == f["bytes_in"] and s["rows"] == f["rows"], (s, f)
    held = {w["start"]: w["bytes_in"] for w in json.load(open(f"{fmt}-held/report.json"))["windows"]}
    free = {w["start"]: w["bytes_in"] for w in json.load(open(f"{fmt}-free/report.json"))["windows"]}
    assert held == free and len(held) == 26, (held, free)
    print(fmt, "held:", s["body_pauses"], "pauses")
# Each window's records, as the server gives them, against the held run's
# lines (the plan's URLs, the key put back).
n_windows = 0
for line in open("plan.tsv"):
    _, start, end, url = line.rstrip("\n").split("\t")[:4]
    url = url.replace("api_key=***", "api_key=DEMO_KEY")
    body = json.load(urllib.request.urlopen(url))
    want = sum(len(v) for v in body["near_earth_objects"].values())
    path = f"ndjson-held/out/neos_{start}_{end}.ndjson"
    rows = [json.loads(l) for l in open(path)]
    assert len(rows) == want, (path, len(rows), want)
    ids = sorted(r["id"] for r in rows)
    assert ids == sorted(o["id"] for v in body["near_earth_objects"].values() for o in v), path
    n_windows += 1
assert n_windows == 26, n_windows
PY
for fmt in ndjson parquet; do
    n=0
    for f in "$fmt-free"/out/neos_*."$fmt"; do
        cmp -s "$f" "$fmt-held/out/${f#$fmt-free/out/}" ||
            fail "held and free runs differ: $f"
        n=$((n + 1))
    done
    [ "$n" -eq 26 ] || fail "$fmt: $n files, not 26"
done
cmp -s parquet-free/out/.sluice-schema-neows.json parquet-held/out/.sluice-schema-neows.json ||
    fail "held and free runs differ: the schema file"
echo "parse_backpressure: OK"
