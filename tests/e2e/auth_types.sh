#!/usr/bin/env bash
# source.auth, every type, against the bundled server (tests/mock/
# mock_auth.c), which serves the feed only to the credential it demands and
# logs every request with its headers:
# - bearer, basic, api_key in a header and in the query each pull their
#   windows, the credential on every request; a wrong bearer token fails
#   each window with the server's 401 (a data endpoint's answer);
# - URL credentials (http://user:pass@host) become basic auth: sent as
#   Authorization, and gone from every URL sluice shows (plan, -v -v,
#   report, ledger), not only redacted;
# - oauth2_client_credentials: one token request before the first data
#   request, that token on every transfer; a token that expires mid-run
#   (the server refuses it after N uses, so the moment is exact) is renewed
#   exactly once, the refused request sent again, every window done; a
#   wrong client secret fails the job at once (exit 2, the server's
#   message, no data request); a renewal the server refuses stops the run
#   (exit 2) with the windows not pulled left pending, never failed.
source "$(dirname "$0")/lib/common.bash"
bearer="Bearer-$RANDOM$RANDOM-t9Qx"
pass="BasicPwd-$RANDOM$RANDOM-k3Lm"
key="ApiKey-$RANDOM$RANDOM-p5Rz"
secret="Client-$RANDOM$RANDOM-w8Nv"
export API_TOKEN=$bearer PASS=$pass KEY=$key CLIENT_SECRET=$secret
start_mock --keys "$key" --auth-bearer "$bearer" --auth-basic "reader:$pass" \
    --oauth-client "sluice-client:$secret" --oauth-token-uses 5 \
    --oauth-require scope=feed:read --oauth-require audience=neows \
    --log "$WORK/mock.log" --log-headers

job() { # job NAME URL-PATH [extra source lines...]
    local name=$1 path=$2
    shift 2
    {
        echo "name: $name"
        echo "source:"
        echo "  url: http://${URL_USERINFO:-}127.0.0.1:$PORT$path/neo/rest/v1/feed"
        echo '  params: {start_date: "{start}", end_date: "{end}"}'
        echo '  records: "$.near_earth_objects.*[*]"'
        for line in "$@"; do echo "  $line"; done
        echo "windows: {from: 2020-01-01, to: 2020-02-25, step: 7d}"
        echo "concurrency: 4"
        echo "output: {path: \"out/$name/{start}.ndjson\"}"
        echo "retry: {attempts: 2, base: 10ms}"
    } >"$name.yaml"
}
requests() { grep -c "^[0-9.]* GET /$1" "$WORK/mock.log" || true; }
files() { find "out/$1" -name '*.ndjson' 2>/dev/null | wc -l; }

# --- bearer, basic, api_key (header, query) ------------------------------
job bearer /bearer 'auth: {type: bearer, token: "${API_TOKEN}"}'
job basic /basic 'auth: {type: basic, username: reader, password: "${PASS}"}'
job keyhdr "" 'auth: {type: api_key, name: X-Api-Key, in: header, value: "${KEY}"}'
job keyqry "" 'auth: {type: api_key, name: api_key, in: query, value: "${KEY}"}'
for j in bearer basic keyhdr keyqry; do
    : >"$WORK/mock.log"
    expect_status 0 "$SLUICE_BIN" run $j.yaml
    [ "$(files $j)" = 8 ] || fail "$j: $(files $j) files, expected 8"
    [ "$(grep -c ' 200$' "$WORK/mock.log")" = 8 ] ||
        fail "$j: expected 8 answered requests: $(cat "$WORK/mock.log")"
done
basic64=$(printf 'reader:%s' "$pass" | base64 -w0)
: >"$WORK/mock.log"
rm -rf out/basic .sluice/basic.db*
expect_status 0 "$SLUICE_BIN" run basic.yaml
[ "$(grep -c "Authorization: Basic $basic64" "$WORK/mock.log")" = 8 ] ||
    fail "basic: the credentials were not on every request"
