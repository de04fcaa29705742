#!/usr/bin/env bash
# TLS verification is always on: against an HTTPS server with a self-signed
# certificate every window fails at once (no retry can fix a certificate)
# with curl's reason, no request reaches the server and no file is written.
# http.ca_file trusts a private CA with verification still on; only
# --insecure turns verification off.
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

# The certificate as a private CA: verified, and accepted.
expect_status 0 pull --set http.ca_file=cert.pem
[ "$(ls out | wc -l)" = 2 ] || fail "ca_file: expected 2 files, got $(ls out)"
[ "$(wc -l <req.log)" = 2 ] || fail "ca_file: expected 2 requests, got $(wc -l <req.log)"
# ...but only for the name it was issued to: verification is really on.
rm -rf out
expect_status 1 "$SLUICE_BIN" pull "https://localhost:$PORT/neo/rest/v1/feed" \
    --param start_date={start} --param end_date={end} --param api_key=DEMO_KEY \
    --from 2020-01-01 --to 2020-01-07 --step 7d --out 'out/{start}.ndjson' \
    --set http.ca_file=cert.pem
grep -q "SSL: no alternative certificate subject name matches\|certificate" stderr.txt ||
    fail "host name not checked: $(cat stderr.txt)"
expect_status 2 pull --set http.ca_file=missing.pem
grep -q "http.ca_file: cannot read 'missing.pem'" stderr.txt || fail "ca_file error: $(cat stderr.txt)"

rm -rf out
expect_status 0 pull --insecure
[ "$(ls out | wc -l)" = 2 ] || fail "--insecure: expected 2 files, got $(ls out)"
[ "$(wc -l <req.log)" = 4 ] || fail "--insecure: expected 4 requests in all, got $(wc -l <req.log)"
echo "ok"
