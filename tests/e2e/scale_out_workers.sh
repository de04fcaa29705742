#!/usr/bin/env bash
# One backfill over many workers (docs/scale-out.md), against a real
# PostgreSQL 15 started for the test on 127.0.0.1 (lib/postgres.bash):
#  1. 4 `sluice run --worker` processes on one shared ledger (state:
#     postgresql://...), 314 NeoWs windows: the server's request log has
#     every window exactly once, every file is there once, the ledger has
#     each window done and claimed once, `sluice status` reads the shared
#     ledger and says all done;
#  2. a worker changed since the ledger was written (another step) is
#     refused with exit 3, saying what changed, and makes no request;
#  3. a worker killed with SIGKILL in the middle of its lease, driven
#     without timing: concurrency 2, so it claims the first 2 windows, and
#     the server holds both answers (hold fault) until the test has killed
#     it; 3 more workers (lease 2 s) pull the rest, wait for the dead
#     worker's lease to run out, then pull its 2 windows: those 2 are
#     requested twice (the killed attempt and the retake), every other
#     window once, every file there once, nothing lost or doubled; status
#     shows the killed worker's run as killed;
#  5. (before 4) a worker whose answer takes longer than several leases
#     keeps its partition: its heartbeat renews the lease (the test waits
#     for the ledger to show it renewed past its first end, no clock), a
#     second worker pulls the rest and leaves that one to it: requested
#     once;
#  4. --shard I/4 on a SQLite ledger, 4 runs: each keeps its own ledger,
#     the union of what they pulled is every window, the intersection
#     empty; --worker without a shared ledger is a usage error (exit 2).
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"
source "$E2E_LIB/postgres.bash"

WINDOWS=314
start_postgres
start_mock --latency-ms 5 --hourly-limit 1000000 --log req.log

# start dates requested in the log lines after line $1, one per line
dates_after() { # SKIP LOG
    tail -n +"$(($1 + 1))" "$2" | grep -o 'start_date=[0-9-]*' | cut -d= -f2
}
all_dates() { # the plan's 314 start dates
    python3 -c '
import datetime as d
t = d.date(2020, 1, 1)
while t <= d.date(2025, 12, 31):
    print(t); t += d.timedelta(days=7)'
}
all_dates >plan.txt
[ "$(wc -l <plan.txt)" = $WINDOWS ] || fail "plan: $(wc -l <plan.txt) windows"

# ---- 1. four workers ------------------------------------------------------------
write_job job.yaml "$BASE" "state: \"$PG_URL\""
before=$(log_count req.log)
pids=()
for k in 1 2 3 4; do
    "$SLUICE_BIN" run job.yaml --worker -q >w$k.out 2>w$k.err &
    pids+=($!)
done
for k in 1 2 3 4; do
    wait "${pids[$((k - 1))]}" || fail "worker $k: $(cat w$k.err)"
done
dates_after "$before" req.log | sort >got.txt
[ "$(wc -l <got.txt)" = $WINDOWS ] || fail "4 workers made $(wc -l <got.txt) requests"
diff plan.txt got.txt >/dev/null || fail "4 workers: windows not pulled exactly once: $(diff plan.txt got.txt | head -5)"
[ "$(ls out | grep -c '^neos_.*\.ndjson$')" = $WINDOWS ] || fail "files: $(ls out | wc -l)"
[ -z "$(ls -A out | grep -v '^neos_.*\.ndjson$')" ] || fail "stray files: $(ls -A out | grep -v '^neos_')"
[ "$(pg_sql "SELECT count(*), sum(claims) FROM sluice_neows.windows WHERE status = 'done'")" = "$WINDOWS|$WINDOWS" ] ||
    fail "ledger: $(pg_sql "SELECT status, count(*), sum(claims) FROM sluice_neows.windows GROUP BY status")"
[ "$(pg_sql "SELECT count(*) FROM sluice_neows.windows WHERE lease_owner IS NOT NULL")" = 0 ] ||
    fail "leases left behind"
echo "windows per worker run: $(pg_sql "SELECT string_agg(c::text, ' ') FROM (SELECT count(*) c FROM sluice_neows.windows GROUP BY run_id) s")"
expect_status 0 "$SLUICE_BIN" status job.yaml
grep -q "done through: 2025-12-31" stdout.txt || fail "status: $(cat stdout.txt)"
grep -q "$WINDOWS done" stdout.txt || fail "status counts: $(cat stdout.txt)"
# a rerun finds nothing to claim: no request
before=$(log_count req.log)
expect_status 0 "$SLUICE_BIN" run job.yaml --worker -q
[ "$(log_count req.log)" = "$before" ] || fail "a worker on a done pool made requests"

