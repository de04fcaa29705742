#!/usr/bin/env bash
# One window answered with NeoWs' 400 ends `failed` with the server's own
# message; every other window is done; the exit status is 1; the failed
# window leaves no file, temporary or final.
source "$(dirname "$0")/lib/common.bash"
start_mock --fault '400@start_date=2020-01-08'
write_job job.yaml "$BASE"
expect_status 1 "$SLUICE_BIN" run job.yaml --report report.json

[ ! -e out/neos_2020-01-08_2020-01-14.ndjson ] || fail "failed window has a file"
n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 313 ] || fail "expected 313 files, got $n"
[ "$(find out -name '.*' | wc -l)" = 0 ] || fail "temporary files left"
grep -q '313 done, 1 failed of 314 windows' stderr.txt || fail "summary: $(cat stderr.txt)"
grep -q '2020-01-08..2020-01-14  HTTP 400: Date Format Exception' stderr.txt ||
    fail "failure not listed with the server's message: $(cat stderr.txt)"

python3 - <<'PY'
import json
w = json.load(open("report.json"))["windows"]
bad = [x for x in w if x["status"] != "done"]
assert len(bad) == 1, bad
b = bad[0]
assert b["start"] == "2020-01-08" and b["status"] == "failed", b
assert b["http_status"] == 400 and b["attempts"] == 1 and b["output"] is None, b
assert "The Feed date limit is only 7 Days" in b["error"], b
PY
echo "ok"
