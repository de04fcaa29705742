#!/usr/bin/env bash
# A canary API key, given through the environment, appears nowhere: not on
# stdout or stderr (even at -vv, where every request URL is logged), not in
# the report, the plan, an error message or any file written.
source "$(dirname "$0")/lib/common.bash"
canary="CANARY-$RANDOM$RANDOM-k3y"
export API_KEY=$canary
start_mock --keys "$canary" --fault '400@start_date=2020-01-08' --fault '503@start_date=2020-01-15'
write_job job.yaml "$BASE"
expect_status 1 "$SLUICE_BIN" run job.yaml --limit 20 -v -v --report report.json
cat stdout.txt stderr.txt >all-output
expect_status 0 "$SLUICE_BIN" plan job.yaml --limit 5
cat stdout.txt stderr.txt >>all-output
grep -q '\*\*\*' all-output || fail "expected redacted URLs in the output"
grep -q 'GET http://127.0.0.1' all-output || fail "expected -vv to log request URLs"

if grep -rl -- "$canary" all-output report.json out; then
    fail "the canary key leaked"
fi
# and the canary really was used: the server accepted it
n=$(find out -name 'neos_*.ndjson' | wc -l)
[ "$n" = 18 ] || fail "expected 18 files, got $n"
echo "ok"
