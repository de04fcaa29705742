#!/usr/bin/env bash
# One rate budget for every worker of a job (docs/scale-out.md): 4 `sluice
# run --worker` processes on one shared ledger (a real PostgreSQL 15 on
# 127.0.0.1) against a server that allows 50 requests/s (a token bucket,
# announced in RateLimit-Policy; 429 with Retry-After over it). Alone, each
# worker would pace itself at the server's 50/s, 200/s together; sharing
# the budget, each paces at its part. Checked: the server answered at most
# 1 % of the requests 429, every window is done and was pulled once, and
# the workers did see each other (each logs the number of workers that
# share the budget when it changes).
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"
source "$E2E_LIB/postgres.bash"

WINDOWS=314
start_postgres
start_mock --rate-limit 50/s --hourly-limit 1000000 --log req.log
write_job job.yaml "$BASE" "state: \"$PG_URL\""

pids=()
for k in 1 2 3 4; do
    "$SLUICE_BIN" run job.yaml --worker -v >w$k.out 2>w$k.err &
    pids+=($!)
done
for k in 1 2 3 4; do
    wait "${pids[$((k - 1))]}" || fail "worker $k: $(tail -n 5 w$k.err)"
done

total=$(log_count req.log)
refused=$(awk '$NF == 429' req.log | wc -l)
ok=$(awk '$NF == 200' req.log | grep -o 'start_date=[0-9-]*' | sort -u | wc -l)
echo "requests $total, 429s $refused, windows answered 200: $ok"
[ "$ok" = $WINDOWS ] || fail "$ok windows answered 200, want $WINDOWS"
[ $((refused * 100)) -le "$total" ] ||
    fail "$refused of $total requests were answered 429 (over 1 %)"
[ "$(pg_sql "SELECT count(*) FROM sluice_neows.windows WHERE status = 'done'")" = $WINDOWS ] ||
    fail "ledger: $(pg_sql "SELECT status, count(*) FROM sluice_neows.windows GROUP BY status")"
[ "$(ls out | grep -c '^neos_.*\.ndjson$')" = $WINDOWS ] || fail "files: $(ls out | wc -l)"
# they shared it: some worker paced at a part of it
cat w1.err w2.err w3.err w4.err | grep -q 'shared rate budget: [234] workers' ||
    fail "no worker saw another one: $(grep -h 'shared rate budget' w*.err | head -5)"
# and left it: nobody is a member once they are done
[ "$(pg_sql "SELECT count(*) FROM sluice_budget_members")" = 0 ] ||
    fail "members left behind: $(pg_sql "SELECT * FROM sluice_budget_members")"
echo ok
