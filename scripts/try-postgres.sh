#!/usr/bin/env bash
# try-postgres.sh: examples/neows_postgres.yaml offline. Starts a throwaway
# PostgreSQL 15 on 127.0.0.1 (initdb as the postgres user, trust auth, a
# free port, a temporary folder: tests/e2e/lib/postgres.bash, the tests'
# own helper) and the bundled NeoWs server, pulls 2020-01-01..2020-03-31
# into public.neos, prints what the table holds, and stops both (also on
# Ctrl-C or an error). Run as root from the repository, after building
# into build/ (or BUILD=...). The run's ledger goes in the temporary
# folder too, so nothing is left behind.
#   usage: scripts/try-postgres.sh
source "$(dirname "$0")/try-lib.bash"
try_setup try-postgres
try_start_mock

cd "$WORK"
PG_URL=$PG_URL "$BUILD/sluice" run "$ROOT/examples/neows_postgres.yaml" \
    --set "source.url=http://127.0.0.1:$PORT/neo/rest/v1/feed" \
    --set windows.to=2020-03-31 --set "state=$WORK/neows_postgres.db"
pg_sql "SELECT count(*) AS rows, count(DISTINCT _sluice_partition) AS windows FROM public.neos"
pg_sql "SELECT _sluice_partition, count(*) FROM public.neos GROUP BY 1 ORDER BY 1 LIMIT 3"
