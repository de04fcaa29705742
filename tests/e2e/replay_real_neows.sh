#!/usr/bin/env bash
# The five real NeoWs responses, replayed byte for byte by the bundled
# server and pulled through a one-window job each: the records written are
# the source files' records, one for one, in order, each with its day.
source "$(dirname "$0")/lib/common.bash"
data="$SLUICE_TEST_DATA/neows"
start_mock --replay "$data" --any-key
for f in "$data"/feed_*.json; do
    base=$(basename "$f" .json)
    s=${base#feed_}; s=${s%%_*}
    e=${base##*_}
    rm -rf out
    expect_status 0 "$SLUICE_BIN" pull "$BASE" \
        --param start_date={start} --param end_date={end} --param api_key=DEMO_KEY \
        --from "$s" --to "$e" --step 8d \
        --records '$.near_earth_objects.*[*]' --record-key-as feed_date \
        --out 'out/neos_{start}_{end}.ndjson'
    out="out/neos_${s}_${e}.ndjson"
    [ -f "$out" ] || fail "$base: no output $out"
    python3 - "$f" "$out" <<'PY'
import json, sys
src = json.load(open(sys.argv[1], encoding="utf-8"))
want = []
for day, neos in src["near_earth_objects"].items():
    for neo in neos:
        # the key in links.self is written redacted, as every secret
        neo = json.loads(json.dumps(neo).replace("DEMO_KEY", "***"))
        neo["feed_date"] = day
        want.append(neo)
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(want) == src["element_count"] == len(got), (len(want), len(got))
for i, (a, b) in enumerate(zip(want, got)):
    assert a == b, f"record {i} differs"
    assert list(a) == list(b), f"record {i}: key order differs"
print(f"{sys.argv[1].rsplit('/',1)[1]}: {len(got)} records match")
PY
done
echo "ok"
