#!/usr/bin/env bash
# pg_units.sh: runs every tests/pg/pgtest_* program (unit tests of the
# modules that keep state in PostgreSQL: the shared rate budget) against
# one real PostgreSQL 15 started for them on 127.0.0.1, its URL in PG_URL.
# Each program exits with its number of failed tests.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/postgres.bash"
: "${SLUICE_PG_TESTS:?run through ctest}"

start_postgres
export PG_URL
ran=0
for src in "$SLUICE_SRC"/tests/pg/pgtest_*.c; do
    name=$(basename "$src" .c)
    [ -x "$SLUICE_PG_TESTS/$name" ] || fail "$name is not built in $SLUICE_PG_TESTS"
    "$SLUICE_PG_TESTS/$name" || fail "$name: $? test(s) failed"
    ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || fail "no tests/pg/pgtest_* found"
echo "pg_units: $ran program(s) passed"
