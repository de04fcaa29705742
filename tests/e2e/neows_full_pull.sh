#!/usr/bin/env bash
# The founding case end to end: 2020-01-01..2025-12-31 in 7-day windows
# against the bundled server gives 314 files (the last the single day
# 2025-12-31) holding exactly the records the server generated.
source "$(dirname "$0")/lib/common.bash"
start_mock
write_job job.yaml "$BASE"
expect_status 0 "$SLUICE_BIN" run job.yaml --report report.json

n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 314 ] || fail "expected 314 files, got $n"
[ -f out/neos_2025-12-31_2025-12-31.ndjson ] || fail "last window is not the single day 2025-12-31"
[ -f out/neos_2020-01-01_2020-01-07.ndjson ] || fail "first window missing"
leftover=$(find out -name '.*' | wc -l)
[ "$leftover" = 0 ] || fail "temporary files left: $leftover"

# The server echoes the key (DEMO_KEY, the job's ${API_KEY:-DEMO_KEY}) in
# every object's links.self; sluice writes it redacted, as every secret.
"$NEOWS_MOCK" --dump-records 2020-01-01 2025-12-31 | sed 's/DEMO_KEY/***/g' >expected.ndjson
grep -q 'api_key=\*\*\*' out/neos_2020-01-01_2020-01-07.ndjson || fail "links not redacted"
python3 "$E2E_LIB/compare_records.py" expected.ndjson out/*.ndjson

python3 - <<'PY'
import json
r = json.load(open("report.json"))
w = r["windows"]
assert len(w) == 314, len(w)
assert all(x["status"] == "done" and x["http_status"] == 200 and x["attempts"] == 1 for x in w)
assert r["summary"]["done"] == 314 and r["summary"]["failed"] == 0
rows = sum(x["rows"] for x in w)
assert rows == r["summary"]["rows"] and rows > 314 * 80, rows
assert all(x["output"].startswith("out/neos_") for x in w)
PY
grep -q '314 done, 0 failed of 314 windows' stderr.txt || fail "summary missing: $(cat stderr.txt)"
echo "ok"
