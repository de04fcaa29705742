#!/usr/bin/env bash
# A redirect may carry the job's secrets only to the job's own origin.
# Two servers on two ports are two origins: A answers /moved/... with a
# 302 to B. The job sends secrets three ways: a query parameter, a header
# and URL userinfo (Basic auth). The servers log every request with its
# headers, so the test sees what reached each one.
# - default (same_origin): the window fails at once, naming B's origin and
#   how to allow it; B gets nothing; no file.
# - any: B is asked, with the non-secret params, and with no secret at all
#   (no api_key, no X-Token, no Authorization): B's own 403 for a missing
#   key fails the window, never "done" with a key B should not have.
# - a same-origin redirect keeps everything and the window is done; none
#   refuses it with its status and Location; more than 5 hops fail.
source "$(dirname "$0")/lib/common.bash"
key="RdrKey-$RANDOM$RANDOM-q7Zx"
token="RdrTok-$RANDOM$RANDOM-h4Wv"
pass="RdrPwd-$RANDOM$RANDOM-m2Ys"
export API_KEY=$key X_TOKEN=$token PASSWORD=$pass

start_another_mock B --any-key --log b.log --log-headers
start_another_mock A --any-key --log a.log --log-headers \
    --redirect-base "http://127.0.0.1:$B_PORT"
start_another_mock C --any-key --log c.log --log-headers

job() { # job FILE PORT PATH [extra lines]
    local file=$1 port=$2 path=$3
    shift 3
    {
        echo "name: redirects"
        echo "source:"
        echo "  url: http://sluice:\${PASSWORD}@127.0.0.1:$port$path"
        echo '  params: {start_date: "{start}", end_date: "{end}", api_key: "${API_KEY}"}'
        echo '  headers: {X-Token: "${X_TOKEN}"}'
        echo '  records: "$.near_earth_objects.*[*]"'
        echo "windows: {from: 2020-01-01, to: 2020-01-14, step: 7d}"
        echo "output: {path: \"out/{start}.ndjson\"}"
        echo "state: state.db"
        for line in "$@"; do echo "$line"; done
    } >"$file"
}
basic=$(printf 'sluice:%s' "$pass" | base64)
secrets_in() { grep -c -e "$key" -e "$token" -e "$basic" -e "$pass" "$1" || true; }

# --- same_origin (the default): refused, B never asked ----------------------
job same.yaml "$A_PORT" /moved/neo/rest/v1/feed
expect_status 1 "$SLUICE_BIN" run same.yaml --report same.json
[ ! -s b.log ] || fail "B was asked under same_origin: $(cat b.log)"
[ "$(grep -c ' 302$' a.log)" = 2 ] || fail "A: $(cat a.log)"
# the secrets really were sent to A, the job's own origin
grep -q "api_key=$key" a.log || fail "the key did not reach A"
grep -q "X-Token: $token" a.log || fail "the token header did not reach A"
grep -q "Authorization: Basic $basic" a.log || fail "basic auth did not reach A"
[ ! -e out ] || [ -z "$(ls -A out)" ] || fail "a refused redirect wrote files"
B_PORT=$B_PORT python3 - <<'PY'
import json, os
w = json.load(open("same.json"))["windows"]
assert len(w) == 2, w
origin = "http://127.0.0.1:%s" % os.environ["B_PORT"]
for x in w:
    assert x["status"] == "failed" and x["statuses"] == [302], x
    assert x["attempts"] == 1 and x["output"] is None, x
    assert ("redirected to another origin, %s" % origin) in x["error"], x
    assert "http.follow_redirects: any" in x["error"], x
PY

# --- any: followed, without a single secret ---------------------------------
rm -f state.db*
job any.yaml "$A_PORT" /moved/neo/rest/v1/feed "http: {follow_redirects: any}"
expect_status 1 "$SLUICE_BIN" run any.yaml --report any.json
[ "$(grep -c '^[0-9]' b.log)" = 2 ] || fail "B: $(cat b.log)"
[ "$(secrets_in b.log)" = 0 ] || fail "a secret reached B: $(cat b.log)"
grep -q 'Authorization' b.log && fail "B got an Authorization header"
grep -q 'X-Token' b.log && fail "B got the X-Token header"
grep -q 'start_date=2020-01-01&end_date=2020-01-07 403$' b.log ||
    fail "B should get the other params, and answer 403: $(cat b.log)"
python3 - <<'PY'
import json
w = json.load(open("any.json"))["windows"]
for x in w:
    assert x["status"] == "failed" and x["statuses"] == [403], x
    assert "API_KEY_MISSING" in x["error"], x
PY

# --- same origin: everything kept, the window done --------------------------
rm -f state.db*
job local.yaml "$C_PORT" /moved/neo/rest/v1/feed
expect_status 0 "$SLUICE_BIN" run local.yaml --report local.json
[ "$(grep -c ' 302$' c.log)" = 2 ] && [ "$(grep -c ' 200$' c.log)" = 2 ] ||
    fail "C: $(cat c.log)"
[ "$(grep -c "X-Token: $token" c.log)" = 4 ] || fail "same-origin hop lost the header"
python3 - <<'PY'
import json
w = json.load(open("local.json"))["windows"]
for x in w:
    assert x["status"] == "done" and x["statuses"] == [200], x
    assert x["rows"] > 0, x
PY

# --- none: a 3xx fails with its status and Location --------------------------
rm -f state.db*; : >c.log
job none.yaml "$C_PORT" /moved/neo/rest/v1/feed "http: {follow_redirects: none}"
expect_status 1 "$SLUICE_BIN" run none.yaml --report none.json
[ "$(grep -c '^[0-9]' c.log)" = 2 ] || fail "none: $(cat c.log)"
C_PORT=$C_PORT python3 - <<'PY'
import json, os
w = json.load(open("none.json"))["windows"]
for x in w:
    assert x["status"] == "failed" and x["statuses"] == [302], x
    # the Location as libcurl resolved it (userinfo kept, redacted)
    want = ("HTTP 302: redirect to http://sluice:***@127.0.0.1:%s/neo/rest/"
            "v1/feed?start_date=%s" % (os.environ["C_PORT"], x["start"]))
    assert x["error"].startswith(want), x
    assert "api_key=***" in x["error"], x
    assert "(http.follow_redirects: none)" in x["error"], x
PY

# --- the redirect limit: 5 hops are followed, a 6th is not -------------------
rm -f state.db*; : >c.log
job five.yaml "$C_PORT" /moved/moved/moved/moved/moved/neo/rest/v1/feed
expect_status 0 "$SLUICE_BIN" run five.yaml
rm -f state.db*; : >c.log
job six.yaml "$C_PORT" /moved/moved/moved/moved/moved/moved/neo/rest/v1/feed
expect_status 1 "$SLUICE_BIN" run six.yaml --report six.json
[ "$(grep -c ' 302$' c.log)" = 12 ] || fail "six hops: $(cat c.log)"
python3 - <<'PY'
import json
w = json.load(open("six.json"))["windows"]
for x in w:
    assert x["status"] == "failed" and "more than 5 redirects" in x["error"], x
PY

# nothing sluice printed or wrote shows a secret
cat stdout.txt stderr.txt same.json any.json local.json none.json six.json >all
[ "$(secrets_in all)" = 0 ] || fail "a secret leaked: $(grep -e "$key" -e "$token" -e "$pass" all)"
echo "ok"
