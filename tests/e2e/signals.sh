#!/usr/bin/env bash
# Ctrl-C and SIGTERM with transfers in flight.
#  - First signal (SIGINT, then SIGTERM on another job): sluice starts no new
#    transfer, lets those in flight finish and keeps them: exit status
#    130 / 143; every request the server received is a done window with its
#    file; the rest pending; no partial or temporary file; a rerun requests
#    exactly the windows not done, each once.
#  - A second signal abandons the transfers at once, long before the grace
#    period: the server never answers them (timeout fault), --grace 60, and
#    the run must be gone within 20 s; the windows stay pending.
#  - Past --grace, a first signal abandons the transfers too.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

# job DIR TO: the NeoWs job in DIR, windows 2020-01-01..TO.
job() {
    mkdir -p "$1"
    write_job "$1/job.yaml" "$BASE"
    sed -i "s/to: 2025-12-31/to: $2/" "$1/job.yaml"
}

# ---- first signal: drain ------------------------------------------------
start_mock --latency-ms 100 --log req.log
N=105 # 2020-01-01..2021-12-31 in 7-day windows

for sig in INT TERM; do
    d=drain_$sig
    want=$([ $sig = INT ] && echo 130 || echo 143)
    job "$d" 2021-12-31
    base=$(log_count req.log)
    (cd "$d" && exec "$SLUICE_BIN" run job.yaml) >"$d/run1.out" 2>"$d/run1.err" &
    pid=$!
    # three rounds of 8 requests in: some windows done, 8 in flight
    wait_for 60 "24 requests" log_at_least req.log $((base + 24))
    at_signal=$(($(log_count req.log) - base))
    kill -$sig "$pid"
    st=0
    wait "$pid" || st=$?
    [ "$st" = "$want" ] || fail "SIG$sig: exit status $st, expected $want: $(cat "$d/run1.err")"

    log_dates req.log $((base + 1)) | sort >"$d/asked1"
    sort -u "$d/asked1" | cmp -s - "$d/asked1" || fail "SIG$sig: a window was requested twice"
    asked=$(wc -l <"$d/asked1")
    [ "$asked" -ge "$at_signal" ] && [ "$asked" -lt $N ] ||
        fail "SIG$sig: $asked requests ($at_signal at the signal) of $N windows"
    # Every request the server saw (those in flight at the signal included)
    # became a done window: the drain kept them all.
    check_ledger "$d" --windows $N --done "$asked" --pending $((N - asked)) \
        --failed 0 --no-temp --only-done-files
    python3 - "$d" >"$d/done1" <<'PY'
import datetime, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}/.sluice/neows.db?mode=ro", uri=True)
for (s,) in db.execute("SELECT start FROM windows WHERE status = 'done' ORDER BY start"):
    print(datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%d"))
r = db.execute("SELECT outcome, done, not_pulled FROM runs ORDER BY id DESC").fetchone()
assert r[0] == "interrupted", r
PY
    cmp -s "$d/done1" "$d/asked1" || fail "SIG$sig: done windows are not the windows requested"
    [ "$(find "$d/out" -name 'neos_*.ndjson' | wc -l)" = "$asked" ] || fail "SIG$sig: file count"
    grep -q "interrupted: $asked windows kept, $((N - asked)) not pulled" "$d/run1.err" ||
        fail "SIG$sig: no summary of what was kept: $(cat "$d/run1.err")"

    # The rerun asks for exactly the rest, each once.
    base=$(log_count req.log)
    (cd "$d" && expect_status 0 "$SLUICE_BIN" run job.yaml)
    log_dates req.log $((base + 1)) | sort >"$d/asked2"
    [ "$(wc -l <"$d/asked2")" = $((N - asked)) ] || fail "SIG$sig: rerun made $(wc -l <"$d/asked2") requests, expected $((N - asked))"
    [ -z "$(comm -12 "$d/asked1" "$d/asked2")" ] || fail "SIG$sig: rerun requested done windows again"
    check_ledger "$d" --windows $N --done $N --no-temp --only-done-files
    echo "SIG$sig: $asked windows kept ($at_signal requests in at the signal), the rerun pulled the other $((N - asked))"
done
stop_mock

# ---- second signal: abandon; grace expiry ---------------------------------
# The first 8 requests are never answered: 4 for each of the two runs (the
# governor's slow start sends 4 before any answer has come back).
start_mock --fault 'timeout@*#8' --log hang.log
M=53 # 2020

job abort 2020-12-31
(cd abort && exec "$SLUICE_BIN" run job.yaml -v --grace 60) >abort/run1.out 2>abort/run1.err &
pid=$!
wait_for 60 "4 requests held by the server" log_at_least hang.log 4
kill -TERM "$pid"
wait_for 60 "the drain to begin" grep -q 'interrupted: letting 4 transfers finish' abort/run1.err
alive "$pid" || fail "the first signal did not wait for the transfers in flight"
kill -TERM "$pid"
# The server never answers and the grace period is 60 s: gone within 20 s
# means the second signal abandoned the transfers.
wait_for 20 "the run to end after a second SIGTERM" eval '! alive $pid'
st=0
wait "$pid" || st=$?
[ "$st" = 143 ] || fail "second SIGTERM: exit status $st: $(tail -n 5 abort/run1.err)"
check_ledger abort --windows $M --done 0 --pending $M --no-temp --only-done-files
[ -z "$(ls -A abort/out 2>/dev/null)" ] || fail "files left by an abandoned run: $(ls -A abort/out)"
grep -q "interrupted: 0 windows kept, $M not pulled" abort/run1.err || fail "summary: $(tail -n 3 abort/run1.err)"

job grace 2020-12-31
(cd grace && exec "$SLUICE_BIN" run job.yaml --grace 1) >grace/run1.out 2>grace/run1.err &
pid=$!
wait_for 60 "4 more requests held by the server" log_at_least hang.log 8
kill -INT "$pid"
wait_for 30 "the run to end after its grace second" eval '! alive $pid'
st=0
wait "$pid" || st=$?
[ "$st" = 130 ] || fail "SIGINT past the grace: exit status $st: $(tail -n 5 grace/run1.err)"
check_ledger grace --windows $M --done 0 --pending $M --no-temp --only-done-files
[ -z "$(ls -A grace/out 2>/dev/null)" ] || fail "files left past the grace: $(ls -A grace/out)"

# Both ledgers are consistent: the reruns pull every window once.
for d in abort grace; do
    python3 - "$d" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}/.sluice/neows.db?mode=ro", uri=True)
r = db.execute("SELECT outcome, done, not_pulled FROM runs ORDER BY id DESC").fetchone()
assert r == ("interrupted", 0, 53), r
PY
    base=$(log_count hang.log)
    (cd $d && expect_status 0 "$SLUICE_BIN" run job.yaml)
    [ "$(log_dates hang.log $((base + 1)) | sort -u | wc -l)" = $M ] || fail "$d: rerun did not pull the $M windows once each"
    [ "$(($(log_count hang.log) - base))" = $M ] || fail "$d: rerun made $(($(log_count hang.log) - base)) requests"
    check_ledger $d --windows $M --done $M --no-temp --only-done-files
done
echo "ok"
