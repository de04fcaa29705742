#!/usr/bin/env bash
# output.postgres, exactly once, against a real PostgreSQL 15 started for
# the test on 127.0.0.1 (lib/postgres.bash):
#  1. the 314-window NeoWs pull: the table's row count and ids equal the
#     records the server generated; jsonb, boolean, double precision
#     columns; the ledger all done;
#  2. a rerun of 10 windows (--full-refresh --limit 10) pulls 10 and leaves
#     the count and ids unchanged; so does a rerun of 10 windows committed
#     but not marked (a crash between COMMIT and the ledger's mark);
#  3. kill -9 at 6 moments mid-run, then a rerun: no row missing, none
#     doubled;
#  4. the server restarted mid-run (fast shutdown: every connection cut),
#     driven without timing: concurrency 1, the server holds the 10th
#     window's answer (hold fault) while the test restarts PostgreSQL, then
#     releases it; that window's commit finds its connection gone, fails
#     transiently, is tried again on a new connection and lands: the run
#     succeeds with every window's rows;
#  5. write: merge, primary_key: [id]: a changed row and a deleted one are
#     put back, nothing doubled;
#  6. a refused connection and a missing permission are the job's error
#     (exit 2) with the server's message, before any request; a permission
#     revoked mid-run (while the server holds a window's answer) stops the
#     run at that window's commit (exit 2, the server's message, no
#     request after it).
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"
source "$E2E_LIB/postgres.bash"

WINDOWS=314
start_postgres
start_mock --latency-ms 20 --hourly-limit 1000000 --log req.log \
    --fault 'hold@start_date=2020-03-04#1'
"$NEOWS_MOCK" --dump-records 2020-01-01 2025-12-31 >expected.ndjson

pg_job() { # DIR TABLE [OUTPUT-EXTRA]
    mkdir -p "$1"
    write_job "$1/job.yaml" "$BASE"
    sed -i "s#^output: .*#output: {postgres: \"$PG_URL\", table: $2${3:+, $3}}#" "$1/job.yaml"
}
ids_equal() { # TABLE LABEL
    pg_sql "SELECT id FROM $1" >ids.txt
    python3 "$E2E_LIB/db_ids.py" expected.ndjson ids.txt "$2" || fail "$2: rows differ from the source"
}
done_windows() {
    sqlite3 "$1/.sluice/neows.db" "SELECT count(*) FROM windows WHERE status = 'done'"
}
# The first run: its first window (2020-03-04 is the 10th) is held once:
# release it now, the restart test below holds its own.
release_when_held() { # PID
    wait_for 120 "the held window's request" grep -q 'start_date=2020-03-04' req.log
    kill -USR1 "$MOCK_PID"
}

# ---- 1. the full pull -------------------------------------------------------
pg_job full public.neos
(cd full && exec "$SLUICE_BIN" run job.yaml -q) >full.out 2>full.err &
pid=$!
release_when_held
wait "$pid" || fail "full pull: $(cat full.err)"
ids_equal public.neos "full pull"
[ "$(done_windows full)" = $WINDOWS ] || fail "ledger: $(done_windows full) done"
[ "$(pg_sql "SELECT count(DISTINCT _sluice_partition) FROM neos")" = $WINDOWS ] || fail "partitions"
types=$(pg_sql "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'neos' AND column_name IN ('estimated_diameter', 'is_sentry_object', 'absolute_magnitude_h', '_sluice_partition')")
[ "$types" = "_sluice_partition:text,absolute_magnitude_h:double precision,estimated_diameter:jsonb,is_sentry_object:boolean" ] ||
    fail "column types: $types"
[ "$(pg_sql "SELECT count(*) FROM neos WHERE feed_date::date < _sluice_partition::date OR feed_date::date >= _sluice_partition::date + 7")" = 0 ] ||
    fail "rows outside their partition's window"
rows=$(pg_sql "SELECT count(*) FROM neos")