: >"$WORK/mock.log"
rm -rf out/keyqry .sluice/keyqry.db*
expect_status 0 "$SLUICE_BIN" run keyqry.yaml
[ "$(grep -c "&api_key=$key 200$" "$WORK/mock.log")" = 8 ] ||
    fail "keyqry: the key was not in every query: $(cat "$WORK/mock.log")"

# A wrong bearer token: the data endpoint's 401 fails each window (it is
# the API's answer about this request, not a token endpoint's).
job wrong /bearer 'auth: {type: bearer, token: "wrong-token-0123456789"}'
expect_status 1 "$SLUICE_BIN" run wrong.yaml --report wrong.json
python3 - <<'PY'
import json
w = json.load(open("wrong.json"))["windows"]
assert len(w) == 8, w
for x in w:
    assert x["status"] == "failed" and x["statuses"] == [401], x
    assert x["error"] == "HTTP 401: invalid_token: Bearer token missing or wrong", x
PY

# --- URL credentials become basic auth --------------------------------------
URL_USERINFO="reader:\${PASS}@" job urlcred /basic
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run urlcred.yaml -v -v --report urlcred.json
cat "$WORK/stdout.txt" "$WORK/stderr.txt" >"$WORK/shown"
expect_status 0 "$SLUICE_BIN" plan urlcred.yaml
cat "$WORK/stdout.txt" >>"$WORK/shown"
expect_status 0 "$SLUICE_BIN" status urlcred.yaml
cat "$WORK/stdout.txt" >>"$WORK/shown"
[ "$(files urlcred)" = 8 ] || fail "urlcred: $(files urlcred) files"
[ "$(grep -c "Authorization: Basic $basic64" "$WORK/mock.log")" = 8 ] ||
    fail "urlcred: URL credentials were not sent as basic auth"
grep -q "GET http://127.0.0.1:$PORT/basic/neo" "$WORK/shown" ||
    fail "urlcred: -v -v should log the URL without its credentials"
grep -q "http://127.0.0.1:$PORT/basic/neo" urlcred.json ||
    fail "urlcred: the report should hold the URL without credentials"
grep -q 'reader:\*\*\*@\|reader@' "$WORK/shown" urlcred.json &&
    fail "urlcred: a URL still carries (redacted) credentials"
python3 - "$WORK/dump" .sluice/urlcred.db <<'PY'
import sqlite3, sys
with open(sys.argv[1], "w") as out:
    for line in sqlite3.connect(sys.argv[2]).iterdump():
        out.write(line + "\n")
PY
for c in "$pass" "$basic64"; do
    grep -rlaF -- "$c" out "$WORK/shown" urlcred.json "$WORK/dump" .sluice &&
        fail "urlcred: a credential leaked"
done

# --- OAuth2 client credentials ---------------------------------------------
job oauth /oauth 'auth:' \
    '  type: oauth2_client_credentials' \
    "  token_url: http://127.0.0.1:$PORT/oauth/token" \
    '  client_id: sluice-client' \
    '  client_secret: "${CLIENT_SECRET}"' \
    '  scope: feed:read' \
    '  extra: {audience: neows}'
: >"$WORK/mock.log"
expect_status 0 "$SLUICE_BIN" run oauth.yaml -v -v --report oauth.json
cat "$WORK/stdout.txt" "$WORK/stderr.txt" >"$WORK/shown"
[ "$(files oauth)" = 8 ] || fail "oauth: $(files oauth) files"
# 8 windows, 5 uses per token: the 6th request is refused, the token
# renewed once (two token requests in all), the refused one sent again.
[ "$(grep -c '^[0-9.]* POST /oauth/token 200$' "$WORK/mock.log")" = 2 ] ||
    fail "oauth: expected exactly 2 token requests: $(grep '^[0-9]' "$WORK/mock.log")"
[ "$(grep -c '^[0-9.]* GET /oauth/neo.* 401$' "$WORK/mock.log")" -ge 1 ] ||
    fail "oauth: no request met the expired token"
[ "$(grep -c '^[0-9.]* GET /oauth/neo.* 200$' "$WORK/mock.log")" = 8 ] ||
    fail "oauth: expected 8 answered data requests"