# ---- 2. a changed job is refused ---------------------------------------------------
sed 's/step: 7d/step: 1d/' job.yaml >changed.yaml
before=$(log_count req.log)
expect_status 3 "$SLUICE_BIN" run changed.yaml --worker -q
grep -q "changed since its ledger" stderr.txt || fail "refusal: $(cat stderr.txt)"
grep -q "windows.step changed from '7 days' to '1 days'" stderr.txt || fail "refusal names the change: $(cat stderr.txt)"
[ "$(log_count req.log)" = "$before" ] || fail "the refused worker made requests"

# ---- 3. a worker killed in the middle of its lease ------------------------------------
start_another_mock KILL --latency-ms 5 --hourly-limit 1000000 --log kill.log \
    --fault 'hold@start_date=2020-01-01#1' --fault 'hold@start_date=2020-01-08#1'
mkdir kill
write_job kill/job.yaml "http://127.0.0.1:$KILL_PORT/neo/rest/v1/feed" \
    "state: \"$PG_URL\"" "state_lease: 2s"
sed -i 's/^name: neows/name: neows_kill/; s/concurrency: 8/concurrency: 2/' kill/job.yaml
(cd kill && exec "$SLUICE_BIN" run job.yaml --worker -q) >a.out 2>a.err &
a=$!
# both of its claims are in flight, their answers held: kill it now
wait_for 60 "the first worker's two requests" \
    bash -c '[ "$(grep -c "start_date=2020-01-0[18]" kill.log)" = 2 ]'
kill -KILL "$a"
wait "$a" 2>/dev/null || true
kill -USR1 "$KILL_PID" # the held answers go to a dead connection
[ "$(pg_sql "SELECT count(*) FROM sluice_neows_kill.windows WHERE lease_owner IS NOT NULL AND status = 'pending'")" = 2 ] ||
    fail "the killed worker's leases: $(pg_sql "SELECT start, status, lease_owner FROM sluice_neows_kill.windows WHERE lease_owner IS NOT NULL")"
pids=()
for k in 1 2 3; do
    (cd kill && exec "$SLUICE_BIN" run job.yaml --worker -q) >k$k.out 2>k$k.err &
    pids+=($!)
done
for k in 1 2 3; do
    wait "${pids[$((k - 1))]}" || fail "worker $k after the kill: $(cat k$k.err)"
done
dates_after 0 kill.log | sort >kgot.txt
{ cat plan.txt; echo 2020-01-01; echo 2020-01-08; } | sort >kwant.txt
diff kwant.txt kgot.txt >/dev/null ||
    fail "after the kill: requests differ from each window once and the killed worker's 2 twice: $(diff kwant.txt kgot.txt | head -5)"
[ "$(ls kill/out | grep -c '^neos_.*\.ndjson$')" = $WINDOWS ] || fail "files after the kill: $(ls kill/out | wc -l)"
[ -z "$(ls -A kill/out | grep -v '^neos_.*\.ndjson$')" ] || fail "stray files after the kill: $(ls -A kill/out)"
[ "$(pg_sql "SELECT count(*) FROM sluice_neows_kill.windows WHERE status = 'done'")" = $WINDOWS ] ||
    fail "ledger after the kill: $(pg_sql "SELECT status, count(*) FROM sluice_neows_kill.windows GROUP BY status")"
[ "$(pg_sql "SELECT string_agg(claims::text, ',' ORDER BY start) FROM sluice_neows_kill.windows WHERE claims <> 1")" = "2,2" ] ||
    fail "claims: $(pg_sql "SELECT start, claims FROM sluice_neows_kill.windows WHERE claims <> 1")"
for f in 2020-01-01_2020-01-07 2020-01-08_2020-01-14; do
    python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "kill/out/neos_$f.ndjson" ||
        fail "kill/out/neos_$f.ndjson is not whole"
done
(cd kill && expect_status 0 "$SLUICE_BIN" status job.yaml)
grep -q "killed" stdout.txt || fail "status does not show the killed worker: $(cat stdout.txt)"
grep -q "$WINDOWS done" stdout.txt || fail "status after the kill: $(cat stdout.txt)"