# ---- 2. reruns ----------------------------------------------------------------
before=$(log_count req.log)
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q --full-refresh --limit 10)
[ $(($(log_count req.log) - before)) = 10 ] || fail "rerun of 10 made $(($(log_count req.log) - before)) requests"
[ "$(pg_sql "SELECT count(*) FROM neos")" = "$rows" ] || fail "rerun of 10 windows changed the count"
ids_equal public.neos "after a rerun of 10 windows"
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
sqlite3 full/.sluice/neows.db "UPDATE windows SET status = 'pending' WHERE start IN (SELECT start FROM windows ORDER BY start LIMIT 10 OFFSET 200)"
before=$(log_count req.log)
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
[ $(($(log_count req.log) - before)) = 10 ] || fail "rerun after unmarked commits made $(($(log_count req.log) - before)) requests"
ids_equal public.neos "after 10 unmarked commits were pulled again"

# ---- 3. kill -9 mid-run ----------------------------------------------------------
pg_job crash crash_neos
grew_or_exited() { log_at_least req.log "$1" || ! alive "$2"; }
base=$(log_count req.log) landed=0
for n in 3 15 30 45 60 75; do
    (cd crash && exec "$SLUICE_BIN" run job.yaml -q) >/dev/null 2>>crash/stderr.log &
    pid=$!
    wait_for 120 "$n requests" grew_or_exited $((base + n)) "$pid"
    kill -9 "$pid" 2>/dev/null || true
    st=0
    { wait "$pid"; } 2>/dev/null || st=$?
    [ "$st" = 137 ] && landed=$((landed + 1))
    base=$(log_count req.log)
