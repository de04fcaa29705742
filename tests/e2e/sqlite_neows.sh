#!/usr/bin/env bash
# output.sqlite, exactly once: the 314-window NeoWs pull into one table.
#  1. the table's row count and ids equal the records the server generated;
#     one partition per window, the ledger all done, WAL mode;
#  2. a rerun of 10 windows (--full-refresh --limit 10) pulls exactly 10
#     and leaves the count and the ids unchanged; so does a rerun after 10
#     windows were committed but not marked (what a crash between the
#     table's COMMIT and the ledger's mark leaves: their rows are replaced);
#  3. kill -9 at 6 moments mid-run (server latency 20 ms, 8 transfers in
#     flight; a kill that came after the run ended is counted, and at least
#     4 must land), then reruns to the end: no row missing, none doubled, the
#     file intact (PRAGMA integrity_check);
#  4. write: merge, primary_key: [id]: a row changed behind sluice's back
#     and one deleted are put back by a rerun, nothing doubled;
#  5. a database that cannot be opened is the job's error, before any
#     request.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

WINDOWS=314
start_mock --latency-ms 20 --hourly-limit 1000000 --log req.log
"$NEOWS_MOCK" --dump-records 2020-01-01 2025-12-31 >expected.ndjson

# sqlite_job DIR [OUTPUT-EXTRA]: the NeoWs job writing DIR/data/neows.db.
sqlite_job() {
    mkdir -p "$1"
    write_job "$1/job.yaml" "$BASE"
    sed -i "s#^output: .*#output: {sqlite: data/neows.db, table: neos${2:+, $2}}#" "$1/job.yaml"
}
q() { sqlite3 "$1" "$2"; }
ids_equal() { # DB LABEL
    q "$1" "SELECT id FROM neos" >ids.txt
    python3 "$E2E_LIB/db_ids.py" expected.ndjson ids.txt "$2" || fail "$2: rows differ from the source"
}
done_windows() {
    q "$1/.sluice/neows.db" "SELECT count(*) FROM windows WHERE status = 'done'"
}

# ---- 1. the full pull -------------------------------------------------------
sqlite_job full
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
DB=full/data/neows.db
ids_equal $DB "full pull"
[ "$(q $DB "SELECT count(DISTINCT _sluice_partition) FROM neos")" = $WINDOWS ] ||
    fail "partitions: $(q $DB "SELECT count(DISTINCT _sluice_partition) FROM neos")"
[ "$(done_windows full)" = $WINDOWS ] || fail "ledger: $(done_windows full) done"
[ "$(q $DB "PRAGMA journal_mode")" = wal ] || fail "not in WAL mode"
# a window's rows carry its start as their partition (feed_date: the day)
[ "$(q $DB "SELECT count(*) FROM neos WHERE feed_date < _sluice_partition
            OR feed_date >= date(_sluice_partition, '+7 days')")" = 0 ] ||
    fail "rows outside their partition's window"
rows=$(q $DB "SELECT count(*) FROM neos")

# ---- 2. reruns ----------------------------------------------------------------
before=$(log_count req.log)
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q --full-refresh --limit 10)
[ $(($(log_count req.log) - before)) = 10 ] || fail "rerun of 10 made $(($(log_count req.log) - before)) requests"
[ "$(q $DB "SELECT count(*) FROM neos")" = "$rows" ] || fail "rerun of 10 windows changed the count"
ids_equal $DB "after a rerun of 10 windows"
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q) # the other 304, requeued by --full-refresh
ids_equal $DB "after the requeued windows"

