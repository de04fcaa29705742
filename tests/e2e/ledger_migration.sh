#!/usr/bin/env bash
# A ledger written before partitions (tests/data/ledger_v1: format 1, by
# the sluice of main at f459f0d) still works: status reads it as it was
# (3 windows done, 2020-01-15 failed), a run accepts it (same fingerprint:
# no refusal, no --full-refresh), migrates it, keeps the done windows (their
# files are there: not asked again) and asks for the failed window alone.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/ledger.bash"

cp "$SLUICE_SRC/tests/data/ledger_v1/job.yaml" "$SLUICE_SRC/tests/data/ledger_v1/legacy.db" .
# The old run's files (their content is not what this test is about: the
# ledger says they are done, and they are in place).
mkdir -p out
for d in 2020-01-01 2020-01-08 2020-01-22; do echo '{}' >"out/neos_$d.ndjson"; done
start_mock --log req.log
export MOCK_PORT=$PORT

expect_status 0 "$SLUICE_BIN" status job.yaml
grep -qF 'done through: 2020-01-14' stdout.txt || fail "status: $(cat stdout.txt)"
grep -qF 'windows: 3 done, 1 failed, 0 pending (4 planned now)' stdout.txt || fail "status: $(cat stdout.txt)"
grep -qF '  2020-01-15..2020-01-21  (1 attempt)  HTTP 400: Date Format Exception' stdout.txt ||
    fail "status failure: $(cat stdout.txt)"

expect_status 0 "$SLUICE_BIN" run job.yaml
log_dates req.log >asked.txt
[ "$(cat asked.txt)" = 2020-01-15 ] || fail "asked [$(tr '\n' ' ' <asked.txt)], expected [2020-01-15]"
[ "$(log_count req.log)" = 1 ] || fail "$(log_count req.log) requests"
for d in 2020-01-01 2020-01-08 2020-01-22; do
    [ "$(cat "out/neos_$d.ndjson")" = '{}' ] || fail "out/neos_$d.ndjson was rewritten"
done
[ -s out/neos_2020-01-15.ndjson ] || fail "the failed window has no file"
[ "$(sqlite3 legacy.db 'PRAGMA user_version')" = 4 ] || fail "not migrated"
[ "$(sqlite3 legacy.db "SELECT count(*) FROM windows WHERE part = '' AND status = 'done'")" = 4 ] ||
    fail "rows: $(sqlite3 legacy.db 'SELECT * FROM windows')"
[ "$(sqlite3 legacy.db 'SELECT count(*) FROM runs')" = 2 ] || fail "the old run is gone"
expect_status 0 "$SLUICE_BIN" status job.yaml --json
python3 -c '
import json
s = json.load(open("stdout.txt"))
assert s["done"] == 4 and s["failed"] == 0 and s["done_through"] == "2020-01-28", s
'
echo "ok"
