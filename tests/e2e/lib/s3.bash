# s3.bash: the S3 endpoint of the tests (sourced after common.bash): s3rver
# (tests/conformance/node_modules, pinned) behind tests/e2e/lib/s3_verify.py,
# which checks every request's SigV4 signature with botocore against the
# expected secret and answers a mismatch with S3's 403. Both listen on
# 127.0.0.1 and die with this script (the proxy by PR_SET_PDEATHSIG and
# the cleanup trap, s3rver with the proxy).
S3RVER="$SLUICE_SRC/tests/conformance/node_modules/.bin/s3rver"
[ -x "$S3RVER" ] || fail "s3rver not installed: run 'npm ci --prefix tests/conformance' (make test does)"
/usr/bin/python3 -c 'import botocore' 2>/dev/null ||
    fail "python3-botocore not installed (make deps installs it)"
S3_BUCKET=sluice-test
S3_DATA="$WORK/s3data"
S3_LOG="$WORK/s3.log"
# s3rver accepts only this key id; the secret is the proxy's to check.
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY="S3secret-$RANDOM$RANDOM-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
unset AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION

# start_s3 [PROXY ARGS...]: starts the endpoint; sets S3_PORT, S3_ENDPOINT
# and S3_PID. The proxy announces its port through a FIFO (no sleeping;
# the 30 s bound only turns an endpoint that never starts into a failure).
start_s3() {
    local fifo="$WORK/.s3-port-$RANDOM" line fd
    mkfifo "$fifo"
    /usr/bin/python3 "$E2E_LIB/s3_verify.py" --data "$S3_DATA" --bucket "$S3_BUCKET" \
        --access-key "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" \
        --s3rver "$S3RVER" --log "$S3_LOG" "$@" >"$fifo" 2>>"$WORK/s3.err" &
    S3_PID=$!
    MORE_PIDS+=("$S3_PID")
    exec {fd}<"$fifo"
    read -r -t 30 line <&"$fd" || fail "s3 endpoint: no port line"
    exec {fd}<&-
    rm -f "$fifo"
    [[ $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] || fail "s3 endpoint: bad first line '$line'"
    S3_PORT=${BASH_REMATCH[1]}
    S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
}

# stop_s3: SIGTERM to the proxy (s3rver stops with it); waits for it.
stop_s3() {
    kill -TERM "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
}

# s3_open_uploads: multipart uploads s3rver holds (created, neither
# completed nor aborted), with their parts.
s3_open_uploads() {
    local d="$S3_DATA/$S3_BUCKET/._S3rver_uploads"
    [ -d "$d" ] || { echo 0; return; }
    find "$d" -mindepth 1 -maxdepth 1 | wc -l
}