# committed, then the run died before the ledger's mark: the windows are
# pending, their rows in the table
q full/.sluice/neows.db "UPDATE windows SET status = 'pending' WHERE start IN (SELECT start FROM windows ORDER BY start LIMIT 10 OFFSET 100)"
before=$(log_count req.log)
(cd full && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
[ $(($(log_count req.log) - before)) = 10 ] || fail "rerun after unmarked commits made $(($(log_count req.log) - before)) requests"
ids_equal $DB "after 10 unmarked commits were pulled again"

# ---- 3. kill -9 mid-run ----------------------------------------------------------
sqlite_job crash
base=$(log_count req.log) landed=0
grew_or_exited() { log_at_least req.log "$1" || ! alive "$2"; }
# n more requests reached the server since the last kill (each run skips
# what is done, so n grows slowly), then kill -9: windows are in flight,
# committed, or committed and not yet marked
for n in 3 15 30 45 60 75; do
    (cd crash && exec "$SLUICE_BIN" run job.yaml -q) >/dev/null 2>>crash/stderr.log &
    pid=$!
    wait_for 120 "$n requests" grew_or_exited $((base + n)) "$pid"
    kill -9 "$pid" 2>/dev/null || true
    st=0
    { wait "$pid"; } 2>/dev/null || st=$?
    [ "$st" = 137 ] && landed=$((landed + 1))
    base=$(log_count req.log)
    [ -f crash/data/neows.db ] && [ "$(q crash/data/neows.db "PRAGMA integrity_check")" = ok ] ||
        [ ! -f crash/data/neows.db ] || fail "database damaged after a kill"
done
[ "$landed" -ge 4 ] || fail "only $landed kills landed in a running sluice"
for i in 1 2; do
    st=0
    (cd crash && "$SLUICE_BIN" run job.yaml -q) >/dev/null 2>>crash/stderr.log || st=$?
    [ "$st" = 0 ] && break
done
[ "$st" = 0 ] || fail "reruns after the kills: $(tail -n 5 crash/stderr.log)"
[ "$(done_windows crash)" = $WINDOWS ] || fail "after the kills: $(done_windows crash) done"
[ "$(q crash/data/neows.db "PRAGMA integrity_check")" = ok ] || fail "integrity_check"
ids_equal crash/data/neows.db "after 6 kills and a rerun"

# ---- 4. merge by primary key ------------------------------------------------------
sqlite_job merge "write: merge, primary_key: [id], flatten: true"
(cd merge && expect_status 0 "$SLUICE_BIN" run job.yaml -q)
M=merge/data/neows.db
ids_equal $M "merge"
[ "$(q $M "SELECT count(*) FROM pragma_index_list('neos') WHERE \"unique\"")" = 1 ] || fail "no unique key index"
victim=$(q $M "SELECT id FROM neos ORDER BY id LIMIT 1")
gone=$(q $M "SELECT id FROM neos ORDER BY id LIMIT 1 OFFSET 7")
name=$(q $M "SELECT name FROM neos WHERE id = '$victim'")
q $M "UPDATE neos SET name = 'stale', _sluice_partition = 'elsewhere' WHERE id = '$victim'; DELETE FROM neos WHERE id = '$gone'"
(cd merge && expect_status 0 "$SLUICE_BIN" run job.yaml -q --full-refresh)
ids_equal $M "merge rerun"
[ "$(q $M "SELECT name FROM neos WHERE id = '$victim'")" = "$name" ] || fail "merge did not update the changed row"
[ "$(q $M "SELECT count(*) FROM neos WHERE _sluice_partition = 'elsewhere'")" = 0 ] || fail "merge kept a stale partition"
# flattened columns
q $M "SELECT estimated_diameter__meters__estimated_diameter_min FROM neos LIMIT 1" >/dev/null ||
    fail "flatten: no flattened column"

# ---- 5. a database sluice cannot open fails the job ------------------------------
sqlite_job bad
sed -i 's#sqlite: data/neows.db#sqlite: /proc/nope/neows.db#' bad/job.yaml
before=$(log_count req.log)
(cd bad && expect_status 2 "$SLUICE_BIN" run job.yaml -q)
grep -q "output: .*/proc/nope" stderr.txt || fail "no clear error: $(cat stderr.txt)"
[ "$(log_count req.log)" = "$before" ] || fail "requests were made for a job that cannot write"
echo "ok"
