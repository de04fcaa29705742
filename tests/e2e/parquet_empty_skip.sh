#!/usr/bin/env bash
# Empty windows in Parquet.
#  - output.empty: skip — a window without records is done but writes no
#    file, its result has no output, and the ledger does not take the
#    missing file for a lost one: the next run asks for nothing.
#  - by default an empty window gets a zero-row file with the job's schema;
#    while the job has no schema yet (no record seen) it writes nothing and
#    is pulled again by the next run, which then writes that file.
source "$(dirname "$0")/lib/common.bash"
mkdir replay
echo '{"links":{},"element_count":0,"near_earth_objects":{}}' \
    >replay/feed_2020-01-01_2020-01-07.json
cp "$SLUICE_TEST_DATA/neows/feed_2025-01-01_2025-01-07.json" \
    replay/feed_2020-01-08_2020-01-14.json
start_mock --replay replay --any-key --log req.log
job() { # file empty-mode
    write_job "$1" "$BASE"
    sed -i -e 's/to: 2025-12-31/to: 2020-01-14/' -e 's/^concurrency: 8/concurrency: 1/' \
        -e "s|path: \"out/neos_{start}_{end}.ndjson\"|path: \"out/{start}.parquet\", empty: $2|" "$1"
}
requests() { wc -l <req.log; }

job skip.yaml skip
expect_status 0 "$SLUICE_BIN" run skip.yaml --report r1.json
[ ! -e out/2020-01-01.parquet ] || fail "an empty window wrote a file under skip"
[ -f out/2020-01-08.parquet ] || fail "the window with records wrote no file"
python3 - <<'PY'
import json
w = {x["start"]: x for x in json.load(open("r1.json"))["windows"]}
e = w["2020-01-01"]
assert e["status"] == "done" and e["rows"] == 0 and e["output"] is None, e
assert w["2020-01-08"]["rows"] == 111, w["2020-01-08"]
PY
[ "$(requests)" = 2 ] || fail "expected 2 requests, got $(requests)"
expect_status 0 "$SLUICE_BIN" run skip.yaml
[ "$(requests)" = 2 ] || fail "the skipped window was pulled again"

# Written: the first run meets the empty window before any record (one
# transfer at a time), so there is no schema to write it with yet.
rm -rf out .sluice
job write.yaml write
expect_status 0 "$SLUICE_BIN" run write.yaml
[ ! -e out/2020-01-01.parquet ] || fail "a file was written without a schema"
[ "$(requests)" = 4 ] || fail "expected 4 requests, got $(requests)"
# The next run pulls it again and writes it with the job's schema, 0 rows.
expect_status 0 "$SLUICE_BIN" run write.yaml
[ "$(requests)" = 5 ] || fail "expected exactly the empty window again, got $(requests) requests"
[ -f out/2020-01-01.parquet ] || fail "no zero-row file once the job has a schema"
expect_status 0 "$SLUICE_BIN" cat out/2020-01-01.parquet
[ ! -s stdout.txt ] || fail "zero-row file has rows: $(head -c 200 stdout.txt)"
expect_status 0 "$SLUICE_BIN" cat --schema out/2020-01-01.parquet
grep -q neo_reference_id stdout.txt || fail "zero-row file lacks the job's schema: $(cat stdout.txt)"
expect_status 0 "$SLUICE_BIN" run write.yaml
[ "$(requests)" = 5 ] || fail "a third run made requests"
echo "ok"
