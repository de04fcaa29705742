#!/usr/bin/env bash
# Parquet conformance on NeoWs data: (1) two months of 7-day windows of the
# bundled server's generated data, with record_key_as and declared types;
# (2) the five real NeoWs responses (tests/data/neows/), replayed byte for
# byte. Every file is read by DuckDB, arrow-rs (parquet-wasm) and hyparquet
# (tests/conformance/check.mjs) and every row compared with the records of
# the responses the server sent, in order.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/conformance.bash"
DECL=(--column close_approach_data[].relative_velocity.kilometers_per_second=double
      --column close_approach_data[].epoch_date_close_approach=timestamp_ms)

# neos_records.py URL_OR_FILE...: the records of NeoWs responses as sluice selects
# them ($.near_earth_objects.*[*], the day added as feed_date, last), with
# the key redacted in the links as sluice writes every secret.
cat >neos_records.py <<'PY'
import json, sys, urllib.request
for src in sys.argv[1:]:
    if src.startswith("http"):
        body = urllib.request.urlopen(src).read()
    else:
        body = open(src, "rb").read()
    doc = json.loads(body.decode("utf-8"))
    for day, neos in doc["near_earth_objects"].items():
        for neo in neos:
            neo = json.loads(json.dumps(neo).replace("DEMO_KEY", "***"))
            neo["feed_date"] = day
            print(json.dumps(neo, ensure_ascii=False, separators=(",", ":")))
PY

echo "== generated NeoWs, 2020-01-01..2020-02-29 in 7-day windows"
start_mock
write_job job.yaml "$BASE" \
    "columns:" \
    "  close_approach_data[].relative_velocity.kilometers_per_second: double" \
    "  close_approach_data[].epoch_date_close_approach: timestamp_ms"
sed -i 's/\.ndjson"/.parquet"/; s/to: 2025-12-31/to: 2020-02-29/' job.yaml
expect_status 0 "$SLUICE_BIN" run job.yaml
files=(out/neos_*.parquet)
[ ${#files[@]} = 9 ] || fail "expected 9 files, got ${#files[@]}"
urls=()
for f in "${files[@]}"; do
    b=$(basename "$f" .parquet)
    s=${b#neos_}; s=${s%%_*}; e=${b##*_}
    urls+=("$BASE?start_date=$s&end_date=$e&api_key=DEMO_KEY")
done
python3 neos_records.py "${urls[@]}" >expected/neows.ndjson
[ -s expected/neows.ndjson ] || fail "no expected records"
stop_mock # before the check, which may outlast the server's idle timeout
check --expected expected/neows.ndjson "${DECL[@]}" "${files[@]}"

echo "== the five real NeoWs responses"
data="$SLUICE_TEST_DATA/neows"
start_mock --replay "$data" --any-key
for src in "$data"/feed_*.json; do
    base=$(basename "$src" .json)
    s=${base#feed_}; s=${s%%_*}
    e=${base##*_}
    write_job real.yaml "$BASE" \
        "columns:" \
        "  close_approach_data[].relative_velocity.kilometers_per_second: double" \
        "  close_approach_data[].epoch_date_close_approach: timestamp_ms"
    sed -i "s/^name: neows/name: real_$s/; s/\.ndjson\"/.parquet\"/; s/from: 2020-01-01/from: $s/; s/to: 2025-12-31/to: $e/; s/step: 7d/step: 8d/" real.yaml
    expect_status 0 "$SLUICE_BIN" run real.yaml
done
stop_mock
for src in "$data"/feed_*.json; do
    base=$(basename "$src" .json)
    s=${base#feed_}; s=${s%%_*}
    e=${base##*_}
    out="out/neos_${s}_${e}.parquet"
    [ -f "$out" ] || fail "$base: no output $out"
    python3 neos_records.py "$src" >"expected/$base.ndjson"
    check --expected "expected/$base.ndjson" "${DECL[@]}" "$out"
done
echo "ok"
