#!/usr/bin/env bash
# sluice.dask.run (python/sluice/dask.py, docs/scale-out.md "Dask") over a
# real Dask cluster of Debian's python3-distributed under /usr/bin/python3:
# a scheduler and 4 workers (1 thread each, no nanny), each a process of
# its own, every port and dashboard on 127.0.0.1; a real PostgreSQL 15
# for the shared ledger (lib/postgres.bash); the bundled server with
# --log. tests/python/check_dask.py drives the client and says what it
# checks (a SQLite ledger refused; 314 windows over the 4 workers, the
# returned windows every window once, the work spread; a Dask worker
# killed with SIGKILL in the middle of its lease, the result still every
# window once); this script checks the servers' logs (every window
# requested once; after the kill, 2020-01-01 twice: the killed attempt and
# the retake), the files (each once) and the ledger.
#
# Every process stops by itself: the EXIT trap (common.bash's cleanup
# kills MORE_PIDS) and, should this shell die without its trap, a watcher
# that kills the scheduler and the workers; the scheduler also ends after
# 120 idle seconds, and a worker whose scheduler is gone closes (Dask
# workers do not reconnect).
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/postgres.bash"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "no $PY"
[ -x /usr/bin/dask-scheduler ] && [ -x /usr/bin/dask-worker ] ||
    fail "no dask-scheduler/dask-worker (python3-distributed)"
LIB="$(dirname "$SLUICE_BIN")/libsluice.so"
[ -e "$LIB" ] || fail "no $LIB"
# Every Python process that loads the library (the client, the Dask
# workers) runs as "${PYENV[@]}": the package and the build tree's
# library, and a sanitized build's runtimes first in the process (only
# there: PostgreSQL must not get them).
PYENV=(env SLUICE_LIBRARY="$LIB" PYTHONPATH="$SLUICE_SRC/python")
ldd "$LIB" >ldd.txt
if grep -q libasan ldd.txt; then
    PYENV+=(LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
            ASAN_OPTIONS=detect_leaks=0) # Python leaks by design at exit
fi
# Dask's own settings: no config of the user's, no spill folder outside
# $WORK (the workers start in it).
export DASK_CONFIG="$WORK/dask-config" DASK_TEMPORARY_DIRECTORY="$WORK/dask-tmp"

WINDOWS=314
start_postgres
start_mock --latency-ms 20 --hourly-limit 1000000 --log req.log
mkfifo hold.fifo # the KILL server says there when it holds the request
start_another_mock KILL --latency-ms 5 --hourly-limit 1000000 --log kill.log \
    --fault 'hold@start_date=2020-01-01#1' --hold-fifo "$WORK/hold.fifo"

python3 -c '
import datetime as d
t = d.date(2020, 1, 1)
while t <= d.date(2025, 12, 31):
    print(t); t += d.timedelta(days=7)' >plan.txt
[ "$(wc -l <plan.txt)" = $WINDOWS ] || fail "plan: $(wc -l <plan.txt) windows"

write_job job.yaml "$BASE" "state: \"$PG_URL\""
write_job sqlite.yaml "$BASE"
sed -i 's/^name: neows/name: neows_sqlite/' sqlite.yaml
write_job kill.yaml "http://127.0.0.1:$KILL_PORT/neo/rest/v1/feed" \
    "state: \"$PG_URL\"" "state_lease: 2s"
sed -i 's/^name: neows/name: neows_kill/; s/concurrency: 8/concurrency: 1/; s|out/|kill/|' kill.yaml

# ---- the cluster --------------------------------------------------------------
# A port the kernel had free a moment ago (as postgres.bash picks its
# own); the scheduler fails to start if it was taken since.
SCHED_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SCHED="tcp://127.0.0.1:$SCHED_PORT"
"$PY" /usr/bin/dask-scheduler --host 127.0.0.1 --port "$SCHED_PORT" \
    --dashboard-address 127.0.0.1:0 --idle-timeout 120 \
    >scheduler.out 2>scheduler.err </dev/null &
