#!/usr/bin/env bash
# Upload failures against s3rver behind the verifying proxy
# (tests/e2e/lib/s3.bash):
#  1. a transient failure (503 SlowDown on the 3rd PUT) is retried by the
#     job's retry policy, as a pull is: every window done, the object the
#     503 refused uploaded by a second PUT;
#  2. a permanent one (500 with retry.attempts: 1) fails its window, with
#     the server's words, and the window is not done: the ledger is
#     marked only after the PUT succeeded, so the next run pulls and
#     uploads it again, and only it;
#  3. a store slower than http.timeout (each PUT answered 2 s late, with
#     http.timeout: 1s) still takes the uploads: http.timeout caps API
#     answers, not uploads;
#  4. a key that may list but not write (every PUT 403 AccessDenied) stops
#     the job at once (exit 2, the server's message) instead of failing
#     window after window: a handful of windows failed, the rest not
#     pulled, and the API asked only for those.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/s3.bash"

start_mock --log "$WORK/req.log"
job() { # job FILE NAME TO [extra lines]
    local file=$1 name=$2 to=$3
    shift 3
    write_job "$file" "$BASE" "$@"
    sed -i "s#^output: .*#output: {path: \"s3://$S3_BUCKET/$name/{start}.csv\", s3: {endpoint: \"\${S3_ENDPOINT}\"}}#; s/^name: neows/name: $name/; s/to: 2025-12-31/to: $to/" "$file"
}
export S3_ENDPOINT

echo "== a transient failure is retried"
start_s3 --fail-put 3:503
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
job t.yaml transient 2020-02-04 "retry: {attempts: 3, base: 10ms}"
expect_status 0 "$SLUICE_BIN" run t.yaml
grep -q '5 done, 0 failed of 5 windows' stderr.txt || fail "summary: $(tail -3 stderr.txt)"
refused=$(grep '^PUT /sluice-test/transient/.* 503 ' "$S3_LOG" | cut -d' ' -f2)
[ -n "$refused" ] || fail "no 503 was injected: $(cat "$S3_LOG")"
[ "$(grep -c "^PUT $refused 200 " "$S3_LOG")" = 1 ] || fail "$refused was not uploaded again"
[ "$(grep -c '^PUT /sluice-test/transient/.* 200 ' "$S3_LOG")" = 5 ] || fail "expected 5 objects"
stop_s3

echo "== a permanent failure fails the window, which is not done"
: >"$S3_LOG"
start_s3 --fail-put 2:500
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
job p.yaml permanent 2020-02-04 "retry: {attempts: 1}"
sed -i 's/^concurrency: 8/concurrency: 1/' p.yaml
expect_status 1 "$SLUICE_BIN" run p.yaml
grep -q '4 done, 1 failed of 5 windows' stderr.txt || fail "summary: $(tail -3 stderr.txt)"
grep -q "2020-01-08..2020-01-14  upload to s3://$S3_BUCKET/permanent/2020-01-08.csv failed: PutObject: HTTP 500 InternalError: injected failure of PUT 2" stderr.txt ||
    fail "no server message: $(tail -3 stderr.txt)"
expect_status 0 "$SLUICE_BIN" status p.yaml --json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert (s["done"], s["failed"]) == (4, 1), s' stdout.txt ||
    fail "ledger: $(cat stdout.txt)"
: >"$S3_LOG"
: >"$WORK/req.log"
expect_status 0 "$SLUICE_BIN" run p.yaml
grep -q '1 done, 0 failed of 1 windows' stderr.txt || fail "rerun: $(tail -3 stderr.txt)"
[ "$(grep -c 'start_date=2020-01-08' "$WORK/req.log")" = 1 ] && [ "$(wc -l <"$WORK/req.log")" = 1 ] ||
    fail "the rerun pulled other windows: $(cat "$WORK/req.log")"
grep -q '^PUT /sluice-test/permanent/2020-01-08.csv 200 ' "$S3_LOG" || fail "not uploaded: $(cat "$S3_LOG")"
stop_s3

echo "== http.timeout does not cap uploads"
: >"$S3_LOG"
start_s3 --delay-put 2
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
job slow.yaml slow 2020-01-14 "http: {timeout: 1s}"
expect_status 0 "$SLUICE_BIN" run slow.yaml
grep -q '2 done, 0 failed of 2 windows' stderr.txt || fail "slow store: $(tail -3 stderr.txt)"
[ "$(grep -c '^PUT /sluice-test/slow/.* 200 ' "$S3_LOG")" = 2 ] || fail "expected 2 uploads: $(cat "$S3_LOG")"
stop_s3

echo "== a key that cannot write stops the job"
: >"$S3_LOG"
: >"$WORK/req.log"
start_s3 --deny-put
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
job d.yaml denied 2025-12-31
sed -i "s/^concurrency: 8/concurrency: 4/" d.yaml
expect_status 2 "$SLUICE_BIN" run d.yaml --report d.json
grep -q "sluice: error: upload to s3://$S3_BUCKET/denied/.*\.csv failed: PutObject: HTTP 403 AccessDenied: Access Denied" stderr.txt ||
    fail "no job-level error: $(tail -3 stderr.txt)"
python3 - d.json <<'EOF' || fail "report: $(head -c 600 d.json)"
import json, sys
r = json.load(open(sys.argv[1]))
st = [w["status"] for w in r["windows"]]
failed, not_pulled = st.count("failed"), st.count("not_pulled")
assert st.count("done") == 0, st
# the windows in flight or queued when the refusal came, no more
assert 1 <= failed <= 12, failed
assert failed + not_pulled == 314, (failed, not_pulled)
EOF
[ "$(wc -l <"$WORK/req.log")" -le 12 ] || fail "the API was asked $(wc -l <"$WORK/req.log") times after the store refused"
echo "ok"
