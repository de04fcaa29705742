#!/usr/bin/env bash
# kill -9 at random moments loses nothing and duplicates nothing. A seeded
# harness kills `sluice run` with SIGKILL 20 times over the 314-window job
# (server latency 20 ms, so most kills land with transfers in flight), then
# reruns it until it finishes, and compares with an uninterrupted run:
#  - after every kill, every window the ledger calls done has its complete
#    file, and every final file is byte for byte the uninterrupted run's
#    (a file is never seen half written under its final name);
#  - at the end, the same 314 files with the same bytes, every window done
#    in the ledger with the same output and rows, the records exactly those
#    the server generated, no temporary file, no run left `running`.
# SLUICE_CRASH_SEED replays a seed (the moments depend on timing too, so a
# replay is close, not exact); SLUICE_CRASH_KILLS changes the count.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

SEED=${SLUICE_CRASH_SEED:-$(($(date +%s%N) / 1000 % 1000000))}
KILLS=${SLUICE_CRASH_KILLS:-20}
WINDOWS=314
CONC=8
echo "crash_kill9: seed $SEED, $KILLS kills (replay: SLUICE_CRASH_SEED=$SEED)"
RANDOM=$SEED

start_mock --latency-ms 20 --log req.log
mkdir ref crash
write_job ref/job.yaml "$BASE"
write_job crash/job.yaml "$BASE"

# The uninterrupted run everything is compared with.
(cd ref && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
check_ledger ref --windows $WINDOWS --done $WINDOWS --no-temp --only-done-files
ref_requests=$(log_count req.log)
[ "$ref_requests" = $WINDOWS ] || fail "reference run made $ref_requests requests"

# Windows of the crash job's ledger not yet done (all when it has none).
not_done() {
    python3 - "$WORK/crash/.sluice/neows.db" "$WINDOWS" <<'PY'
import sqlite3, sys
try:
    db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
    done = db.execute("SELECT count(*) FROM windows WHERE status = 'done'")
    print(int(sys.argv[2]) - done.fetchone()[0])
except sqlite3.Error:  # no ledger yet, or killed while creating it
    print(sys.argv[2])
PY
}

grew_or_exited() { log_at_least req.log "$1" || ! alive "$2"; }

# sleep_ms N: a random moment is the point here, not synchronisation.
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

landed=0 finished=0 early=0
for k in $(seq 1 "$KILLS"); do
    left=$(not_done)
    base=$(log_count req.log)
    (cd crash && exec "$SLUICE_BIN" run job.yaml -q) >/dev/null 2>>crash/stderr.log &
    pid=$!
    if [ $((RANDOM % 5)) = 0 ] || [ "$left" -le $((2 * CONC)) ]; then
        # anywhere in the first 150 ms: start-up, ledger, sweep, first transfers
        sleep_ms $((RANDOM % 150))
        early=$((early + 1))
    else
        # after n more requests reached the server, n spread so that the
        # kills take the job to its end and work is still left after each
        # (at least CONC windows more than n): then, 0-25 ms later, mid-transfer
        span=$(((left - CONC) * 2 / (KILLS - k + 2)))
        [ "$span" -ge 1 ] || span=1
        n=$((1 + RANDOM % span))
        wait_for 120 "$n requests of run $k" grew_or_exited $((base + n)) "$pid"
        sleep_ms $((RANDOM % 26))
    fi
    kill -9 "$pid" 2>/dev/null || true
    st=0
    { wait "$pid"; } 2>/dev/null || st=$? # (bash's "Killed" notice hidden)
    case $st in
    137) landed=$((landed + 1)) ;;
    0) finished=$((finished + 1)) ;;
    *) fail "run $k ended with status $st before it was killed: $(tail -n 5 crash/stderr.log)" ;;
    esac
    # What a kill leaves: done windows have their complete files; no final
    # file is partial (temporary files may be left: the next run sweeps them).
    check_ledger crash --same-as ref
done
crash_requests=$(($(log_count req.log) - ref_requests))
echo "crash_kill9: $landed kills landed in a running sluice ($early in its first 150 ms), $finished runs had finished; $crash_requests requests so far; $(not_done) windows not done"
[ "$landed" -ge $((KILLS / 2)) ] || fail "only $landed of $KILLS kills hit a running sluice"

# Rerun until done: one run must do, as nothing of the ledger is lost.
reruns=0
while :; do
    reruns=$((reruns + 1))
    [ "$reruns" -le 3 ] || fail "still not done after 3 reruns"
    st=0
    (cd crash && "$SLUICE_BIN" run job.yaml -q) >/dev/null 2>>crash/stderr.log || st=$?
    [ "$st" = 0 ] && break
    echo "rerun $reruns: exit status $st" >&2
done
total=$(($(log_count req.log) - ref_requests))
echo "crash_kill9: done after $reruns rerun(s); $total requests for $WINDOWS windows ($((total - WINDOWS)) windows pulled again after a kill)"

check_ledger crash --windows $WINDOWS --done $WINDOWS --no-temp --only-done-files \
    --same-as ref --dump crash.json
check_ledger ref --dump ref.json
diff -r ref/out crash/out >/dev/null || fail "files differ from the uninterrupted run"
[ "$(find crash -name '*.sluice-tmp-*' | wc -l)" = 0 ] || fail "temporary files left"

python3 - "$WINDOWS" <<'PY'
import json, sqlite3, sys
ref = json.load(open("ref.json"))
got = json.load(open("crash.json"))
assert len(ref) == len(got) == int(sys.argv[1]), (len(ref), len(got))
for d in ref:
    r, g = ref[d], got[d]
    # status, rows, output the same; attempts/http may show the kills
    assert r[:3] == g[:3], (d, r, g)
    assert g[3] >= 1 and g[4][-1] == 200 and g[5] is None, (d, g)
db = sqlite3.connect("file:crash/.sluice/neows.db?mode=ro", uri=True)
runs = db.execute("SELECT outcome FROM runs ORDER BY id").fetchall()
outcomes = [o for (o,) in runs]
assert "running" not in outcomes, outcomes
assert outcomes[-1] == "ok", outcomes
assert set(outcomes) <= {"killed", "ok"}, outcomes
print(f"crash_kill9: ledger runs: {outcomes.count('killed')} killed, "
      f"{outcomes.count('ok')} ok")
PY

# Nothing missing, nothing twice, against what the server generated.
"$NEOWS_MOCK" --dump-records 2020-01-01 2025-12-31 | sed 's/DEMO_KEY/***/g' >expected.ndjson
python3 "$E2E_LIB/compare_records.py" expected.ndjson crash/out/*.ndjson
echo "ok"
