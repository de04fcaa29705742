#!/usr/bin/env bash
# --report is published like every output (sink/publish.c): a hidden
# temporary file beside it, fsynced, renamed, the folder fsynced.
#  - While a run is going, and after it is killed with SIGKILL mid-run
#    (a window held by the server), the report's name still holds the
#    previous run's complete report, byte for byte; what the killed run
#    left is one hidden temporary file named by util/fs.h's rule
#    (".r.json.sluice-tmp-neows.<its pid>.<16 hex>"), never a visible one.
#  - The next run of the job sweeps it (the report's folder is swept with
#    the output folders): after that run, which has a failed window, the
#    folder holds the report alone, and the report is complete.
#  - An interrupted run (SIGINT, its held transfer abandoned after
#    --grace) publishes its report and leaves no temporary file either.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

# 2020-01-15 is held once (its client is killed); 2020-02-05 fails with a
# 400 (not retried); 2021-01-15 (the second job) is held every time.
start_mock --fault 'hold@start_date=2020-01-15#1' --fault '400@start_date=2020-02-05' \
    --fault 'hold@start_date=2021-01-15' --log "$WORK/mock.log"
write_job job.yaml "$BASE"
sed -i 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-02-25, step: 7d}/' job.yaml
sed -i 's/^concurrency: 8$/concurrency: 1/' job.yaml
mkdir reports

# only_report DIR: DIR holds r.json and nothing else (hidden files counted).
only_report() {
    [ "$(ls -A "$1")" = "r.json" ] || fail "$1 holds more than the report: $(ls -A "$1")"
}

# A first, complete report.
expect_status 0 "$SLUICE_BIN" run job.yaml --window 2020-01-01 --report reports/r.json
only_report reports
cp reports/r.json prev.json

"$SLUICE_BIN" run job.yaml --report reports/r.json >run.out 2>run.err &
pid=$!
held() {
    alive "$pid" || fail "the run ended early: $(cat run.err)"
    grep -q 'start_date=2020-01-15' mock.log 2>/dev/null
}
wait_for 60 "the run to reach the held window" held
cmp -s reports/r.json prev.json || fail "the report changed while the run was going"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true

cmp -s reports/r.json prev.json || fail "after kill -9 the report is not the previous one"
left=$(ls -A reports | grep -vx 'r.json' || true)
[ -n "$left" ] || fail "the killed run left no temporary file (was the report written at all?)"
[ "$(printf '%s\n' "$left" | wc -l)" = 1 ] || fail "more than one temporary file: $left"
[[ $left =~ ^\.r\.json\.sluice-tmp-neows\.$pid\.[0-9a-f]{16}$ ]] ||
    fail "the killed run's temporary file is not hidden and named by the rule: $left"

# The next run sweeps it and publishes a whole report (one window failed).
expect_status 1 "$SLUICE_BIN" run job.yaml --report reports/r.json
only_report reports
python3 - reports/r.json <<'PY' || fail "the report after the sweep: $(cat reports/r.json)"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert r["job"] == "neows", r["job"]
assert s["outcome"] == "some_failed", s
# the killed run may have recorded 2020-01-08 or not yet (its file is
# published while the next window is pulled)
assert s["failed"] == 1 and s["skipped"] in (1, 2), s
assert s["done"] + s["failed"] + s["skipped"] == 8, s
assert len(r["windows"]) == s["windows"] == s["done"] + s["failed"], s
bad = [w for w in r["windows"] if w["status"] == "failed"]
assert [w["start"] for w in bad] == ["2020-02-05"], bad
PY

# An interrupted run: published, nothing left beside it.
mkdir second second/reports
write_job second/job.yaml "$BASE"
sed -i 's/^windows: .*/windows: {from: 2021-01-01, to: 2021-02-25, step: 7d}/' second/job.yaml
sed -i 's/^concurrency: 8$/concurrency: 1/' second/job.yaml
(cd second && exec "$SLUICE_BIN" run job.yaml --grace 1 --report reports/r.json) >second/run.out 2>second/run.err &
pid=$!
held2() {
    alive "$pid" || fail "the second run ended early: $(cat second/run.err)"
    grep -q 'start_date=2021-01-15' mock.log 2>/dev/null
}
wait_for 60 "the second run to reach its held window" held2
kill -INT "$pid" # the held transfer is abandoned after --grace
st=0
wait "$pid" || st=$?
[ "$st" = 130 ] || fail "interrupted run: exit status $st: $(cat second/run.err)"
only_report second/reports
python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["summary"]
assert s["outcome"] == "interrupted", s' second/reports/r.json ||
    fail "interrupted run's report: $(cat second/reports/r.json)"
echo "ok: the report is published atomically; a killed run's temporary file is hidden and swept"
