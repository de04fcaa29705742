#!/usr/bin/env bash
# A bad job fails before any request with file:line:col and exit status 2;
# `plan` lists the windows and their URLs without a request (the server
# here is never started: a request would fail to connect).
source "$(dirname "$0")/lib/common.bash"

write_job job.yaml "http://127.0.0.1:9/neo/rest/v1/feed"
expect_status 0 "$SLUICE_BIN" plan job.yaml
[ "$(wc -l <stdout.txt)" = 314 ] || fail "plan: expected 314 lines, got $(wc -l <stdout.txt)"
head -n 1 stdout.txt | grep -q $'^0\t2020-01-01\t2020-01-07\thttp://127.0.0.1:9/neo/rest/v1/feed?start_date=2020-01-01&end_date=2020-01-07&api_key=\\*\\*\\*\tout/neos_2020-01-01_2020-01-07.ndjson\t2020-01-01$' ||
    fail "plan line 1: $(head -n 1 stdout.txt)"
tail -n 1 stdout.txt | grep -q $'^313\t2025-12-31\t2025-12-31\t' || fail "plan last: $(tail -n 1 stdout.txt)"

# A typo in a field name: position and suggestion.
sed 's/^concurrency: 8/concurency: 8/' job.yaml >typo.yaml
expect_status 2 "$SLUICE_BIN" run typo.yaml
grep -q '^sluice: error: typo.yaml:8:1: ' stderr.txt || fail "no file:line:col: $(cat stderr.txt)"

# A YAML syntax error.
printf 'name: x\nsource: {url: "http://a\n' >broken.yaml
expect_status 2 "$SLUICE_BIN" run broken.yaml
grep -q 'broken.yaml:[0-9]*:[0-9]*: ' stderr.txt || fail "no position: $(cat stderr.txt)"

# An unset variable without default names the field and the variable.
sed 's/\${API_KEY:-DEMO_KEY}/${SLUICE_TEST_UNSET_VAR}/' job.yaml >unset.yaml
unset SLUICE_TEST_UNSET_VAR
expect_status 2 "$SLUICE_BIN" run unset.yaml
grep -q 'source.params.api_key' stderr.txt && grep -q 'SLUICE_TEST_UNSET_VAR' stderr.txt ||
    fail "unset variable not named: $(cat stderr.txt)"

# A missing job file and an unknown option are usage errors too.
expect_status 2 "$SLUICE_BIN" run nope.yaml
expect_status 2 "$SLUICE_BIN" run job.yaml --bogus 1
expect_status 0 "$SLUICE_BIN" --version
grep -q '^sluice [0-9]' stdout.txt || fail "version: $(cat stdout.txt)"
echo "ok"
