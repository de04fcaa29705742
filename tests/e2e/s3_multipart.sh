#!/usr/bin/env bash
# A window over 64 MiB goes up as a multipart upload, and no part is ever
# left behind (tests/e2e/lib/s3.bash: s3rver behind the verifying proxy).
# The window: one replayed response of ~200 MiB whose records are compact
# JSON, so its NDJSON file is known in advance (its SHA-256 computed while
# the response is generated).
#  1. part 3 is refused for good (400) while part 2 keeps failing with a
#     503 (retried, so it may be waiting for its backoff then): the upload
#     is aborted (AbortMultipartUpload) once no part is in flight, s3rver
#     holds no upload and no object under the key, the window is failed
#     with the server's words, no marker or staged file is left;
#  2. the endpoint never answers part 2 and sluice is killed (kill -9):
#     the upload stays open and its marker in the staging folder says so;
#  3. the next run aborts that upload first ("aborted 1 multipart
#     uploads"), then uploads the window in 13 parts of 16 MiB, completed:
#     the object reads back (GET, signed by botocore) with the expected
#     SHA-256 and size, and s3rver holds no upload.
source "$(dirname "$0")/lib/common.bash"
source "$E2E_LIB/s3.bash"

mkdir replay
expected=$(/usr/bin/python3 - replay/feed_2020-01-01_2020-01-01.json <<'EOF'
import hashlib, json, sys
# ~200 MiB of records of ~1 KiB each; the NDJSON sink writes each one as
# it came (compact, ASCII, integers and strings only) and a newline.
h, size = hashlib.sha256(), 0
with open(sys.argv[1], "w") as f:
    f.write('{"items":[')
    pad = "x" * 960
    for i in range(215000):
        rec = json.dumps({"id": i, "name": "rec-%07d" % i, "pad": pad}, separators=(",", ":"))
        f.write(("," if i else "") + rec)
        line = (rec + "\n").encode()
        h.update(line)
        size += len(line)
    f.write("]}")
print(h.hexdigest(), size)
EOF
)
read -r want_sha want_size <<<"$expected"
[ "$want_size" -gt $((200 * 1024 * 1024)) ] || fail "the window is only $want_size bytes"
start_mock --replay "$WORK/replay" --log "$WORK/req.log"
cat >job.yaml <<EOF
name: big
source:
  url: $BASE
  params: {start_date: "{start}", end_date: "{end}", api_key: DEMO_KEY}
  records: "\$.items[*]"
windows: {from: 2020-01-01, to: 2020-01-01, step: 1d}
concurrency: 1
retry: {attempts: 2, base: 50ms}
output:
  path: "s3://$S3_BUCKET/big/{start}.ndjson"
  s3: {endpoint: "\${S3_ENDPOINT}"}
EOF
export S3_ENDPOINT
key=big/2020-01-01.ndjson
no_leftovers() {
    local left
    left=$(find .sluice/staging-big -type f 2>/dev/null || true)
    [ -z "$left" ] || fail "left in the staging folder: $left"
}

echo "== part 3 refused, part 2 failing: the upload is aborted"
start_s3 --fail-part 3:400 --fail-part 2:503
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
expect_status 1 "$SLUICE_BIN" run job.yaml
grep -Eq "upload to s3://$S3_BUCKET/$key failed: UploadPart: HTTP (400 InvalidPart: injected failure of part 3|503 InternalError: injected failure of part 2)" stderr.txt ||
    fail "no server message: $(tail -3 stderr.txt)"
grep -q '^POST /sluice-test/big/2020-01-01.ndjson?uploads= 200' "$S3_LOG" || fail "no multipart upload: $(head "$S3_LOG")"
grep -q '^DELETE /sluice-test/big/2020-01-01.ndjson?uploadId=[0-9a-f]* 204' "$S3_LOG" || fail "no abort: $(tail "$S3_LOG")"
[ "$(s3_open_uploads)" = 0 ] || fail "parts left after the abort"
[ ! -e "$S3_DATA/$S3_BUCKET/big/2020-01-01.ndjson._S3rver_object" ] || fail "an object appeared"
no_leftovers
stop_s3

echo "== killed mid-upload: the next run aborts what it left"
fifo="$WORK/held"
mkfifo "$fifo"
: >"$S3_LOG"
start_s3 --hold-part 2 --hold-fifo "$fifo"
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
"$SLUICE_BIN" run job.yaml >"$WORK/killed.out" 2>&1 &
pid=$!
MORE_PIDS+=("$pid")
read -r -t 300 line <"$fifo" || fail "part 2 never arrived: $(tail -3 "$WORK/killed.out")"
[ "$line" = "held 2" ] || fail "bad hold line '$line'"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ "$(s3_open_uploads)" = 1 ] || fail "expected one open upload, got $(s3_open_uploads)"
ls .sluice/staging-big/.sluice-s3-upload-big.* >/dev/null || fail "no marker for the open upload"
stop_s3

: >"$S3_LOG"
start_s3
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
expect_status 0 "$SLUICE_BIN" run job.yaml -v
grep -q 'aborted 1 multipart uploads an earlier run of this job left open' stderr.txt ||
    fail "the open upload was not aborted: $(tail -5 stderr.txt)"
grep -q '1 done, 0 failed of 1 windows' stderr.txt || fail "summary: $(tail -3 stderr.txt)"
[ "$(s3_open_uploads)" = 0 ] || fail "parts left after the rerun"
parts=$(grep -c '^PUT /sluice-test/big/2020-01-01.ndjson?partNumber=[0-9]*&uploadId=[0-9a-f]* 200' "$S3_LOG")
[ "$parts" = 13 ] || fail "expected 13 parts, got $parts"
grep -q '^POST /sluice-test/big/2020-01-01.ndjson?uploadId=[0-9a-f]* 200' "$S3_LOG" || fail "no complete"
grep -q ' 403 ' "$S3_LOG" && fail "the endpoint refused requests: $(grep ' 403 ' "$S3_LOG" | head -3)"
read -r got_sha got_size < <(/usr/bin/python3 "$E2E_LIB/s3_fetch.py" --sha256 "$S3_ENDPOINT" "$S3_BUCKET" "$key") ||
    fail "GET failed"
[ "$got_size" = "$want_size" ] || fail "object of $got_size bytes, expected $want_size"
[ "$got_sha" = "$want_sha" ] || fail "object's SHA-256 $got_sha, expected $want_sha"
no_leftovers
echo "ok"