# the first request of all is the token request
head -1 "$WORK/mock.log" | grep -q ' POST /oauth/token 200$' ||
    fail "oauth: the token was not asked for first"
grep -q 'Authorization: Bearer mocktok-1-' "$WORK/mock.log" &&
    grep -q 'Authorization: Bearer mocktok-2-' "$WORK/mock.log" ||
    fail "oauth: the tokens were not sent"
# no token, no secret anywhere sluice wrote
tokens=$(grep -o 'mocktok-[0-9]*-[0-9a-f]*' "$WORK/mock.log" | sort -u)
for c in $tokens "$secret"; do
    grep -rlaF -- "$c" out "$WORK/shown" oauth.json .sluice &&
        fail "oauth: $c leaked"
done
python3 - <<'PY'
import json
r = json.load(open("oauth.json"))
assert r["summary"]["done"] == 8 and r["summary"]["failed"] == 0, r["summary"]
PY

# A wrong client secret: the job fails at once, with the server's words.
rm -rf out/oauth .sluice/oauth.db*
: >"$WORK/mock.log"
CLIENT_SECRET=not-the-secret-42 expect_status 2 "$SLUICE_BIN" run oauth.yaml
grep -q "source.auth: the OAuth2 token request to http://127.0.0.1:$PORT/oauth/token failed: HTTP 401: invalid_client: Client authentication failed" \
    "$WORK/stderr.txt" || fail "oauth: expected the server's message: $(cat "$WORK/stderr.txt")"
[ "$(grep -c '^[0-9]' "$WORK/mock.log")" = 1 ] ||
    fail "oauth: a wrong secret should make one request, the token's: $(cat "$WORK/mock.log")"
grep -qF 'not-the-secret-42' "$WORK/stderr.txt" && fail "the wrong secret was shown"
expect_status 0 "$SLUICE_BIN" status oauth.yaml
grep -q '^windows: 0 done, 0 failed, 8 pending' "$WORK/stdout.txt" ||
    fail "oauth: status after a refused token: $(cat "$WORK/stdout.txt")"

# A renewal refused mid-run: the run stops (exit 2), nothing is failed,
# the windows not pulled stay pending and the next run pulls them.
stop_mock
start_mock --oauth-client "sluice-client:$secret" --oauth-token-uses 3 \
    --oauth-max-tokens 1 --log "$WORK/mock2.log"
job oauth1 /oauth 'auth:' \
    '  type: oauth2_client_credentials' \
    "  token_url: http://127.0.0.1:$PORT/oauth/token" \
    '  client_id: sluice-client' \
    '  client_secret: "${CLIENT_SECRET}"'
sed -i 's/^concurrency: 4/concurrency: 1/' oauth1.yaml
expect_status 2 "$SLUICE_BIN" run oauth1.yaml --report oauth1.json
grep -q 'failed: HTTP 401: invalid_client: The client was revoked' "$WORK/stderr.txt" ||
    fail "oauth1: $(cat "$WORK/stderr.txt")"
python3 - <<'PY'
import json
r = json.load(open("oauth1.json"))
s = r["summary"]
assert s["outcome"] == "error" and s["done"] == 3 and s["failed"] == 0, s
assert s["not_pulled"] == 5, s
for x in r["windows"]:
    if x["status"] != "done":
        assert x["status"] == "not_pulled", x
        assert "The client was revoked" in x["error"], x
PY
[ "$(files oauth1)" = 3 ] || fail "oauth1: $(files oauth1) files"
# The same server again (same port: the URL is part of the job), now
# issuing tokens.
old_port=$PORT
stop_mock
start_mock --oauth-client "sluice-client:$secret" --log "$WORK/mock3.log" \
    --port "$old_port"
expect_status 0 "$SLUICE_BIN" run oauth1.yaml
[ "$(files oauth1)" = 8 ] || fail "oauth1: the rerun left $(files oauth1) files"
[ "$(grep -c '^[0-9.]* GET ' "$WORK/mock3.log")" = 5 ] ||
    fail "oauth1: the rerun should pull the 5 windows left: $(cat "$WORK/mock3.log")"
echo ok
