#!/usr/bin/env bash
# TLS verification is always on: against an HTTPS server with a self-signed
# certificate every window fails at once (no retry can fix a certificate)
# with curl's reason, no request reaches the server and no file is written;
# only --insecure turns verification off, and then the same pull succeeds.
source "$(dirname "$0")/lib/common.bash"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" -days 1 2>/dev/null ||
    fail "openssl could not make a test certificate"
start_mock --tls-cert cert.pem --tls-key key.pem --log req.log
URL="https://127.0.0.1:$PORT/neo/rest/v1/feed"
pull() {
    "$SLUICE_BIN" pull "$URL" --param start_date={start} --param end_date={end} \
        --param api_key=DEMO_KEY --from 2020-01-01 --to 2020-01-14 --step 7d \
        --records '$.near_earth_objects.*[*]' --out 'out/{start}.ndjson' "$@"
}

expect_status 1 pull --report report.json
python3 - <<'PY'
import json
w = json.load(open("report.json"))["windows"]
assert len(w) == 2, w
for x in w:
    assert x["status"] == "failed" and x["attempts"] == 1, x
    assert "SSL certificate problem" in x["error"], x["error"]
PY
[ ! -e out ] || [ -z "$(ls -A out)" ] || fail "files written without verification: $(ls -A out)"
[ ! -s req.log ] || fail "a request reached the server: $(cat req.log)"

expect_status 0 pull --insecure
[ "$(ls out | wc -l)" = 2 ] || fail "--insecure: expected 2 files, got $(ls out)"
[ "$(wc -l <req.log)" = 2 ] || fail "--insecure: expected 2 requests, got $(wc -l <req.log)"
echo "ok"