# ---- 5. the heartbeat keeps a slow partition its worker's ----------------------
# Worker A (concurrency 1, lease 2 s) waits on a held answer far longer
# than a lease: the test waits (on the ledger, not the clock) until A's
# lease was renewed past the instant it would have ended unrenewed, then
# starts worker B, which pulls the 8 other windows and must leave A's to
# A; released, A publishes it: every window requested once.
start_another_mock BEAT --latency-ms 5 --hourly-limit 1000000 --log beat.log \
    --fault 'hold@start_date=2020-01-01#1'
mkdir beat
write_job beat/job.yaml "http://127.0.0.1:$BEAT_PORT/neo/rest/v1/feed" \
    "state: \"$PG_URL\"" "state_lease: 2s"
sed -i 's/^name: neows/name: neows_beat/; s/concurrency: 8/concurrency: 1/; s/to: 2025-12-31/to: 2020-02-29/' beat/job.yaml
(cd beat && exec "$SLUICE_BIN" run job.yaml --worker -q) >ba.out 2>ba.err &
a=$!
wait_for 60 "worker A's held request" grep -q 'start_date=2020-01-01' beat.log
first=$(pg_sql "SELECT lease_until FROM sluice_neows_beat.windows WHERE start = 1577836800")
[ -n "$first" ] || fail "worker A holds no lease on its window"
renewed() { # A's lease now ends past where it first ended, plus a lease
    local until
    until=$(pg_sql "SELECT coalesce(lease_until, 0) FROM sluice_neows_beat.windows WHERE start = 1577836800")
    [ "$until" -ge $((first + 2)) ]
}
wait_for 20 "worker A's heartbeat past its first lease" renewed
(cd beat && exec "$SLUICE_BIN" run job.yaml --worker -q) >bb.out 2>bb.err &
b=$!
wait_for 60 "worker B's 8 windows" bash -c '[ "$(grep -c start_date= beat.log)" = 9 ]'
kill -USR1 "$BEAT_PID"
wait "$a" || fail "worker A: $(cat ba.err)"
wait "$b" || fail "worker B: $(cat bb.err)"
[ "$(grep -c 'start_date=2020-01-01' beat.log)" = 1 ] || fail "the slow window was taken from its live worker"
[ "$(pg_sql "SELECT count(*), sum(claims) FROM sluice_neows_beat.windows WHERE status = 'done'")" = "9|9" ] ||
    fail "heartbeat ledger: $(pg_sql "SELECT start, status, claims FROM sluice_neows_beat.windows")"

# ---- 4. --shard I/4 on SQLite ledgers ----------------------------------------------
mkdir shard
write_job shard/job.yaml "$BASE"
: >shards.txt
for i in 0 1 2 3; do
    before=$(log_count req.log)
    (cd shard && expect_status 0 "$SLUICE_BIN" run job.yaml --shard $i/4 -q)
    dates_after "$before" req.log | sort >shard$i.txt
    [ -s shard$i.txt ] || fail "shard $i pulled nothing"
    [ -f shard/.sluice/neows.shard-$i-of-4.db ] || fail "shard $i has no ledger of its own"
    [ "$(sqlite3 shard/.sluice/neows.shard-$i-of-4.db "SELECT count(*) FROM windows WHERE status = 'done'")" = "$(wc -l <shard$i.txt)" ] ||
        fail "shard $i's ledger"
    cat shard$i.txt >>shards.txt
done
sort shards.txt >union.txt
diff plan.txt union.txt >/dev/null || fail "shards: union is not every window once: $(diff plan.txt union.txt | head -5)"
[ "$(sort -u shards.txt | wc -l)" = $WINDOWS ] || fail "shards overlap"
# a shard run again pulls nothing: its own ledger has its windows done
before=$(log_count req.log)
(cd shard && expect_status 0 "$SLUICE_BIN" run job.yaml --shard 2/4 -q)
[ "$(log_count req.log)" = "$before" ] || fail "a done shard pulled again"
(cd shard && expect_status 2 "$SLUICE_BIN" run job.yaml --worker -q)
grep -q -- "--worker needs a shared ledger" stderr.txt || fail "--worker on SQLite: $(cat stderr.txt)"
expect_status 2 "$SLUICE_BIN" run shard/job.yaml --shard 4/4
grep -q -- "--shard wants I/N" stderr.txt || fail "--shard 4/4: $(cat stderr.txt)"
echo "ok"
