#!/usr/bin/env bash
# The shared ledger's lease logic with an injected clock
# (tests/pg/test_pg_lease.c: claims, expiry, renewal, retries, shards,
# heartbeats, fingerprints), against a real PostgreSQL 15 started for the
# test on 127.0.0.1 (lib/postgres.bash). The C program is the test; this
# script gives it its server.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/postgres.bash"

bin="$(dirname "$SLUICE_BIN")/test_pg_lease"
[ -x "$bin" ] || fail "$bin is not built"
start_postgres
SLUICE_TEST_PG_URL=$PG_URL "$bin" || fail "test_pg_lease failed"
# every test of the program ran: a filter typo or an early exit is no pass
[ "$(pg_sql "SELECT count(*) FROM pg_namespace WHERE nspname IN ('sluice_lease', 'sluice_shards', 'sluice_runs', 'sluice_fp', 'sluice_refusals')")" = 5 ] ||
    fail "test_pg_lease did not reach every ledger"
echo ok