done
[ "$landed" -ge 4 ] || fail "only $landed kills landed in a running sluice"
(cd crash && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
[ "$(done_windows crash)" = $WINDOWS ] || fail "after the kills: $(done_windows crash) done"
ids_equal crash_neos "after 6 kills and a rerun"

# ---- 4. the server restarted mid-run ------------------------------------------------
mkdir restart
write_job restart/job.yaml "$BASE" 'retry: {attempts: 4, base: 50ms}'
sed -i -e "s#^output: .*#output: {postgres: \"$PG_URL\", table: restart_neos}#" \
    -e 's/^concurrency: 8/concurrency: 1/' -e "s/to: 2025-12-31/to: 2020-06-30/" restart/job.yaml
stop_mock
start_mock --hourly-limit 1000000 --log req2.log --fault 'hold@start_date=2020-03-04#1' \
    --fault 'hold@start_date=2020-07-01#1'
sed -i "s#url: http://127.0.0.1:[0-9]*/#url: http://127.0.0.1:$PORT/#" restart/job.yaml
(cd restart && exec "$SLUICE_BIN" run job.yaml -v) >restart.out 2>restart.err &
pid=$!
wait_for 120 "the 10th window's request" grep -q 'start_date=2020-03-04' req2.log
# 9 windows are committed on connections the restart now cuts
[ "$(pg_sql "SELECT count(DISTINCT _sluice_partition) FROM restart_neos")" = 9 ] ||
    fail "before the restart: $(pg_sql "SELECT count(DISTINCT _sluice_partition) FROM restart_neos") partitions"
restart_postgres
kill -USR1 "$MOCK_PID"
st=0
wait "$pid" || st=$?
[ "$st" = 0 ] || fail "run across the restart: exit $st: $(tail -n 20 restart.err)"
grep -q 'window 2020-03-04..2020-03-10: postgres table restart_neos: .*; its commit was tried 1 more times' restart.err ||
    fail "the restart did not fail and retry the window's commit: $(grep -i 'postgres\|commit' restart.err | head -5)"
[ "$(done_windows restart)" = 26 ] || fail "after the restart: $(done_windows restart) done"
"$NEOWS_MOCK" --dump-records 2020-01-01 2020-06-30 >expected.ndjson
ids_equal restart_neos "across a server restart"
[ "$(grep -c 'start_date=2020-03-04' req2.log)" = 1 ] || fail "the window was pulled again: its commit was not retried from the spool"

# ---- 5. merge --------------------------------------------------------------------------
pg_job merge merge_neos "write: merge, primary_key: [id], flatten: true"
sed -i -e "s#url: http://127.0.0.1:[0-9]*/#url: http://127.0.0.1:$PORT/#" -e "s/to: 2025-12-31/to: 2020-06-30/" merge/job.yaml
(cd merge && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
ids_equal merge_neos "merge"
victim=$(pg_sql "SELECT id FROM merge_neos ORDER BY id LIMIT 1")
gone=$(pg_sql "SELECT id FROM merge_neos ORDER BY id LIMIT 1 OFFSET 7")
name=$(pg_sql "SELECT name FROM merge_neos WHERE id = '$victim'")
pg_sql "UPDATE merge_neos SET name = 'stale', _sluice_partition = 'elsewhere' WHERE id = '$victim'; DELETE FROM merge_neos WHERE id = '$gone'"
(cd merge && expect_status 0 "$SLUICE_BIN" run job.yaml -q --full-refresh)
ids_equal merge_neos "merge rerun"
[ "$(pg_sql "SELECT name FROM merge_neos WHERE id = '$victim'")" = "$name" ] || fail "merge did not update the changed row"
pg_sql "SELECT estimated_diameter__meters__estimated_diameter_min FROM merge_neos LIMIT 1" >/dev/null ||
    fail "flatten: no flattened column"

# ---- 6. job-level errors ------------------------------------------------------------------
pg_sql "CREATE ROLE reader LOGIN; CREATE TABLE private_neos (x int)"
before=$(log_count req2.log)
pg_job denied private_neos
sed -i -e "s#postgresql://postgres@#postgresql://reader@#" -e "s#url: http://127.0.0.1:[0-9]*/#url: http://127.0.0.1:$PORT/#" denied/job.yaml
(cd denied && expect_status 2 "$SLUICE_BIN" run job.yaml -q)
grep -q 'output: postgres table private_neos: .*permission denied' stderr.txt || fail "no permission error: $(cat stderr.txt)"
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_job refused neos
sed -i -e "s#127.0.0.1:$PG_PORT#127.0.0.1:$closed#" -e "s#url: http://127.0.0.1:[0-9]*/#url: http://127.0.0.1:$PORT/#" refused/job.yaml
(cd refused && expect_status 2 "$SLUICE_BIN" run job.yaml -q)
grep -q 'output: postgres table neos: cannot connect: .*Connection refused' stderr.txt || fail "no connection error: $(cat stderr.txt)"
[ "$(log_count req2.log)" = "$before" ] || fail "requests were made for jobs that cannot write"

pg_sql "CREATE ROLE writer LOGIN; GRANT CREATE ON SCHEMA public TO writer"
pg_job revoked writer_neos
sed -i -e "s#postgresql://postgres@#postgresql://writer@#" -e 's/^concurrency: 8/concurrency: 1/' \
    -e 's/from: 2020-01-01, to: 2025-12-31/from: 2020-06-03, to: 2020-08-31/' revoked/job.yaml
(cd revoked && exec "$SLUICE_BIN" run job.yaml -q) >revoked.out 2>revoked.err &
pid=$!
wait_for 120 "the 5th window's request" grep -q 'start_date=2020-07-01' req2.log
[ "$(pg_sql "SELECT count(DISTINCT _sluice_partition) FROM writer_neos")" = 4 ] || fail "revoke: 4 windows not committed first"
pg_sql "REVOKE INSERT ON writer_neos FROM writer"
after=$(log_count req2.log)
kill -USR1 "$MOCK_PID"
st=0
wait "$pid" || st=$?
[ "$st" = 2 ] || fail "a revoked permission: exit $st, expected 2: $(tail -n 5 revoked.err)"
grep -q 'output: postgres table writer_neos: inserting .*permission denied' revoked.err ||
    fail "a revoked permission: no message: $(tail -n 5 revoked.err)"
[ "$(log_count req2.log)" = "$after" ] || fail "requests after the destination refused the job"
[ "$(done_windows revoked)" = 4 ] || fail "revoke: $(done_windows revoked) windows done"
echo "ok"