MORE_PIDS+=($!)
wpids=()
for k in 1 2 3 4; do
    "${PYENV[@]}" "$PY" /usr/bin/dask-worker "$SCHED" --host 127.0.0.1 \
        --dashboard-address 127.0.0.1:0 --nthreads 1 --no-nanny \
        --name "w$k" --death-timeout 60 \
        >worker$k.out 2>worker$k.err </dev/null &
    MORE_PIDS+=($!)
    wpids+=($!)
done
# Kills the cluster should this shell die without running its trap.
(
    trap '' TERM HUP INT
    tail --pid=$$ -f /dev/null 2>/dev/null
    [ -d "$WORK" ] || exit 0 # the trap ran: they are stopped already
    kill "${MORE_PIDS[@]}" 2>/dev/null
) </dev/null >/dev/null 2>&1 &
disown

# ---- the client -------------------------------------------------------------------
mkdir got
pids_csv=$(IFS=,; echo "${wpids[*]}")
"${PYENV[@]}" "$PY" "$SLUICE_SRC/tests/python/check_dask.py" "$SCHED" "$WORK/job.yaml" \
    "$WORK/sqlite.yaml" "$WORK/kill.yaml" "$WORK/hold.fifo" "$KILL_PID" \
    "$PG_PORT" "$pids_csv" "$WORK/got" >check.out 2>check.err ||
    fail "check_dask: $(tail -n 30 check.err) $(tail -n 20 worker*.err scheduler.err)"
grep -q '^dask ok' check.out || fail "check_dask: $(cat check.out check.err)"
grep 'windows per Dask worker' check.out

# the shared job: every window requested once (the SQLite job's refusal
# made no request: this log has the 314 alone), every file once
grep -o 'start_date=[0-9-]*' req.log | cut -d= -f2 | sort >req.txt
diff plan.txt req.txt >/dev/null ||
    fail "requests are not every window once: $(diff plan.txt req.txt | head -5)"
diff plan.txt got/dask.txt >/dev/null || fail "returned windows differ from the plan"
[ "$(ls out | grep -c '^neos_.*\.ndjson$')" = $WINDOWS ] || fail "files: $(ls out | wc -l)"
[ -z "$(ls -A out | grep -v '^neos_.*\.ndjson$')" ] || fail "stray files: $(ls -A out | grep -v '^neos_')"
[ "$(pg_sql "SELECT count(*), sum(claims) FROM sluice_neows.windows WHERE status = 'done'")" = "$WINDOWS|$WINDOWS" ] ||
    fail "ledger: $(pg_sql "SELECT status, count(*), sum(claims) FROM sluice_neows.windows GROUP BY status")"
[ ! -e .sluice/neows_sqlite.db ] || fail "the refused SQLite job opened its ledger"

# after the kill: 2020-01-01 twice (the killed attempt, the retake), every
# other window once; every file once and whole
grep -o 'start_date=[0-9-]*' kill.log | cut -d= -f2 | sort >kreq.txt
{ cat plan.txt; echo 2020-01-01; } | sort >kwant.txt
diff kwant.txt kreq.txt >/dev/null ||
    fail "after the kill: requests differ from each window once and 2020-01-01 twice: $(diff kwant.txt kreq.txt | head -5)"
diff plan.txt got/kill.txt >/dev/null || fail "returned windows after the kill differ from the plan"
[ "$(ls kill | grep -c '^neos_.*\.ndjson$')" = $WINDOWS ] || fail "files after the kill: $(ls kill | wc -l)"
[ -z "$(ls -A kill | grep -v '^neos_.*\.ndjson$')" ] || fail "stray files after the kill: $(ls -A kill | grep -v '^neos_')"
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' kill/neos_2020-01-01_2020-01-07.ndjson ||
    fail "the retaken window's file is not whole"
[ "$(pg_sql "SELECT count(*) FROM sluice_neows_kill.windows WHERE status = 'done'")" = $WINDOWS ] ||
    fail "ledger after the kill: $(pg_sql "SELECT status, count(*) FROM sluice_neows_kill.windows GROUP BY status")"
[ "$(pg_sql "SELECT string_agg(claims::text, ',') FROM sluice_neows_kill.windows WHERE claims <> 1")" = 2 ] ||
    fail "claims after the kill: $(pg_sql "SELECT start, claims FROM sluice_neows_kill.windows WHERE claims <> 1")"
echo "ok"
