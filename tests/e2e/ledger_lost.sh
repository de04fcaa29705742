#!/usr/bin/env bash
# A ledger deleted while a run uses it is noticed: the run stops instead of
# marking windows into a file nobody will read again.
#  - 26 weekly windows at concurrency 1; the server holds the 10th
#    (2020-03-04) until told (hold fault, once, SIGUSR1), so the first 9 are done
#    and recorded when the test deletes the ledger (and its -wal and -shm).
#  - Released, the 10th is published (its file is on disk), its mark finds
#    the ledger gone, and the run stops there: exit 3, a message naming the
#    ledger, saying it was deleted or replaced and what the next run does;
#    no request after the 10th (the next window starts only after the
#    published one is marked: concurrency 1, one commit pending at most).
#  - The next run starts a new ledger and pulls every window.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"
start_mock --fault 'hold@start_date=2020-03-04#1' --log "$WORK/mock.log"
write_job job.yaml "$BASE"
sed -i 's/^windows: .*/windows: {from: 2020-01-01, to: 2020-06-30, step: 7d}/' job.yaml
sed -i 's/^concurrency: 8$/concurrency: 1/' job.yaml

"$SLUICE_BIN" run job.yaml >run.out 2>run.err &
pid=$!
held() {
    alive "$pid" || fail "the run ended early: $(cat run.err)"
    grep -q 'start_date=2020-03-04' mock.log 2>/dev/null
}
wait_for 60 "the run to reach the held window" held
[ "$(log_count mock.log)" = 10 ] || fail "expected 10 requests before the hold, got $(log_count mock.log)"
rm -f .sluice/neows.db .sluice/neows.db-wal .sluice/neows.db-shm
kill -USR1 "$MOCK_PID"
st=0
wait "$pid" || st=$?
[ "$st" = 3 ] || { cat run.err >&2; fail "exit status $st after the ledger was deleted, expected 3"; }
grep -q "ledger .sluice/neows.db was deleted or replaced" run.err ||
    { cat run.err >&2; fail "no message naming the lost ledger"; }
grep -q "next run" run.err || fail "the message does not say what the next run does"
[ "$(log_count mock.log)" = 10 ] || fail "$(log_count mock.log) requests: the run went on after losing its ledger"
[ -s out/neos_2020-03-04_2020-03-10.ndjson ] || fail "the released window's file is missing"
[ -z "$(find out -name '*.sluice-tmp-*')" ] || fail "temporary files left"

expect_status 0 "$SLUICE_BIN" run job.yaml --report again.json
python3 -c '
import json; s = json.load(open("again.json"))["summary"]
assert s["done"] == 26 and s["skipped"] == 0, s' || fail "the next run did not pull every window"
check_ledger . --done 26
echo "ok: the lost ledger stopped the run; the next one pulled everything"
