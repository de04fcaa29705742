#!/usr/bin/env bash
# Each run does only what is new, failed or missing; the server's request
# log says exactly which windows each run asked for.
#  - windows failed by a 503 (retry.attempts: 1) and a 400 are asked again
#    by the next run, and only they, and end done with their history;
#  - a run with nothing to do makes no request and exits 0;
#  - a deleted output file is pulled again, and only it;
#  - lookback: 14d re-pulls the windows ending in the last 14 days, every run;
#  - a later `to` adds the new windows and re-pulls the last one, which grew:
#    its old file goes, so no record is in two files;
#  - --window DATE pulls exactly the window holding DATE, done or not;
#  - an edited step or url is refused (exit 3) saying what changed, without
#    a request or a change to the ledger; --full-refresh accepts it;
#  - `sluice pull` keeps a ledger only when given --name.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

start_mock --log req.log --fault '503@start_date=2020-01-08#1' \
    --fault '400@start_date=2020-03-04#1'
write_job job.yaml "$BASE" 'retry: {attempts: 1}'
sed -i 's/to: 2025-12-31/to: 2020-12-31/' job.yaml
N=53

# run JOB_ARGS...: runs sluice, expecting status $want (default 0), and
# leaves the start dates it requested, sorted, in asked.txt.
want=0
run() {
    local base
    base=$(log_count req.log)
    expect_status "$want" "$SLUICE_BIN" run "$@"
    log_dates req.log $((base + 1)) | sort >asked.txt
    [ "$(wc -l <asked.txt)" = "$(($(log_count req.log) - base))" ] ||
        fail "a request without start_date"
    want=0
}
asked() { tr '\n' ' ' <asked.txt | sed 's/ $//'; }
expect_asked() {
    [ "$(asked)" = "$*" ] || fail "requested [$(asked)], expected [$*]"
}

# ---- failed windows are retried by the next run ----------------------------
want=1 run job.yaml
[ "$(wc -l <asked.txt)" = $N ] || fail "first run made $(wc -l <asked.txt) requests"
check_ledger . --windows $N --done $((N - 2)) --failed 2 --only-done-files --no-temp \
    --status 2020-01-08=failed --status 2020-03-04=failed

run job.yaml
expect_asked 2020-01-08 2020-03-04
check_ledger . --windows $N --done $N --only-done-files --no-temp --dump ledger.json
python3 - <<'PY'
import json
t = json.load(open("ledger.json"))
# [status, rows, output, attempts, http, error]
assert t["2020-01-08"][3:] == [2, [503, 200], None], t["2020-01-08"]
assert t["2020-03-04"][3:] == [2, [400, 200], None], t["2020-03-04"]
assert t["2020-01-01"][3:] == [1, [200], None], t["2020-01-01"]
PY

# ---- nothing to do: no request -------------------------------------------
run job.yaml
expect_asked ""
grep -q "$N windows already done" stderr.txt || fail "no word of the skipped windows: $(cat stderr.txt)"

# ---- a deleted file is pulled again ------------------------------------------
rm out/neos_2020-06-10_2020-06-16.ndjson
run job.yaml
expect_asked 2020-06-10
check_ledger . --windows $N --done $N --only-done-files

# ---- lookback: the windows ending in the last 14 days of `to`, every run -----
# to 2020-12-31: 12-16..12-22, 12-23..12-29 and 12-30..12-31 end after 12-17.
echo 'lookback: 14d' >>job.yaml
run job.yaml
expect_asked 2020-12-16 2020-12-23 2020-12-30
run job.yaml
expect_asked 2020-12-16 2020-12-23 2020-12-30
check_ledger . --windows $N --done $N --only-done-files --no-temp
sed -i '/^lookback:/d' job.yaml

# ---- a later `to` adds only the new windows (and the one that grew) ----------
sed -i 's/to: 2020-12-31/to: 2021-01-31/' job.yaml
run job.yaml
expect_asked 2020-12-30 2021-01-06 2021-01-13 2021-01-20 2021-01-27
[ ! -e out/neos_2020-12-30_2020-12-31.ndjson ] || fail "the grown window's old file is still there"
check_ledger . --windows 57 --done 57 --only-done-files --no-temp
"$NEOWS_MOCK" --dump-records 2020-01-01 2021-01-31 | sed 's/DEMO_KEY/***/g' >expected.ndjson
python3 "$E2E_LIB/compare_records.py" expected.ndjson out/*.ndjson
N=57

# ---- --window DATE: that one window, though done ---------------------------
run job.yaml --window 2020-06-15
expect_asked 2020-06-10
want=2 run job.yaml --window 2019-06-15
expect_asked ""
grep -q "no window of the job holds it" stderr.txt || fail "--window outside: $(cat stderr.txt)"

# ---- an edited job is refused, then accepted with --full-refresh -----------
cp job.yaml job.orig
sed -i 's/step: 7d/step: 1d/' job.yaml
cp .sluice/neows.db before.db
want=3 run job.yaml
expect_asked ""
grep -q "windows.step changed from '7 days' to '1 days'" stderr.txt ||
    fail "refusal does not say what changed: $(cat stderr.txt)"
grep -q -- "--full-refresh" stderr.txt || fail "refusal does not name --full-refresh: $(cat stderr.txt)"
python3 - <<'PY'
import sqlite3
def dump(p):
    db = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
    return [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("windows", "fingerprint", "meta")]
assert dump("before.db") == dump(".sluice/neows.db"), "a refused run changed the ledger"
PY

cp job.orig job.yaml
sed -i "s#http://127.0.0.1:$PORT/#http://localhost:$PORT/#" job.yaml
want=3 run job.yaml
expect_asked ""
grep -q "source.url changed from 'http://127.0.0.1:$PORT/neo/rest/v1/feed' to 'http://localhost:$PORT/neo/rest/v1/feed'" stderr.txt ||
    fail "refusal does not say what changed: $(cat stderr.txt)"
run job.yaml --full-refresh
[ "$(wc -l <asked.txt)" = $N ] || fail "--full-refresh made $(wc -l <asked.txt) requests, expected $N"
[ "$(uniq asked.txt | wc -l)" = $N ] || fail "--full-refresh asked a window twice"
run job.yaml
expect_asked ""
check_ledger . --windows $N --done $N --only-done-files --no-temp
python3 "$E2E_LIB/compare_records.py" expected.ndjson out/*.ndjson

# ---- pull: a ledger only with --name ---------------------------------------------
mkdir p && cd p
pull=("$SLUICE_BIN" pull "$BASE" --param 'start_date={start}' --param 'end_date={end}'
    --param api_key=DEMO_KEY --records '$.near_earth_objects.*[*]'
    --from 2020-01-01 --to 2020-01-14 --step 7d --out 'out/{start}.ndjson')
expect_status 0 "${pull[@]}"
[ ! -e .sluice ] || fail "pull without --name made a ledger"
expect_status 0 "${pull[@]}" --name neo
[ -f .sluice/neo.db ] || fail "pull --name neo made no ledger"
expect_status 0 "${pull[@]}" --name neo
grep -q "2 windows already done" "$WORK/stderr.txt" || fail "pull --name did not use its ledger"
echo "ok"
