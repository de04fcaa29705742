#!/usr/bin/env bash
# The shared rate budget (tests/pg/test_budget.c: members counted per job,
# a pause reaching every member, a member that left or went stale no
# longer counted, a cut connection made again, no password in a message),
# against a real PostgreSQL 15 started for the test on 127.0.0.1
# (lib/postgres.bash). The C program is the test; this script gives it its
# server.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/postgres.bash"

bin="$(dirname "$SLUICE_BIN")/test_budget"
[ -x "$bin" ] || fail "$bin is not built"
start_postgres
SLUICE_TEST_PG_URL=$PG_URL "$bin" || fail "test_budget failed"
# the program ran against this server: its table is here
[ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE tablename = 'sluice_budget_members'")" = 1 ] ||
    fail "test_budget never reached the server"
echo ok
