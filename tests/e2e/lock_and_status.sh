#!/usr/bin/env bash
# One run per job, and `sluice status` during and after runs.
#  - while a run holds the job (its last window is never answered: timeout
#    fault), a second run of the job refuses with exit 3 naming the holder's
#    pid, makes no request and leaves the ledger as it was;
#  - `sluice status` (text and --json) during that run: a run is going (its
#    pid), done through the day before the first failed window, counts by
#    status, each failed window with its reason and attempts, the run as
#    `running`; after it is interrupted and after a rerun: the watermark
#    moves on, the retried window leaves the failures, the runs are listed
#    newest first with their outcomes.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

start_mock --log req.log --fault '400@start_date=2020-06-10' \
    --fault '503@start_date=2020-02-05#1' --fault 'timeout@start_date=2020-12-30#1'
write_job job.yaml "$BASE" 'retry: {attempts: 1}'
sed -i 's/to: 2025-12-31/to: 2020-12-31/; s/concurrency: 8/concurrency: 4/' job.yaml

# status_json: `sluice status --json` into st.json, checked to be JSON.
status_json() {
    "$SLUICE_BIN" status job.yaml --json >st.json 2>st.err || fail "status --json: $(cat st.err)"
    python3 -c 'import json; json.load(open("st.json"))' || fail "status --json is not JSON: $(cat st.json)"
}
# jst EXPR evaluates a python expression over the status as `s`.
jst() { python3 -c "import json; s = json.load(open('st.json')); print($1)"; }

# ---- never run -------------------------------------------------------------------
expect_status 0 "$SLUICE_BIN" status job.yaml
grep -q "never run: 53 windows planned" stdout.txt || fail "status before any run: $(cat stdout.txt)"
status_json
[ "$(jst 's["exists"], s["running"], s["done_through"], s["planned"]')" = "False False None 53" ] ||
    fail "status --json before any run: $(cat st.json)"

# ---- a run holding the job -------------------------------------------------------
"$SLUICE_BIN" run job.yaml --grace 1 >run1.out 2>run1.err &
pid=$!
# 52 windows judged; the 53rd (2020-12-30) is in flight and never answered
judged() {
    alive "$pid" || fail "the first run ended early: $(cat run1.err)"
    status_json
    [ "$(jst 's["done"] + s["failed"]')" = 52 ]
}
wait_for 60 "52 windows judged by the first run" judged

python3 - "$pid" <<'PY'
import json, sys
s = json.load(open("st.json"))
pid = int(sys.argv[1])
assert s["running"] is True, s
assert (s["done"], s["failed"], s["pending"], s["planned"]) == (50, 2, 1, 53), s
assert s["done_through"] == "2020-02-04", s["done_through"]
f = s["failures"]
assert [(x["start"], x["end"], x["attempts"]) for x in f] == [
    ("2020-02-05", "2020-02-11", 1), ("2020-06-10", "2020-06-16", 1)], f
assert f[0]["error"].startswith("HTTP 503"), f[0]
assert f[1]["error"].startswith("HTTP 400: Date Format Exception"), f[1]
r = s["runs"]
assert len(r) == 1 and r[0]["outcome"] == "running" and r[0]["ended"] is None, r
assert s["state"] == ".sluice/neows.db", s
PY
expect_status 0 "$SLUICE_BIN" status job.yaml
for want in "a run is going now (pid $pid)" "done through: 2020-02-04" \
    "windows: 50 done, 2 failed, 1 pending (53 planned now)" "failed windows:" \
    "2020-02-05..2020-02-11  (1 attempt)  HTTP 503" \
    "2020-06-10..2020-06-16  (1 attempt)  HTTP 400: Date Format Exception" "last runs:"; do
    grep -qF -- "$want" stdout.txt || fail "status during the run lacks '$want': $(cat stdout.txt)"
done
grep -qE '^  #1 .* running ' stdout.txt || fail "status does not show run #1 running: $(cat stdout.txt)"

# ---- a second run of the same job refuses ------------------------------------
requests=$(log_count req.log)
expect_status 3 "$SLUICE_BIN" run job.yaml
grep -q "job neows is already running (pid $pid" stderr.txt ||
    fail "refusal does not name the holder: $(cat stderr.txt)"
[ "$(log_count req.log)" = "$requests" ] || fail "the refused run made requests"
status_json
[ "$(jst 'len(s["runs"]), s["done"], s["failed"], s["pending"]')" = "1 50 2 1" ] ||
    fail "the refused run changed the ledger: $(cat st.json)"
alive "$pid" || fail "the first run did not survive the second"

# ---- interrupt the first: its last window stays pending ----------------------
kill -INT "$pid"
wait_for 30 "the first run to end after its grace second" eval '! alive $pid'
st=0
wait "$pid" || st=$?
[ "$st" = 130 ] || fail "first run: exit status $st: $(tail -n 5 run1.err)"
status_json
python3 - <<'PY'
import json
s = json.load(open("st.json"))
assert s["running"] is False, s
assert (s["done"], s["failed"], s["pending"]) == (50, 2, 1), s
r = s["runs"][0]
assert (r["outcome"], r["done"], r["failed"], r["not_pulled"]) == ("interrupted", 50, 2, 1), r
assert r["ended"] is not None and r["rows"] > 0, r
PY
expect_status 0 "$SLUICE_BIN" status job.yaml
grep -q "a run is going" stdout.txt && fail "status still shows a run: $(cat stdout.txt)"

# ---- the rerun: the 503 and the pending window done, the 400 failed again -----
base=$(log_count req.log)
expect_status 1 "$SLUICE_BIN" run job.yaml
[ "$(log_dates req.log $((base + 1)) | sort | tr '\n' ' ')" = "2020-02-05 2020-06-10 2020-12-30 " ] ||
    fail "rerun asked for: $(log_dates req.log $((base + 1)) | tr '\n' ' ')"
status_json
python3 - <<'PY'
import json
s = json.load(open("st.json"))
assert (s["done"], s["failed"], s["pending"]) == (52, 1, 0), s
assert s["done_through"] == "2020-06-09", s["done_through"]
f = s["failures"]
assert [(x["start"], x["attempts"]) for x in f] == [("2020-06-10", 2)], f
assert f[0]["error"].startswith("HTTP 400: Date Format Exception"), f
r = s["runs"]
assert [(x["id"], x["outcome"], x["done"], x["failed"]) for x in r] == [
    (2, "failed", 2, 1), (1, "interrupted", 50, 2)], r
PY
expect_status 0 "$SLUICE_BIN" status job.yaml
grep -q "done through: 2020-06-09" stdout.txt || fail "watermark after the rerun: $(cat stdout.txt)"
grep -q "2020-06-10..2020-06-16  (2 attempts)  HTTP 400" stdout.txt || fail "failure after the rerun: $(cat stdout.txt)"
grep -q "2020-02-05" stdout.txt && fail "the retried window is still listed: $(cat stdout.txt)"
[ "$(grep -E '^  #[0-9]' stdout.txt | sed -E 's/^  #([0-9]+) [^ ]+  ([a-z]+).*/\1 \2/' | tr '\n' ' ')" = "2 failed 1 interrupted " ] ||
    fail "last runs: $(cat stdout.txt)"
check_ledger . --windows 53 --done 52 --failed 1 --only-done-files --no-temp
echo "ok"
