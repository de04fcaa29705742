#!/usr/bin/env bash
# A 200 whose records are not where source.records says is a failed window,
# never "done, 0 rows": five replayed windows answer with an error object, an
# empty container, real records, a null container and a container of the
# wrong type. The error object, the null and the wrong type fail after one
# attempt each, naming what the response held; the empty one is done with 0
# rows; the exit status is 1; a rerun asks for exactly the failed ones again.
# source.allow_missing: true makes the absent and the null container 0 rows
# (not the wrong type), in a job file and as `pull --allow-missing`.
source "$(dirname "$0")/lib/common.bash"
mkdir replay
echo '{"error":{"code":"API_KEY_INVALID","message":"nope"},"message":"denied"}' \
    >replay/feed_2020-01-01_2020-01-07.json
echo '{"links":{},"element_count":0,"near_earth_objects":{}}' \
    >replay/feed_2020-01-08_2020-01-14.json
cp "$SLUICE_TEST_DATA/neows/feed_2025-01-01_2025-01-07.json" \
    replay/feed_2020-01-15_2020-01-21.json
echo '{"links":{},"element_count":0,"near_earth_objects":null}' \
    >replay/feed_2020-01-22_2020-01-28.json
echo '{"near_earth_objects":{"2020-01-29":[],"2020-01-30":"none"}}' \
    >replay/feed_2020-01-29_2020-02-04.json
start_mock --replay replay --any-key --log req.log
write_job job.yaml "$BASE" 'retry: {base: 50ms}'
sed -i -e 's/to: 2025-12-31/to: 2020-02-04/' job.yaml
requests() { grep -c "start_date=$1" req.log || true; }

expect_status 1 "$SLUICE_BIN" run job.yaml --report r1.json
grep -q '2 done, 3 failed of 5 windows' stderr.txt || fail "summary: $(cat stderr.txt)"
python3 - <<'PY'
import json
w = {x["start"]: x for x in json.load(open("r1.json"))["windows"]}
p = "records path $.near_earth_objects.*[*]: "
want = {
    "2020-01-01": p + '$.near_earth_objects absent; the response holds keys "error", "message"',
    "2020-01-22": p + '$.near_earth_objects is null; the response holds keys "links", "element_count", "near_earth_objects"',
    "2020-01-29": p + "$.near_earth_objects['2020-01-30'] is a string, not an object or an array; the response holds key \"near_earth_objects\"",
}
for day, msg in want.items():
    x = w[day]
    assert x["status"] == "failed" and x["error"] == msg, (x, msg)
    assert x["attempts"] == 1 and x["statuses"] == [200], x
    assert x["output"] is None and x["rows"] == 0, x
e = w["2020-01-08"]
assert e["status"] == "done" and e["rows"] == 0, e
assert w["2020-01-15"]["status"] == "done" and w["2020-01-15"]["rows"] == 111, w["2020-01-15"]
PY
for d in 2020-01-01 2020-01-22 2020-01-29; do
    [ ! -e "out/neos_${d}_"*.ndjson ] || fail "failed window $d has a file"
    [ "$(requests "$d")" = 1 ] || fail "window $d was retried: $(requests "$d") requests"
done
[ -f out/neos_2020-01-08_2020-01-14.ndjson ] && [ ! -s out/neos_2020-01-08_2020-01-14.ndjson ] ||
    fail "the empty window has no empty file"
[ "$(find out -name '.*' | wc -l)" = 0 ] || fail "temporary files left"

# The next run pulls exactly the failed windows again.
expect_status 1 "$SLUICE_BIN" run job.yaml --report r2.json
for d in 2020-01-01 2020-01-22 2020-01-29; do
    [ "$(requests "$d")" = 2 ] || fail "failed window $d not pulled again"
done
for d in 2020-01-08 2020-01-15; do
    [ "$(requests "$d")" = 1 ] || fail "done window $d pulled again"
done

# allow_missing: absent and null are 0 rows; the wrong type still fails.
expect_status 1 "$SLUICE_BIN" run job.yaml --set source.allow_missing=true --report r3.json
python3 - <<'PY'
import json
w = {x["start"]: x for x in json.load(open("r3.json"))["windows"]}
assert set(w) == {"2020-01-01", "2020-01-22", "2020-01-29"}, sorted(w)
for day in ("2020-01-01", "2020-01-22"):
    assert w[day]["status"] == "done" and w[day]["rows"] == 0, w[day]
assert w["2020-01-29"]["status"] == "failed", w["2020-01-29"]
assert "is a string, not an object or an array" in w["2020-01-29"]["error"], w["2020-01-29"]
PY
[ -f out/neos_2020-01-01_2020-01-07.ndjson ] || fail "allowed missing window has no file"

# The same through pull's flag.
for flag in "" --allow-missing; do
    want=1
    [ -n "$flag" ] && want=0
    expect_status "$want" "$SLUICE_BIN" pull "$BASE" \
        --param start_date={start} --param end_date={end} --param api_key=K \
        --from 2020-01-01 --to 2020-01-07 --step 7d \
        --records '$.near_earth_objects.*[*]' --out 'pull/{start}.ndjson' $flag
done
grep -q 'near_earth_objects absent' "$WORK/stderr.txt" && fail "pull --allow-missing still failed"
[ -f pull/2020-01-01.ndjson ] || fail "pull --allow-missing wrote no file"
echo "ok"
